"""Domain objects to JSON-able dicts and back: how the local state file keeps runs and creations, and the offer
cache the account and the offer a profile saw last. Stdlib only.

``*_from_dict`` raise ``ValueError`` for a dict that does not read as the object (the caller skips that row).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, fields
from typing import TYPE_CHECKING, Any, TypeVar

from .offer import Account, Choice, FileLimits, ImageBundle, Language, Offer, Product, Setting, SurfaceName, Voice

if TYPE_CHECKING:  # the runs half is imported by the functions that make runs: the kept offer is read without it
    from .runs import Creation, Run

__all__ = ["account_from_dict", "account_to_dict", "creation_from_dict", "creation_to_dict", "offer_from_dict",
           "offer_to_dict", "run_from_dict", "run_to_dict"]

T = TypeVar("T")


def run_to_dict(run: Run) -> dict[str, Any]:
    return asdict(run)


def creation_to_dict(creation: Creation) -> dict[str, Any]:
    return asdict(creation)


def account_to_dict(account: Account) -> dict[str, Any]:
    return asdict(account)


def offer_to_dict(offer: Offer) -> dict[str, Any]:
    return asdict(offer)


def _surface(value: object) -> SurfaceName:
    if value == "v1":
        return "v1"
    if value == "unified":
        return "unified"
    raise ValueError(f"unknown surface {value!r}")


def _make(cls: type[T], data: object, nested: Mapping[str, Any] | None = None) -> T:
    """``cls`` from the keys of ``data`` it knows (unknown keys from a newer kgp-tui are dropped)."""
    if not isinstance(data, Mapping):
        raise ValueError(f"not a {cls.__name__}")
    names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    values = {k: v for k, v in data.items() if k in names}
    values.update(nested or {})
    try:
        return cls(**values)
    except TypeError as error:
        raise ValueError(str(error)) from None


def _maybe(cls: type[T], data: object) -> T | None:
    return None if data is None else _make(cls, data)


def _tuple(cls: type[T], items: object) -> tuple[T, ...]:
    return tuple(_make(cls, item) for item in items) if isinstance(items, list | tuple) else ()


def _strings(items: object) -> tuple[str, ...]:
    return tuple(str(i) for i in items) if isinstance(items, list | tuple) else ()


def run_from_dict(data: object) -> Run:
    from .runs import Pause, Review, Run, RunError

    if not isinstance(data, Mapping):
        raise ValueError("not a run")
    return _make(Run, data, {
        "surface": _surface(data.get("surface")), "id": str(data.get("id") or ""),
        "creation_id": None if data.get("creation_id") is None else str(data["creation_id"]),
        "error": _maybe(RunError, data.get("error")), "pause": _maybe(Pause, data.get("pause")),
        "review": _maybe(Review, data.get("review")), "available_actions": _strings(data.get("available_actions")),
        "raw": dict(data.get("raw") or {}),
    })


def creation_from_dict(data: object) -> Creation:
    from .runs import Creation, Message, Result, Scene

    if not isinstance(data, Mapping) or not data.get("id"):
        raise ValueError("not a creation")
    run = data.get("run")
    return _make(Creation, data, {
        "surface": _surface(data.get("surface")), "id": str(data["id"]),
        "run": None if run is None else run_from_dict(run),
        "results": _tuple(Result, data.get("results")), "scenes": _tuple(Scene, data.get("scenes")),
        "messages": _tuple(Message, data.get("messages")), "edit_actions": _strings(data.get("edit_actions")),
        "raw": dict(data.get("raw") or {}),
    })


def account_from_dict(data: object) -> Account:
    if not isinstance(data, Mapping) or not isinstance(data.get("key_prefix"), str):
        raise ValueError("not an account")
    return _make(Account, data, {"raw": dict(data.get("raw") or {})})


def _setting(data: object) -> Setting:
    if not isinstance(data, Mapping):
        raise ValueError("not a setting")
    presets = data.get("presets")
    return _make(Setting, data, {
        "choices": _tuple(Choice, data.get("choices")),
        "presets": tuple(presets) if isinstance(presets, list | tuple) else (),
    })


def _product(data: object) -> Product:
    if not isinstance(data, Mapping) or not data.get("type"):
        raise ValueError("not a product")
    settings = data.get("settings")
    bundles = data.get("bundles")
    return _make(Product, data, {
        "settings": tuple(_setting(s) for s in settings) if isinstance(settings, list | tuple) else (),
        "bundles": tuple(_make(ImageBundle, b, {
            "aspect_ratios": _strings(b.get("aspect_ratios")), "output_qualities": _strings(b.get("output_qualities")),
            "qualities": _strings(b.get("qualities")), "raw": dict(b.get("raw") or {}),
        }) for b in bundles if isinstance(b, Mapping)) if isinstance(bundles, list | tuple) else (),
        "voices": _tuple(Voice, data.get("voices")), "edit_actions": _strings(data.get("edit_actions")),
        "raw": dict(data.get("raw") or {}),
    })


def offer_from_dict(data: object) -> Offer:
    if not isinstance(data, Mapping):
        raise ValueError("not an offer")
    products = data.get("products")
    files = data.get("files")
    return _make(Offer, data, {
        "surface": _surface(data.get("surface")),
        "products": tuple(_product(p) for p in products) if isinstance(products, list | tuple) else (),
        "languages": _tuple(Language, data.get("languages")),
        "files": None if files is None else _make(FileLimits, files, {
            "mime_types": _strings(files.get("mime_types") if isinstance(files, Mapping) else None)}),
        "raw": dict(data.get("raw") or {}),
    })

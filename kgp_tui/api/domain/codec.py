"""Domain objects to JSON-able dicts and back: how the local state file keeps runs and creations. Stdlib only.

``*_from_dict`` raise ``ValueError`` for a dict that does not read as the object (the caller skips that row).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, fields
from typing import Any, TypeVar

from .offer import SurfaceName
from .runs import Creation, Message, Pause, Result, Review, Run, RunError, Scene

__all__ = ["creation_from_dict", "creation_to_dict", "run_from_dict", "run_to_dict"]

T = TypeVar("T")


def run_to_dict(run: Run) -> dict[str, Any]:
    return asdict(run)


def creation_to_dict(creation: Creation) -> dict[str, Any]:
    return asdict(creation)


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

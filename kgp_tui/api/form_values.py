"""A create form's values as the form holds them, from text: what the form and ``kgp-tui create --set`` share.

Pure logic, stdlib only. A fresh form starts from each setting's default; a choice given as text is the listed
value it names (``"6"`` is the choice 6); a number is read as the form's number input reads it; only the settings
the form shows for these values are kept (a bundle's followers only where the bundle lists values), unset ones as
None. The adapter then validates these values and builds the body, for the form and the command alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from . import domain as d

__all__ = ["BUNDLE_PARTS", "form_values", "matching_choice", "number_from_text", "shown_values"]

NO_MATCH = object()
SELECTED = frozenset({"choice", "voice", "option", "bundle"})
BUNDLE_PARTS = ("provider", "model")  # ``--set image_generation.model=gpt-image-2`` picks the bundle by its parts
_YES, _NO = frozenset({"yes", "true", "on", "1"}), frozenset({"no", "false", "off", "0"})


def number_from_text(text: str) -> Any:
    """A number input's value: None when blank, an int when whole, a float, else the text as typed (validation
    says what is wrong with it, next to its field)."""
    stripped = text.strip()
    if not stripped:
        return None
    try:
        number = float(stripped)
    except ValueError:
        return stripped
    return int(number) if number.is_integer() else number


def matching_choice(values: Iterable[Any], chosen: Any) -> Any:
    """The listed value ``chosen`` names (a number given as text too), else ``NO_MATCH``."""
    for value in values:
        if value == chosen or (chosen is not None and str(value) == str(chosen)):
            return value
    return NO_MATCH


def shown_values(product: d.Product, values: Mapping[str, Any]) -> dict[str, Any]:
    """The values of the settings a form shows for ``values``, in order; the others are not sent."""
    return {s.name: values.get(s.name) for s in product.settings if product.applies(s.name, values)}


def _from_text(product: d.Product, setting: d.Setting, text: str) -> Any:
    if setting.kind == "long_text":
        return text
    if setting.kind == "boolean":
        word = text.strip().lower()
        return True if word in _YES else False if word in _NO else text
    listed = [c.value for c in setting.choices] or list(setting.presets)
    if setting.kind in SELECTED or listed:
        found = matching_choice(listed, text.strip())
        if found is NO_MATCH and setting.kind == "bundle":
            found = next((b.key for b in product.bundles if text.strip() in (b.model, b.label)), NO_MATCH)
        if found is not NO_MATCH:
            return found
    if setting.kind in ("integer", "number"):
        return number_from_text(text)
    return text if text.strip() else None


def _setting_for(product: d.Product, name: str, surface: str) -> tuple[d.Setting | None, str | None]:
    """The setting ``name`` means, and the bundle part (provider/model) when it names one."""
    wanted = name.strip()
    if surface == "unified" and wanted.startswith(product.type + "."):  # as the unified body nests it
        wanted = wanted[len(product.type) + 1:]
    found = product.setting(wanted)
    if found is not None:
        return found, None
    bundle = next((s for s in product.settings if s.kind == "bundle"), None)
    head, _, part = wanted.rpartition(".")
    if bundle is not None and (part or wanted) in BUNDLE_PARTS and head in ("", bundle.name, "image_generation"):
        return bundle, part or wanted
    return None, None


def form_values(product: d.Product, given: Mapping[str, str], surface: str = "v1"
                ) -> tuple[dict[str, Any], dict[str, str]]:
    """The values a form would hold after ``given`` (field name → text) were typed into a fresh one, and a
    message per name that is no setting of this product (or a bundle part that names no bundle)."""
    values: dict[str, Any] = product.defaults()
    errors: dict[str, str] = {}
    parts: dict[str, dict[str, str]] = {}
    for name, text in given.items():
        setting, part = _setting_for(product, name, surface)
        if setting is None:
            known = ", ".join(s.name for s in product.settings)
            errors[name] = f"{product.type} has no setting {name!r} (its settings: {known})."
        elif part is not None:
            parts.setdefault(setting.name, {})[part] = text.strip()
        else:
            values[setting.name] = _from_text(product, setting, text)
    for name, wanted in parts.items():
        bundle = next((b for b in product.bundles
                       if all(getattr(b, part) == value for part, value in wanted.items())), None)
        if bundle is None:
            offered = ", ".join(f"{b.provider}/{b.model}" for b in product.bundles) or "none"
            errors[name] = f"No image model {'/'.join(wanted.values())} here (offered: {offered})."
        else:
            values[name] = bundle.key
    return shown_values(product, values), errors

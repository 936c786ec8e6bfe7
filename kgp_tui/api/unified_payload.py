"""The body of unified ``POST /creations`` and the checks made before sending it. Pure logic, no I/O.

``type``, ``prompt``, ``instructions``, ``input_file_ids`` and ``max_credits`` at the top; every other setting in
ONE product object named after the type, with nothing the product does not list [doc]. The image bundle is sent
as ``provider`` + ``model``; a setting that follows the bundle is sent only when the chosen bundle lists values
for it (so native ``quality`` never goes to Gemini). Unset fields are omitted, strings trimmed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from . import domain as d
from . import wire as w

__all__ = ["REQUIRED", "TOP_LEVEL", "build_unified_body", "validate_unified"]

TOP_LEVEL = ("prompt", "instructions")
REQUIRED = "This field is required."
NUMERIC = frozenset({"integer", "number"})


def _clean(value: Any, numeric: bool) -> Any:
    """Trimmed text, a number from numeric text when ``numeric``; None for anything empty."""
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return None
        if numeric and (number := w.number(value)) is not None:
            return number
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, (list, tuple, dict)) and not value:
        return None
    return value


def _product_values(product: d.Product, values: Mapping[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for setting in product.settings:
        if setting.name in TOP_LEVEL or not product.applies(setting.name, values):
            continue
        value = _clean(values.get(setting.name), setting.kind in NUMERIC)
        if value is None:
            continue
        if setting.kind == "bundle":
            bundle = product.bundle(value)
            if bundle is not None:
                if bundle.provider:
                    found["provider"] = bundle.provider
                found["model"] = bundle.model
            continue
        found[setting.name] = value
    return found


def build_unified_body(product: d.Product, values: Mapping[str, Any], file_ids: Sequence[str] = (),
                       max_credits: int | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"type": product.type}
    for name in TOP_LEVEL:
        value = _clean(values.get(name), False)
        if value is not None:
            body[name] = value
    ids = [i.strip() for i in file_ids if isinstance(i, str) and i.strip()]
    if ids:
        body["input_file_ids"] = ids
    if max_credits is not None:
        body["max_credits"] = max_credits
    settings = _product_values(product, values)
    if settings:
        body[product.type] = settings
    return body


def _check(setting: d.Setting, value: Any, allowed: tuple[d.Choice, ...]) -> str | None:
    if setting.kind in NUMERIC:
        number = w.number(value)
        if number is None or setting.kind == "integer" and not float(number).is_integer():
            return "Enter a whole number." if setting.kind == "integer" else "Enter a number."
        if setting.presets and number not in setting.presets:
            return "Choose one of " + ", ".join(str(p) for p in setting.presets) + "."
        low, high = setting.minimum, setting.maximum
        if (low is not None and number < low) or (high is not None and number > high):
            return f"Must be {setting.describe()}."
        return None
    if setting.kind == "boolean":
        return None if isinstance(value, bool) else "Expected yes or no."
    if setting.kind in ("choice", "voice", "option", "bundle") and allowed:
        if value not in {c.value for c in allowed} and str(value) not in {str(c.value) for c in allowed}:
            return "Choose one of " + ", ".join(c.label for c in allowed) + "."
    if setting.max_length is not None and isinstance(value, str) and len(value) > setting.max_length:
        return f"At most {setting.max_length:,} characters (now {len(value):,})."
    return None


def validate_unified(product: d.Product, values: Mapping[str, Any], file_ids: Sequence[str] = (),
                     max_credits: Any = None, files: d.FileLimits | None = None) -> dict[str, str]:
    """{field: message} for what the server would refuse; empty when the values look sendable."""
    errors: dict[str, str] = {}
    for setting in product.settings:
        if not product.applies(setting.name, values):
            continue
        value = _clean(values.get(setting.name), setting.kind in NUMERIC)
        if value is None:
            if setting.required and setting.kind != "bundle" or setting.kind == "bundle" and product.bundles:
                errors[setting.name] = REQUIRED
            continue
        if setting.kind == "voice" and setting.follows == "language":
            allowed = product.choices_for(setting.name, values)
            if value not in {c.value for c in allowed} and value in {c.value for c in setting.choices}:
                errors[setting.name] = "This voice does not speak the chosen language."
                continue
        problem = _check(setting, value, product.choices_for(setting.name, values))
        if problem:
            errors[setting.name] = problem
    if max_credits is not None:
        number = w.integer(max_credits) if not isinstance(max_credits, bool) else None
        if number is None or number < 1:
            errors["max_credits"] = "Enter a whole number of credits, at least 1."
    if file_ids:
        if not product.accepts_files:
            errors["input_file_ids"] = f"{product.label} takes no files."
        elif files is not None and files.max_files is not None and len(file_ids) > files.max_files:
            plural = "" if files.max_files == 1 else "s"
            errors["input_file_ids"] = f"At most {files.max_files} file{plural} (now {len(file_ids)})."
    return errors

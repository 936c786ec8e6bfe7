"""Tolerant readers of decoded JSON (stdlib only): camelCase keys, numbers as text, lists that may be maps.

The unified adapter maps wire dicts to domain objects with these, so a reply of an unexpected shape loses a
field, never the whole reply.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")


def snake(key: str) -> str:
    """``progressPct`` → ``progress_pct``; snake_case keys stay as they are."""
    return _CAMEL.sub(r"_\1", key).lower() if any(c.isupper() for c in key) else key


def obj(value: Any) -> dict[str, Any]:
    """A JSON object with snake_case keys (a snake key wins over its camelCase twin); {} for anything else."""
    if not isinstance(value, Mapping):
        return {}
    found: dict[str, Any] = {}
    for key, item in value.items():
        if not isinstance(key, str):
            continue
        name = snake(key)
        if name == key or name not in found:
            found[name] = item
    return found


def first(data: Mapping[str, Any], *names: str) -> Any:
    """The first of ``names`` that ``data`` holds with a non-null value."""
    for name in names:
        if data.get(name) is not None:
            return data[name]
    return None


def text(value: Any) -> str | None:
    """A string or a number as text; None for anything else (including an empty string)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    if isinstance(value, str):
        return value if value.strip() else None
    return None


def number(value: Any) -> float | int | None:
    """A finite number from a number or numeric text (integral values as int); None otherwise."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if isinstance(value, (int, float)) and math.isfinite(value):
        return int(value) if float(value).is_integer() else float(value)
    return None


def integer(value: Any) -> int | None:
    found = number(value)
    return int(found) if found is not None and float(found).is_integer() else None


def flag(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def strings(value: Any) -> tuple[str, ...]:
    """A list of strings (numbers as text); a bare string is a list of one; anything else is empty."""
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, (list, tuple)):
        return ()
    return tuple(t for t in (text(v) for v in value) if t is not None)


def items(value: Any, key_name: str | None = None) -> list[dict[str, Any]]:
    """A list of objects given as a list, or as an object keyed by ``key_name`` (the key fills it when absent)."""
    if isinstance(value, Mapping):
        found = []
        for key, entry in value.items():
            entry = obj(entry)
            if key_name is not None and entry.get(key_name) is None:
                entry[key_name] = key
            found.append(entry)
        return found
    if isinstance(value, (list, tuple)):
        return [obj(entry) for entry in value if isinstance(entry, Mapping)]
    return []


def listing(value: Any, *envelopes: str) -> list[Any] | None:
    """The list in a reply that is a bare list or an object holding it under one of ``envelopes``."""
    if isinstance(value, list):
        return value
    data = obj(value)
    for name in envelopes:
        if isinstance(data.get(name), list):
            return list(data[name])
    return None


def numbers(values: Iterable[Any]) -> tuple[int | float, ...]:
    return tuple(n for n in (number(v) for v in values) if n is not None)

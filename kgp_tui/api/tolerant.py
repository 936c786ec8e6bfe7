"""The tolerant base of the KGP models: lenient model base, list helpers, numeric limits, times, type names."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError, field_validator, model_validator

from .wire import number as as_number  # one reading of numbers for both surfaces

log = logging.getLogger("kgp_tui.api")

JOB_TERMINAL = frozenset({"succeeded", "failed", "cancelled"})
JOB_STATUSES = ("queued", "running", "succeeded", "failed", "cancelled")
CREATION_STATUSES = ("queued", "processing", "ready", "failed", "invalid")
# Input-only names [doc]; the catalog and replies use the canonical ones.
ALIASES: dict[str, str] = {"knowledge_video": "explainer_video", "web_app": "interactive_lesson"}


def canonical_type(name: str) -> str:
    """The canonical content-type name for ``name`` (aliases mapped, surrounding spaces dropped)."""
    name = (name or "").strip()
    return ALIASES.get(name.lower(), name)


class KGPModel(BaseModel):
    """Base: keep unknown fields; a non-essential field whose value does not fit falls back to its default."""

    model_config = ConfigDict(extra="allow", coerce_numbers_to_str=True, populate_by_name=True)

    @model_validator(mode="wrap")
    @classmethod
    def _tolerate(cls, data: Any, handler: Callable[[Any], Any]) -> Any:
        try:
            return handler(data)
        except ValidationError as exc:
            if not isinstance(data, dict):
                raise
            bad = {err["loc"][0] for err in exc.errors() if err.get("loc")}
            required = {name for name, info in cls.model_fields.items() if info.is_required()}
            if not bad or bad & required:
                raise
            log.debug("%s: ignoring unreadable fields %s", cls.__name__, sorted(map(str, bad)))
            return handler({k: v for k, v in data.items() if k not in bad})


def valid_items(model: type[BaseModel]) -> BeforeValidator:
    """A list of ``model`` where items that do not fit are dropped (null or a non-list gives [])."""

    def keep(value: Any) -> list[Any]:
        if not isinstance(value, (list, tuple)):
            return []
        items = []
        for item in value:
            try:
                items.append(item if isinstance(item, model) else model.model_validate(item))
            except ValidationError:
                log.debug("%s: dropped an unreadable item", model.__name__)
        return items

    return BeforeValidator(keep)


def _strings(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, (list, tuple)):
        return []
    return [str(v) for v in value if isinstance(v, (str, int, float)) and not isinstance(v, bool)]


StrList = Annotated[list[str], BeforeValidator(_strings)]


class Limit(KGPModel):
    """A numeric limit given as ``{min, max, default}``, a list of allowed values, or a bare number."""

    min: float | int | None = None
    max: float | int | None = None
    default: float | int | None = None
    choices: list[Any] | None = None

    @model_validator(mode="before")
    @classmethod
    def _shape(cls, data: Any) -> Any:
        if isinstance(data, (list, tuple)):
            return {"choices": list(data)}
        if isinstance(data, dict):
            data = dict(data)
            for long, short in (("minimum", "min"), ("maximum", "max")):
                if short not in data and long in data:
                    data[short] = data[long]
            if "choices" not in data:
                for name in ("values", "options", "allowed"):
                    if isinstance(data.get(name), list):
                        data["choices"] = data[name]
                        break
            for name in ("min", "max", "default"):
                if name in data:
                    data[name] = as_number(data[name])
            low, high = data.get("min"), data.get("max")
            if low is not None and high is not None and low > high:
                data["min"], data["max"] = high, low
            return data
        number = as_number(data)
        if number is not None:
            # A bare number is read as the default: nothing says whether it is a bound.
            return {"default": number}
        return data

    @field_validator("choices", mode="before")
    @classmethod
    def _clean_choices(cls, value: Any) -> Any:
        if not isinstance(value, (list, tuple)):
            return None
        items = [(as_number(v) if as_number(v) is not None else v) for v in value if v is not None]
        return items or None

    @classmethod
    def parse(cls, value: Any) -> Limit | None:
        """A Limit from any accepted shape; None when ``value`` is None or unreadable."""
        if value is None or isinstance(value, bool):
            return None
        if isinstance(value, Limit):
            return value
        try:
            return cls.model_validate(value)
        except ValidationError:
            return None

    def allows(self, value: Any) -> bool:
        number = as_number(value)
        if self.choices:
            return any(c == value or (number is not None and c == number) for c in self.choices)
        if number is None:
            return False
        return (self.min is None or number >= self.min) and (self.max is None or number <= self.max)

    def describe(self) -> str:
        """``1–20 (default 6)``, ``one of 4, 6, 8``, ``≥ 1``, ``default 6`` or ``any value``."""
        default = f" (default {str(self.default)})" if self.default is not None else ""
        if self.choices:
            return "one of " + ", ".join(str(c) for c in self.choices) + default
        if self.min is not None and self.max is not None:
            return f"{str(self.min)}–{str(self.max)}{default}"
        if self.min is not None:
            return f"≥ {str(self.min)}{default}"
        if self.max is not None:
            return f"≤ {str(self.max)}{default}"
        return f"default {str(self.default)}" if self.default is not None else "any value"

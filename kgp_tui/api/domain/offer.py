"""What can be made and by whom: the account, the offer (products and their settings), file limits.

A create form is built from a ``Product``: one widget per ``Setting`` (its ``kind`` says which), the allowed values
from ``Product.choices_for`` (they follow the chosen image bundle or language), a setting shown only while
``Product.applies``. Stdlib only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

SurfaceName = Literal["v1", "unified"]
Raw = Mapping[str, Any]

# The kinds of a Setting. A form shows: text/long_text an input; integer/number a number input (a select of
# `presets` when there are some, else bounded by min/max); choice/voice/option (a template, a style…) a select of
# `choices`; bundle a select of image bundles (the value is ImageBundle.key); boolean a switch.
SettingKind = Literal["text", "long_text", "integer", "number", "choice", "voice", "option", "bundle", "boolean"]


@dataclass(frozen=True, slots=True)
class Choice:
    """One allowed value of a setting and what to show for it."""

    value: str | int | float
    label: str


@dataclass(frozen=True, slots=True)
class Setting:
    """One field of a create form. ``follows`` names the setting whose current value decides the choices here
    (``"bundle"``: an image bundle's ratios and qualities; ``"language"``: voices); see ``Product.choices_for``."""

    name: str
    kind: SettingKind
    label: str
    required: bool = False
    choices: tuple[Choice, ...] = ()
    minimum: float | int | None = None
    maximum: float | int | None = None
    default: Any = None
    presets: tuple[int | float, ...] = ()
    follows: str | None = None
    max_length: int | None = None

    def describe(self) -> str:
        """The limit in words: ``one of 120, 240 (default 240)``, ``1–20 (default 6)``, or ''."""
        default = f" (default {self.default})" if self.default is not None else ""
        if self.presets:
            return "one of " + ", ".join(str(p) for p in self.presets) + default
        if self.minimum is not None and self.maximum is not None:
            return f"{self.minimum}–{self.maximum}{default}"
        if self.minimum is not None:
            return f"≥ {self.minimum}{default}"
        if self.maximum is not None:
            return f"≤ {self.maximum}{default}"
        return default.strip(" ()")


@dataclass(frozen=True, slots=True)
class Language:
    code: str
    name: str | None = None

    @property
    def label(self) -> str:
        return self.name or self.code


@dataclass(frozen=True, slots=True)
class Voice:
    id: str
    name: str | None = None
    language: str | None = None
    gender: str | None = None
    raw: Raw = field(default_factory=dict, repr=False, compare=False)

    @property
    def label(self) -> str:
        return self.name or self.id


@dataclass(frozen=True, slots=True)
class ImageBundle:
    """A provider+model pair, picked as one [doc]: its ratios and qualities follow it. ``qualities`` is the native
    quality, sent only for a bundle that lists some (never to Gemini)."""

    provider: str | None
    model: str
    display_name: str | None = None
    aspect_ratios: tuple[str, ...] = ()
    output_qualities: tuple[str, ...] = ()
    qualities: tuple[str, ...] = ()
    raw: Raw = field(default_factory=dict, repr=False, compare=False)

    @property
    def key(self) -> str:
        """The value of the form's ``bundle`` setting: ``provider:model``."""
        return f"{self.provider or ''}:{self.model}"

    @property
    def label(self) -> str:
        return self.display_name or self.model


@dataclass(frozen=True, slots=True)
class FileLimits:
    """What ``POST /files`` accepts; empty ``mime_types`` means the server lists none (anything may be tried)."""

    max_bytes: int | None = None
    max_files: int | None = None
    mime_types: tuple[str, ...] = ()

    def problem(self, name: str, size: int, mime: str | None) -> str | None:
        """Why this file would be refused, in one sentence; None when it fits."""
        if self.max_bytes is not None and size > self.max_bytes:
            return f"{name} is {_size(size)}; the server takes at most {_size(self.max_bytes)}."
        if self.mime_types and (mime or "").lower() not in {m.lower() for m in self.mime_types}:
            kind = mime or "of an unknown type"
            return f"{name} is {kind}; the server takes " + ", ".join(self.mime_types) + "."
        return None


@dataclass(frozen=True, slots=True)
class Product:
    """What can be made: a v1 content type or a unified product. The create form is built from exactly this."""

    type: str
    label: str
    description: str = ""
    settings: tuple[Setting, ...] = ()
    accepts_files: bool = False
    url_context: bool = False
    bundles: tuple[ImageBundle, ...] = ()
    voices: tuple[Voice, ...] = ()
    edit_actions: tuple[str, ...] = ()
    raw: Raw = field(default_factory=dict, repr=False, compare=False)

    def setting(self, name: str) -> Setting | None:
        return next((s for s in self.settings if s.name == name), None)

    def bundle(self, key: object) -> ImageBundle | None:
        return next((b for b in self.bundles if b.key == key), None)

    def applies(self, name: str, values: Mapping[str, Any]) -> bool:
        """Whether the form shows (and the body sends) ``name`` given the other values: a setting that follows a
        bundle is shown only when the chosen bundle lists values for it (native ``quality`` only for GPT Image)."""
        setting = self.setting(name)
        if setting is None:
            return False
        if setting.follows == "bundle" and self.bundles:
            return bool(self.choices_for(name, values))
        return True

    def choices_for(self, name: str, values: Mapping[str, Any]) -> tuple[Choice, ...]:
        """The allowed values of ``name`` now: a bundle's own ratios/qualities, the voices of the language."""
        setting = self.setting(name)
        if setting is None:
            return ()
        if setting.follows == "bundle" and self.bundles:
            picker = next((s.name for s in self.settings if s.kind == "bundle"), "bundle")
            chosen = self.bundle(values.get(picker)) or self.bundle(self.default_of(picker))
            if chosen is None:
                return setting.choices
            key = name.rsplit(".", 1)[-1]  # v1 nests the native quality: image_generation.quality
            own = {"aspect_ratio": chosen.aspect_ratios, "output_quality": chosen.output_qualities,
                   "quality": chosen.qualities}.get(key, ())
            if not own:  # a bundle listing no native quality takes none; listing no ratios leaves the product's
                return () if key == "quality" or not setting.choices else setting.choices
            listed = {str(c.value): c for c in setting.choices}  # the bundle's values, in its order, the product takes
            return tuple(listed.get(v, Choice(v, v)) for v in own if not listed or v in listed)
        if setting.follows == "language" and setting.kind == "voice":
            language = _filled(values.get("language")) or _filled(self.default_of("language"))
            if language:
                ids = {v.id for v in voices_for(self.voices, language)}
                return tuple(c for c in setting.choices if c.value in ids)
        return setting.choices

    def visible(self, values: Mapping[str, Any]) -> tuple[Setting, ...]:
        """The settings a form shows now, in order (a bundle's followers only where the bundle has values)."""
        return tuple(s for s in self.settings if self.applies(s.name, values))

    def default_of(self, name: str) -> Any:
        setting = self.setting(name)
        return setting.default if setting is not None else None

    def defaults(self) -> dict[str, Any]:
        """A fresh form's values: each setting's default, where it has one."""
        return {s.name: s.default for s in self.settings if s.default is not None}


@dataclass(frozen=True, slots=True)
class Offer:
    """What this server can make, for this key: the v1 catalog or the unified capabilities."""

    surface: SurfaceName
    products: tuple[Product, ...] = ()
    languages: tuple[Language, ...] = ()
    files: FileLimits | None = None  # None: this surface takes no files
    takes_budget: bool = False  # max_credits exists on this surface
    raw: Raw = field(default_factory=dict, repr=False, compare=False)
    etag: str | None = field(default=None, compare=False)  # the server's ETag for it: a later GET revalidates

    def product(self, type_name: str) -> Product | None:
        wanted = (type_name or "").strip()
        return next((p for p in self.products if p.type == wanted), None) or next(
            (p for p in self.products if p.type.lower() == wanted.lower()), None
        )


@dataclass(frozen=True, slots=True)
class Account:
    """Who the key belongs to and whether it may create (``why_not`` says why not, in one sentence)."""

    key_prefix: str
    display_name: str | None = None
    email: str | None = None
    user_id: str | None = None
    key_scope: str | None = None
    can_create: bool | None = None  # None: the server did not say
    credits: float | int | None = None
    plan: str | None = None
    max_concurrent: int | None = None
    why_not: str | None = None
    raw: Raw = field(default_factory=dict, repr=False, compare=False)

    @property
    def may_create(self) -> bool:
        return self.why_not is None

    @property
    def label(self) -> str:
        return self.display_name or self.email or self.key_prefix


def _filled(value: object) -> str | None:
    """A form value as trimmed text; None when it is blank (unset)."""
    return value.strip() or None if isinstance(value, str) else None

def same_language(a: str, b: str) -> bool:
    a, b = a.lower().replace("_", "-"), b.lower().replace("_", "-")
    return a == b or a.startswith(b + "-") or b.startswith(a + "-")


def voices_for(voices: Iterable[Voice], language: str | None) -> tuple[Voice, ...]:
    """Voices that speak ``language`` (a voice without a language fits any); all when language is empty."""
    if not language:
        return tuple(voices)
    return tuple(v for v in voices if not v.language or same_language(v.language, language))

def _size(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{int(value)} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} bytes"  # pragma: no cover

"""The domain core: what the app speaks, whatever the wire. Plain typed dataclasses, stdlib only (free to import).

Each surface's adapter (``v1.py``, ``unified.py``) turns its wire shapes into these and back. Every object keeps
``raw``, the wire dict as the server gave it (the CLI's ``--json`` shows it). Unknown statuses, types and kinds
stay plain strings: they are shown as-is, never rejected.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from .errors import Conflict
from .text import parse_time, sanitize

SurfaceName = Literal["v1", "unified"]
RunKind = Literal["create", "edit", "message", "action"]
Raw = Mapping[str, Any]

V1_TERMINAL = frozenset({"succeeded", "failed", "cancelled"})
UNIFIED_TERMINAL = frozenset({"ready", "failed"})
UNIFIED_NEEDS_USER = frozenset({"paused"})
# Actions that spend the user's money [doc]: the app asks before sending them.
COSTLY_ACTIONS = frozenset({"approve_overage", "resume_after_recharge"})
IDEMPOTENCY_KEY_MIN = 8


# The kinds of a Setting. A form shows: text/long_text an input; integer/number a number input (presets or
# min/max); choice/voice/option a select of `choices`; bundle a select of image bundles; boolean a switch;
# group a nested object the form cannot edit field by field (v1 video_generation).
SettingKind = Literal["text", "long_text", "integer", "number", "choice", "voice", "option", "bundle", "boolean",
                      "group"]


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
class Option:
    """A named choice with an id: a template, an expression style, a style (``types``: empty fits every type)."""

    id: str
    name: str | None = None
    types: tuple[str, ...] = ()
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
            chosen = self.bundle(values.get("bundle")) or self.bundle(self.default_of("bundle"))
            if chosen is None:
                return setting.choices
            own = {"aspect_ratio": chosen.aspect_ratios, "output_quality": chosen.output_qualities,
                   "quality": chosen.qualities}.get(name, ())
            return tuple(Choice(v, v) for v in own)
        if setting.follows == "language" and setting.kind == "voice":
            language = _filled(values.get("language")) or _filled(self.default_of("language"))
            if language:
                ids = {v.id for v in voices_for(self.voices, language)}
                return tuple(c for c in setting.choices if c.value in ids)
        return setting.choices

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


@dataclass(frozen=True, slots=True)
class Result:
    """One thing a creation delivered: a v1 artifact, or a unified output. Use ``url`` as given; never build one."""

    id: str | None
    kind: str | None = None
    label: str | None = None
    url: str | None = None
    mime_type: str | None = None
    size_bytes: int | None = None
    raw: Raw = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class Scene:
    """A v1 scene of a video or deck."""

    id: str
    index: int | None = None
    title: str | None = None
    narration: str | None = None
    duration_seconds: float | None = None
    voice_id: str | None = None
    image_url: str | None = None
    status: str | None = None
    raw: Raw = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class Message:
    """A follow-up on a unified video: what was sent, how the server took it (accepted/answered/rejected)."""

    id: str | None
    content: str = ""
    status: str | None = None
    reply: str | None = None
    created_at: str | None = None
    raw: Raw = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class Pause:
    reason: str | None = None
    message: str | None = None


@dataclass(frozen=True, slots=True)
class Review:
    status: str | None = None
    notes: str | None = None


@dataclass(frozen=True, slots=True)
class RunError:
    code: str | None = None
    message: str | None = None


@dataclass(frozen=True, slots=True)
class Run:
    """One piece of work being watched: a v1 job, or a unified creation while it is processed.

    ``id`` is what is polled (a v1 job id or the unified creation id, as text).
    """

    surface: SurfaceName
    id: str
    creation_id: str | None
    kind: RunKind | str = "create"
    status: str = "unknown"
    action: str | None = None
    progress_pct: float | None = None
    step: str | None = None
    eta_seconds: float | None = None
    estimated_credits: float | int | None = None
    actual_credits: float | int | None = None
    error: RunError | None = None
    pause: Pause | None = None
    available_actions: tuple[str, ...] = ()
    review: Review | None = None
    result_code: str | None = None
    has_usable_delivery: bool | None = None
    created_at: str | None = None
    updated_at: str | None = None
    finished_at: str | None = None
    raw: Raw = field(default_factory=dict, repr=False, compare=False)

    @property
    def is_terminal(self) -> bool:
        """Done for good: v1 succeeded/failed/cancelled; unified ready/failed."""
        return self.status in (V1_TERMINAL if self.surface == "v1" else UNIFIED_TERMINAL)

    @property
    def needs_user(self) -> bool:
        """Stopped until the user acts (a paused unified creation)."""
        return self.surface == "unified" and self.status in UNIFIED_NEEDS_USER

    @property
    def stops_polling(self) -> bool:
        return self.is_terminal or self.needs_user

    @property
    def succeeded(self) -> bool:
        return self.status == ("succeeded" if self.surface == "v1" else "ready")


@dataclass(frozen=True, slots=True)
class NextStep:
    """One thing the user can do next with a creation: a v1 edit, a unified message or a paused action."""

    kind: Literal["edit", "message", "action"]
    name: str
    costs_money: bool = False


@dataclass(frozen=True, slots=True)
class Creation:
    """A creation, summary or detail (``detailed`` says which). ``id`` is text on both surfaces."""

    surface: SurfaceName
    id: str
    type: str | None = None
    title: str | None = None
    prompt: str | None = None
    status: str = "unknown"
    created_at: str | None = None
    updated_at: str | None = None
    main_url: str | None = None
    thumbnail_url: str | None = None
    run: Run | None = None  # the unified state, or None on v1 (its job is polled apart)
    latest_run_id: str | None = None
    results: tuple[Result, ...] = ()
    scenes: tuple[Scene, ...] = ()
    messages: tuple[Message, ...] = ()
    edit_actions: tuple[str, ...] = ()
    detailed: bool = False
    raw: Raw = field(default_factory=dict, repr=False, compare=False)

    @property
    def label(self) -> str:
        return self.title or f"{self.type or 'creation'} {self.id}"

    def next_steps(self) -> tuple[NextStep, ...]:
        """What can be done now: v1 edit actions while ready; unified actions while paused, messages on a ready
        video."""
        if self.surface == "v1":
            if self.status != "ready":
                return ()
            return tuple(NextStep("edit", action) for action in self.edit_actions)
        steps: list[NextStep] = []
        if self.run is not None and self.run.needs_user:
            steps += [NextStep("action", a, a in COSTLY_ACTIONS) for a in self.run.available_actions]
        if self.type == "video" and self.status == "ready":
            steps.append(NextStep("message", "message"))
        return tuple(steps)


@dataclass(frozen=True, slots=True)
class CreationPage:
    items: tuple[Creation, ...]
    page: int = 1
    page_size: int | None = None
    total: int | None = None

    @property
    def has_next(self) -> bool:
        size = self.page_size or len(self.items)
        if self.total is not None:
            return self.page * size < self.total
        return bool(size) and len(self.items) >= size


@dataclass(frozen=True, slots=True)
class ListFilters:
    """Which ``GET /creations`` filters this surface has (unified: type only)."""

    type: bool = True
    status: bool = True
    query: bool = True


@dataclass(frozen=True, slots=True)
class UploadedFile:
    id: str
    name: str | None = None
    mime_type: str | None = None
    size_bytes: int | None = None
    raw: Raw = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class MessageReply:
    """The reply to a message: how it was taken, and the creation's new state (an accepted change re-runs it)."""

    message: Message
    run: Run | None
    raw: Raw = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class ActionIntent:
    """One user intent to act on a paused creation. Its idempotency key is made once, here, and every retry of
    this intent sends the same key: a retried action acts once. A new intent (a new decision) gets a new key."""

    creation_id: str
    action: str
    idempotency_key: str

    @classmethod
    def new(cls, run: Run, action: str) -> ActionIntent:
        """An intent for ``action`` on ``run``; ``Conflict`` when the run does not advertise it now."""
        if action not in run.available_actions:
            offered = ", ".join(run.available_actions) or "none"
            raise Conflict(sanitize(f"This creation does not offer {action} now (offered: {offered}).",
                                      single_line=True, max_len=300))
        return cls(run.creation_id or run.id, action, new_idempotency_key())

    @property
    def costs_money(self) -> bool:
        return self.action in COSTLY_ACTIONS


def _filled(value: object) -> str | None:
    """A form value as trimmed text; None when it is blank (unset)."""
    return value.strip() or None if isinstance(value, str) else None


def new_idempotency_key() -> str:
    return "kgp-" + secrets.token_urlsafe(18)


def same_language(a: str, b: str) -> bool:
    a, b = a.lower().replace("_", "-"), b.lower().replace("_", "-")
    return a == b or a.startswith(b + "-") or b.startswith(a + "-")


def voices_for(voices: Iterable[Voice], language: str | None) -> tuple[Voice, ...]:
    """Voices that speak ``language`` (a voice without a language fits any); all when language is empty."""
    if not language:
        return tuple(voices)
    return tuple(v for v in voices if not v.language or same_language(v.language, language))


def filter_locally(items: Iterable[Creation], status: str | None = None, query: str | None = None) -> list[Creation]:
    """Rows already loaded, filtered here: for a surface whose list has no status or search filter."""
    words = (query or "").casefold().split()
    kept = []
    for item in items:
        if status and item.status != status:
            continue
        text = f"{item.title or ''} {item.prompt or ''} {item.type or ''} {item.id}".casefold()
        if all(word in text for word in words):
            kept.append(item)
    return kept


def _size(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{int(value)} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} bytes"  # pragma: no cover


def pick_submitted(
    items: Iterable[Creation], *, since: float, known: Iterable[str] = (), prompt: str | None = None,
    slack: float = 120.0,
) -> Creation | None:
    """After an ambiguous create: the creation that request most likely made, or None.

    The newest of ``items`` (one type, as listed) made since ``since`` (epoch seconds, with ``slack`` for clock
    skew) that the caller did not already know; one whose prompt matches is preferred when the server sends it.
    """
    seen = set(known)
    recent: list[tuple[float, Creation]] = []
    for item in items:
        made = parse_time(item.created_at)
        if made is not None and made.timestamp() >= since - slack and item.id not in seen:
            recent.append((made.timestamp(), item))
    wanted = (prompt or "").strip()
    exact = [pair for pair in recent if wanted and (pair[1].prompt or "").strip() == wanted]
    candidates = exact or recent
    return max(candidates, key=lambda pair: pair[0])[1] if candidates else None

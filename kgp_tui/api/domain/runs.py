"""A creation, its run (what is polled), its results and messages, and what can be done next. Stdlib only."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from ..errors import Conflict
from ..text import parse_time, sanitize
from .offer import Raw, SurfaceName

RunKind = Literal["create", "edit", "message", "action"]

V1_TERMINAL = frozenset({"succeeded", "failed", "cancelled"})
UNIFIED_TERMINAL = frozenset({"ready", "failed"})
UNIFIED_NEEDS_USER = frozenset({"paused"})
# Actions that spend the user's money [doc]: the app asks before sending them.
COSTLY_ACTIONS = frozenset({"approve_overage", "resume_after_recharge"})
IDEMPOTENCY_KEY_MIN = 8


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

    def watched_run(self) -> Run | None:
        """What to watch for this creation: its own state on unified, its latest job on v1 (polled to learn more)."""
        if self.run is not None:
            return self.run
        if not self.latest_run_id:
            return None
        return Run(surface=self.surface, id=self.latest_run_id, creation_id=self.id)

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

    def __post_init__(self) -> None:
        if len(self.idempotency_key) < IDEMPOTENCY_KEY_MIN:
            raise ValueError(f"An idempotency key has at least {IDEMPOTENCY_KEY_MIN} characters.")

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


def new_idempotency_key() -> str:
    return "kgp-" + secrets.token_urlsafe(18)

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

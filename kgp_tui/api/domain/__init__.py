"""The domain core: what the app speaks, whatever the wire. Plain typed dataclasses, stdlib only (free to import).

Each surface's adapter (``api/v1.py``, ``api/unified.py``) turns its wire shapes into these and back. Every object
keeps ``raw``, the wire dict as the server gave it (the CLI's ``--json`` shows it). Unknown statuses, types and
kinds stay plain strings: they are shown as-is, never rejected. ``offer`` holds what can be made and by whom;
``runs`` a creation, its run, results, messages and next steps.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .offer import (
    Account,
    Choice,
    FileLimits,
    ImageBundle,
    Language,
    Offer,
    Product,
    Raw,
    Setting,
    SettingKind,
    SurfaceName,
    Voice,
    same_language,
    voices_for,
)

# The runs half (a creation, its run, its results: 14 classes, ~15 ms of dataclass code made at import) loads on
# first use: the catalog kept from last time is on the first frame with the offer half only.
_FROM_RUNS = frozenset({
    "COSTLY_ACTIONS", "IDEMPOTENCY_KEY_MIN", "UNIFIED_NEEDS_USER", "UNIFIED_TERMINAL", "V1_TERMINAL",
    "ActionIntent", "Creation", "CreationPage", "ListFilters", "Message", "MessageReply", "NextStep", "Pause",
    "Result", "Review", "Run", "RunError", "RunKind", "Scene", "UploadedFile", "filter_locally",
    "new_idempotency_key", "pick_submitted"
})

if TYPE_CHECKING:
    from .runs import (
        COSTLY_ACTIONS,
        IDEMPOTENCY_KEY_MIN,
        UNIFIED_NEEDS_USER,
        UNIFIED_TERMINAL,
        V1_TERMINAL,
        ActionIntent,
        Creation,
        CreationPage,
        ListFilters,
        Message,
        MessageReply,
        NextStep,
        Pause,
        Result,
        Review,
        Run,
        RunError,
        RunKind,
        Scene,
        UploadedFile,
        filter_locally,
        new_idempotency_key,
        pick_submitted,
    )


def __getattr__(name: str) -> Any:
    if name in _FROM_RUNS:
        from . import runs

        value = getattr(runs, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "COSTLY_ACTIONS", "IDEMPOTENCY_KEY_MIN", "UNIFIED_NEEDS_USER", "UNIFIED_TERMINAL", "V1_TERMINAL", "Account",
    "ActionIntent", "Choice", "Creation", "CreationPage", "FileLimits", "ImageBundle", "Language", "ListFilters",
    "Message", "MessageReply", "NextStep", "Offer", "Pause", "Product", "Raw", "Result", "Review", "Run", "RunError",
    "RunKind", "Scene", "Setting", "SettingKind", "SurfaceName", "UploadedFile", "Voice", "filter_locally",
    "new_idempotency_key", "pick_submitted", "same_language", "voices_for",
]

"""The domain core: what the app speaks, whatever the wire. Plain typed dataclasses, stdlib only (free to import).

Each surface's adapter (``api/v1.py``, ``api/unified.py``) turns its wire shapes into these and back. Every object
keeps ``raw``, the wire dict as the server gave it (the CLI's ``--json`` shows it). Unknown statuses, types and
kinds stay plain strings: they are shown as-is, never rejected. ``offer`` holds what can be made and by whom;
``runs`` a creation, its run, results, messages and next steps.
"""

from __future__ import annotations

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

__all__ = [
    "COSTLY_ACTIONS", "IDEMPOTENCY_KEY_MIN", "UNIFIED_NEEDS_USER", "UNIFIED_TERMINAL", "V1_TERMINAL", "Account",
    "ActionIntent", "Choice", "Creation", "CreationPage", "FileLimits", "ImageBundle", "Language", "ListFilters",
    "Message", "MessageReply", "NextStep", "Offer", "Pause", "Product", "Raw", "Result", "Review", "Run", "RunError",
    "RunKind", "Scene", "Setting", "SettingKind", "SurfaceName", "UploadedFile", "Voice", "filter_locally",
    "new_idempotency_key", "pick_submitted", "same_language", "voices_for",
]

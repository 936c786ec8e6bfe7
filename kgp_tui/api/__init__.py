"""The KGP v1 API client: models, errors, payload rules and the async HTTP client.

Importing this package is free: each name is loaded on first use, so ``import kgp_tui.api`` pulls in neither
pydantic nor httpx (the client, and with it httpx, loads only when ``KGPClient`` is asked for).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS: dict[str, str] = {
    "KGPClient": "client",
    "is_ambiguous": "client",
    "key_prefix": "redact",
    "redact": "redact",
    "build_create_payload": "payload",
    "build_edit_payload": "payload",
    "validate_create": "payload",
    "validate_edit": "payload",
}
_EXPORTS.update(
    dict.fromkeys(
        (
            "KGPError", "AuthError", "PermissionDenied", "InsufficientCredits", "NotFound", "ValidationFailed",
            "RateLimited", "ServerError", "ConnectionFailed", "RequestTimeout", "MalformedResponse",
            "error_from_response",
        ),
        "errors",
    )
)
_EXPORTS.update(
    dict.fromkeys(
        (
            "ALIASES", "CREATION_STATUSES", "JOB_STATUSES", "JOB_TERMINAL", "Artifact", "Catalog", "ContentType",
            "CreateResponse", "Creation", "CreationPage", "CreationSummary", "Credits", "EditResponse", "Health",
            "ImageGeneration", "ImageModel", "Job", "JobError", "JobRef", "Language", "Limit", "Me", "Scene", "Style",
            "VideoGeneration", "VideoModel",
            "Voice", "canonical_type", "parse_time",
        ),
        "models",
    )
)

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:
    from .client import KGPClient, is_ambiguous
    from .errors import (
        AuthError,
        ConnectionFailed,
        InsufficientCredits,
        KGPError,
        MalformedResponse,
        NotFound,
        PermissionDenied,
        RateLimited,
        RequestTimeout,
        ServerError,
        ValidationFailed,
        error_from_response,
    )
    from .models import (
        ALIASES,
        CREATION_STATUSES,
        JOB_STATUSES,
        JOB_TERMINAL,
        Artifact,
        Catalog,
        ContentType,
        CreateResponse,
        Creation,
        CreationPage,
        CreationSummary,
        Credits,
        EditResponse,
        Health,
        ImageGeneration,
        ImageModel,
        Job,
        JobError,
        JobRef,
        Language,
        Limit,
        Me,
        Scene,
        Style,
        VideoGeneration,
        VideoModel,
        Voice,
        canonical_type,
        parse_time,
    )
    from .payload import build_create_payload, build_edit_payload, validate_create, validate_edit
    from .redact import key_prefix, redact

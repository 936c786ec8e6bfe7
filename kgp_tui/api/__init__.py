"""The KGP client: the domain core (``domain``), one adapter per surface (``v1``, ``unified``), finding the surface
at connect (``surface.connect``), and the v1 models, errors, payload rules and async HTTP client.

Importing this package is free: each name is loaded on first use, so ``import kgp_tui.api`` pulls in neither
pydantic nor httpx (the client, and with it httpx, loads only when ``KGPClient`` or an adapter is asked for).
Domain types are reached as ``kgp_tui.api.domain.X`` (``domain.Creation`` is not the v1 model ``Creation``).
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
    "connect": "surface",
    "open_adapter": "surface",
    "Connection": "surface",
    "SurfaceAdapter": "surface",
    "SurfaceChoice": "surface",
    "SURFACE_CHOICES": "surface",
    "V1Adapter": "v1",
    "UnifiedAdapter": "unified",
    "UnifiedClient": "unified",
    "ActionIntent": "domain",
}
_EXPORTS.update(
    dict.fromkeys(
        (
            "KGPError", "AuthError", "PermissionDenied", "InsufficientCredits", "NotFound", "ValidationFailed",
            "RateLimited", "ServerError", "ConnectionFailed", "RequestTimeout", "MalformedResponse",
            "error_from_response", "Conflict", "FileTooLarge", "UnsupportedFileType", "NotOnThisSurface",
            "SurfaceUnknown",
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
    from .domain import ActionIntent
    from .errors import (
        AuthError,
        Conflict,
        ConnectionFailed,
        FileTooLarge,
        InsufficientCredits,
        KGPError,
        MalformedResponse,
        NotFound,
        NotOnThisSurface,
        PermissionDenied,
        RateLimited,
        RequestTimeout,
        ServerError,
        SurfaceUnknown,
        UnsupportedFileType,
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
    from .surface import SURFACE_CHOICES, Connection, SurfaceAdapter, SurfaceChoice, connect, open_adapter
    from .unified import UnifiedAdapter, UnifiedClient
    from .v1 import V1Adapter

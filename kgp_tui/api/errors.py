"""One exception family for everything the KGP client can fail with, and the contract's error-body rules.

No httpx here: the client turns transport problems into these classes, so callers catch only ``KGPError``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import Any

from .redact import redact
from .retry_after import parse_retry_after
from .text import sanitize, truncate

MESSAGE_MAX = 300

_AMBIGUOUS_HINT = (
    "The request may have reached the server: check your creations before submitting again."
)


def clean_text(text: object, *keys: str, limit: int = MESSAGE_MAX) -> str:
    """Server or library text made safe to show: one line, no escape sequences or control characters, no key."""
    value = sanitize(text if isinstance(text, str) else str(text), single_line=True)
    value = redact(value, *keys)  # after joining lines, so a key split by control characters is caught too
    return truncate(value, limit)


def status_phrase(status: int | None) -> str:
    try:
        return HTTPStatus(status).phrase if status is not None else ""
    except ValueError:
        return ""


class KGPError(Exception):
    """Base of every client error. ``str(err)`` is the human message; ``hint`` says what to do next."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        field_errors: Mapping[str, str] | None = None,
        retry_after: float | None = None,
        method: str | None = None,
        path: str | None = None,
        ambiguous: bool = False,
        host: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.field_errors: dict[str, str] = dict(field_errors or {})
        self.retry_after = retry_after
        self.method = method
        self.path = path
        self.ambiguous = ambiguous
        self.host = host

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        parts = [f"status={self.status!r}", f"code={self.code!r}", f"message={self.message!r}"]
        if self.method or self.path:
            request = f"{self.method or ''} {self.path or ''}".strip()
            parts.append(f"request={request!r}")
        if self.ambiguous:
            parts.append("ambiguous=True")
        return f"{type(self).__name__}({', '.join(parts)})"

    def _base_hint(self) -> str:
        status = self.status
        if status in (405, 501):
            return "The server does not offer this request: check the base URL points at the KGP v1 API."
        if status == 413:
            return "The request is too large for the server: shorten the text and submit again."
        if status == 400:
            return "The server could not accept the request as sent; check the values and try again."
        if status is not None and 400 <= status < 500:
            return f"The server refused the request (HTTP {status})."
        return "Something went wrong talking to the KPainter API; try again."

    @property
    def hint(self) -> str:
        """What the user should do about it, in one or two sentences."""
        base = self._base_hint()
        return " ".join(part for part in (base, _AMBIGUOUS_HINT if self.ambiguous else "") if part)

    # Phrases that, in the server's own message, already give this class's advice (the contract's texts do).
    ADVICE_MARKERS: tuple[str, ...] = ()

    def advice_in(self, message: str) -> bool:
        """True when `message` already says what `_base_hint` would advise: then it is said once, not twice."""
        lowered = message.lower()
        if any(marker in lowered for marker in self.ADVICE_MARKERS):
            return True
        return advice_given(message, self._base_hint())

    @property
    def text(self) -> str:
        """The one line a user is shown: the message, the advice unless the message gave it, the ambiguity warning."""
        message = self.message or type(self).__name__
        base = self._base_hint()
        advice = [] if not base or self.advice_in(message) else [base]
        if self.ambiguous and _AMBIGUOUS_HINT not in message:
            advice.append(_AMBIGUOUS_HINT)
        return f"{message} — {' '.join(advice)}" if advice else message


class AuthError(KGPError):
    """401: the key is missing, wrong, revoked or not yet activated."""

    ADVICE_MARKERS = ("api key page", "reactivate")

    def _base_hint(self) -> str:
        if self.code == "missing_api_key":
            return "No API key was sent: enter your key (from the API Key page on the KPainter website)."
        return "Check the API key, or reactivate it on the KPainter website's API Key page."


class PermissionDenied(KGPError):
    """403: the key is valid but may not do this (for example a read-only key trying to create)."""

    ADVICE_MARKERS = ("api key page", "create permission")

    def _base_hint(self) -> str:
        return (
            "This key cannot create content. Use a user-level key that can create "
            "(see the API Key page on the KPainter website)."
        )


class InsufficientCredits(KGPError):
    """402: not enough credits; the server created nothing."""

    ADVICE_MARKERS = ("top up",)

    def _base_hint(self) -> str:
        return "Not enough credits: top up on the KPainter website. Nothing was created."


class NotFound(KGPError):
    """404: no such creation or job for this key."""

    def _base_hint(self) -> str:
        return "That creation or job does not exist for this key; refresh the list."


class Conflict(KGPError):
    """409: the request is fine, but the creation is not in a state that allows it now (not ready yet, an action
    it no longer offers, outputs before a delivery)."""

    ADVICE_MARKERS = ("once it is ready", "when it is ready")

    def _base_hint(self) -> str:
        if self.code == "creation_not_ready":
            return "Nothing is wrong with what you entered: try again once the creation is ready."
        return ("Nothing is wrong with what you entered: the creation's state does not allow this now; reload it and "
                "look at what it offers.")


class ValidationFailed(KGPError):
    """422: the server rejected the input; ``field_errors`` maps field names to messages."""

    def _base_hint(self) -> str:
        if self.field_errors:
            return "Fix the marked fields and submit again."
        return "The server rejected the input; change it and submit again."


class RateLimited(KGPError):
    """429: too many requests; ``retry_after`` says how long to wait, when the server said."""

    ADVICE_MARKERS = ("retry after", "wait ")

    def _base_hint(self) -> str:
        if self.retry_after is not None:
            return f"Too many requests: wait {_seconds(self.retry_after)} s, then try again."
        return "Too many requests: wait a little, then try again."


class ServerError(KGPError):
    """5xx: a fault on the server side."""

    ADVICE_MARKERS = ("try again",)

    def _base_hint(self) -> str:
        if self.method in (None, "GET"):
            return "The KPainter server had a fault; reads are retried with backoff, so try again in a moment."
        if self.ambiguous:
            return ""  # the message says there was a fault; what matters is the ambiguity warning after it
        return "The KPainter server had a fault; try again in a moment."


class ConnectionFailed(KGPError):
    """No usable HTTP reply: connection refused, DNS failure, dropped or reset connection, protocol error.

    ``stage`` says how far it got: ``"connect"`` (never connected), ``"reply"`` (connected, then the connection
    broke or the reply was garbled) or ``"url"`` (the base URL cannot be used at all).
    """

    def __init__(self, message: str, *, stage: str = "connect", **details: Any) -> None:
        super().__init__(message, **details)
        self.stage = stage

    def _base_hint(self) -> str:
        where = self.host or "the server"
        if self.stage == "url":
            return "Check the base URL: it should look like https://api.kpainter.ai/openapi/v1."
        if self.ambiguous:
            return f"The connection to {where} broke after the request was sent."
        if self.stage == "reply":
            return f"The connection to {where} broke before a full reply; try again."
        return f"Could not reach {where}: check the base URL and your network connection."


class RequestTimeout(ConnectionFailed):
    """The server took longer than the client's timeout."""

    def _base_hint(self) -> str:
        where = self.host or "The server"
        if self.ambiguous:
            return f"{where} did not answer in time."
        return f"{where} did not answer in time: it may be busy; try again, or raise the timeout."


class NotConnected(ConnectionFailed):
    """Raised by the app, not the server: a request was wanted before any connection was made (or after it failed)."""

    def __init__(self, message: str = "Not connected to a KGP server", **details: Any) -> None:
        super().__init__(message, stage="connect", **details)

    def _base_hint(self) -> str:
        return "F4 opens the connect screen."


class MalformedResponse(KGPError):
    """A 2xx reply whose body is not JSON or does not have the expected shape."""

    def _base_hint(self) -> str:
        return "The server's reply could not be read: check the base URL points at the KGP API (…/openapi/v1)."


_BY_STATUS: dict[int, type[KGPError]] = {
    401: AuthError,
    402: InsufficientCredits,
    403: PermissionDenied,
    404: NotFound,
    409: Conflict,
    422: ValidationFailed,
    429: RateLimited,
}


def error_class_for(status: int) -> type[KGPError]:
    if 500 <= status <= 599:
        return ServerError
    return _BY_STATUS.get(status, KGPError)


_WORD = re.compile(r"[^\W\d_]{4,}")  # words of four letters or more carry the advice; "the", "it", "on" do not
_ADVICE_SHARED = 0.6


def advice_given(message: str, hint: str) -> bool:
    """True when the server's message already gives the hint's advice (in its own words): say it once, not twice.

    Most of the hint's longer words in the message means the same advice: the contract's 402 says "top up on the
    KPainter website. Nothing was created." and a 401 "check it, or reactivate it on the API Key page".
    """
    if not hint:
        return True
    if hint in message:
        return True
    wanted = {w.lower().rstrip("s").removesuffix("'") for w in _WORD.findall(hint)}
    if not wanted:
        return False
    present = {w.lower().rstrip("s").removesuffix("'") for w in _WORD.findall(message)}
    return len(wanted & present) / len(wanted) >= _ADVICE_SHARED


def _seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _header(headers: Mapping[str, str] | Iterable[tuple[str, str]] | None, name: str) -> str | None:
    if not headers:
        return None
    items = headers.items() if isinstance(headers, Mapping) else headers
    for key, value in items:
        if str(key).lower() == name:
            return str(value)
    return None


def _field_errors(items: object, *keys: str) -> dict[str, str]:
    """``[{"field", "message"}]`` or FastAPI's ``[{"loc": [...], "msg"}]`` → {field: message}."""
    found: dict[str, str] = {}
    if not isinstance(items, list):
        return found
    for item in items:
        if not isinstance(item, Mapping):
            continue
        field = item.get("field")
        if field is None:
            loc = item.get("loc")
            if isinstance(loc, (list, tuple)) and loc:
                # ["body", "image_generation", "quality"] names the form's field image_generation.quality
                parts = [str(part) for part in loc]
                if len(parts) > 1 and parts[0] in ("body", "query", "path"):
                    parts = parts[1:]
                field = ".".join(parts)
        text = item.get("message", item.get("msg"))
        if field is None or text is None:
            continue
        name = clean_text(field, *keys, limit=80)
        text = clean_text(text, *keys)
        found[name] = f"{found[name]}; {text}" if name in found else text
    return found


def _message_from_json(data: Any, *keys: str) -> tuple[str | None, str | None, dict[str, str]]:
    """(message, code, field_errors) by the contract's rules; message None means "use HTTP <status>"."""
    if not isinstance(data, Mapping):
        return None, None, {}
    detail = data.get("detail")
    message: str | None = None
    code: str | None = None
    fields: dict[str, str] = {}
    if isinstance(detail, Mapping):
        if isinstance(detail.get("message"), str) and detail["message"].strip():
            message = detail["message"]
        if isinstance(detail.get("code"), str):
            code = detail["code"]
        fields = _field_errors(detail.get("errors"), *keys)
    elif isinstance(detail, str) and detail.strip():
        message = detail
    elif isinstance(detail, list):
        msgs = [str(i["msg"]) for i in detail if isinstance(i, Mapping) and i.get("msg") is not None]
        msgs += [i for i in detail if isinstance(i, str)]
        message = "; ".join(msgs) or None
        fields = _field_errors(detail, *keys)
    if message is None and isinstance(data.get("message"), str) and data["message"].strip():
        message = data["message"]
    if code is None and isinstance(data.get("code"), str):
        code = data["code"]
    if not fields:  # where the per-field list sits is not documented: beside `detail` is read too
        fields = _field_errors(data.get("errors"), *keys)
    return message, code, fields


def error_from_response(
    status: int,
    headers: Mapping[str, str] | Iterable[tuple[str, str]] | None,
    body_bytes: bytes | str | None,
    method: str | None = None,
    path: str | None = None,
    *,
    keys: Iterable[str] = (),
    host: str | None = None,
) -> KGPError:
    """The error for a non-2xx reply, with the message chosen exactly as the contract's section 4 says.

    ``keys`` are secrets to scrub from every text taken from the reply (the client passes its own key).
    """
    secrets = tuple(k for k in keys if k)
    body = body_bytes
    raw = body.decode("utf-8", "replace") if isinstance(body, (bytes, bytearray)) else (body or "")
    phrase = status_phrase(status)
    label = f"HTTP {status} {phrase}".strip()
    message: str | None = None
    code: str | None = None
    fields: dict[str, str] = {}
    if not raw.strip():
        message = f"{label}: the server sent an empty reply"
    else:
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):
            message = f"{label}: the server answered with a non-JSON page"
        else:
            message, code, fields = _message_from_json(data, *secrets)
            message = clean_text(message, *secrets) if message is not None else None
            message = message or label
    cls = error_class_for(status)
    return cls(
        message,
        status=status,
        code=clean_text(code, *secrets, limit=80) if code else None,
        field_errors=fields,
        retry_after=parse_retry_after(_header(headers, "retry-after"), date=_header(headers, "date")),
        method=method,
        path=path,
        # A server fault on a POST leaves it unknown whether the creation or edit was made.
        ambiguous=(method or "").upper() == "POST" and 500 <= status <= 599,
        host=host,
    )


# -- added for the unified surface (kept at the end so it merges apart from the rest of this module) -----------


class FileTooLarge(KGPError):
    """413: the uploaded file is larger than the server accepts."""

    def _base_hint(self) -> str:
        return "The file is larger than the server accepts: pick a smaller file. Nothing was uploaded."


class UnsupportedFileType(KGPError):
    """415: the server does not take files of this type."""

    def _base_hint(self) -> str:
        return "The server does not take files of this type: pick one of the types it lists."


class NotOnThisSurface(KGPError):
    """What was asked exists only on the other KGP surface (an edit on the unified one, a message on v1)."""

    def _base_hint(self) -> str:
        return "This server's API does not offer that."


class SurfaceUnknown(ConnectionFailed):
    """``GET /capabilities`` failed in a way that says neither "unified" (200) nor "v1" (404)."""

    def _base_hint(self) -> str:
        return "Could not tell which KPainter API the server speaks; try again, or set surface in the config."


_BY_STATUS.update({413: FileTooLarge, 415: UnsupportedFileType})

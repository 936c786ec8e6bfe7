"""The async KGP v1 client: one method per endpoint, typed replies, one exception family.

httpx is imported here only, so the models, errors and payload logic stay cheap to import.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import re
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from .. import __version__
from .errors import (
    ConnectionFailed,
    KGPError,
    MalformedResponse,
    RateLimited,
    RequestTimeout,
    ServerError,
    clean_text,
    error_from_response,
)
from .models import Catalog, CreateResponse, Creation, CreationPage, EditResponse, Health, Job, Me
from .redact import key_prefix, redact
from .text import url_host
from .tls import tls_context

__all__ = ["API_KEY_HEADER", "KGPClient", "is_ambiguous"]

log = logging.getLogger("kgp_tui.api")

API_KEY_HEADER = "X-KGP-Api-Key"
RETRY_AFTER_CAP = 60.0
ModelT = TypeVar("ModelT", bound=BaseModel)

# Failures raised before any byte of the request can have reached the server.
_NOT_SENT = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.ProxyError,
    httpx.UnsupportedProtocol,
    httpx.LocalProtocolError,
)
_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


def is_ambiguous(exc: BaseException, method: str) -> bool:
    """True when a failed non-idempotent request may still have been carried out by the server."""
    if method.upper() in _IDEMPOTENT:
        return False
    return not isinstance(exc, _NOT_SENT)


def _shown_url(url: str) -> str:
    """The URL without any ``user:password@`` part."""
    return re.sub(r"//[^/@]*@", "//", url, count=1)


class KGPClient:
    """Talks to one KGP server with one key. Use ``async with KGPClient(...) as client`` or call ``aclose()``.

    GETs are retried ``get_retries`` times on 429, 5xx and connection errors (capped exponential backoff,
    full jitter; a 429 waits its Retry-After, at most 60 s). POSTs are never retried: a POST that may have
    reached the server fails with ``ambiguous=True`` so the caller can look the result up instead.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float | None = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
        get_retries: int = 0,
        user_agent: str = f"kgp-tui/{__version__}",
        backoff_base: float = 0.5,
        backoff_cap: float = 8.0,
        on_retry: Callable[[KGPError, int, int, float], None] | None = None,
    ) -> None:
        api_key = (api_key or "").strip()
        if any(not 32 < ord(ch) < 127 for ch in api_key):
            raise ValueError("The API key contains spaces or characters that cannot be sent in an HTTP header.")
        self._api_key = api_key
        self._base_url = (base_url or "").strip().rstrip("/")
        self._host = redact(url_host(self._base_url) or "the server", api_key)
        self._timeout = timeout
        self.get_retries = max(0, int(get_retries))
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        # Told (error, retry number, retries in all, seconds it waits) before each wait, e.g. to say "retrying".
        self.on_retry = on_retry
        headers = {"Accept": "application/json", "User-Agent": user_agent}
        if api_key:
            headers.update(self._auth_headers(api_key))
        self._http = httpx.AsyncClient(timeout=timeout, transport=transport, headers=headers, follow_redirects=False,
                                       verify=tls_context())

    def _auth_headers(self, api_key: str) -> dict[str, str]:
        """The headers that carry the key; a subclass for another surface sends it its own way."""
        return {API_KEY_HEADER: api_key}

    @property
    def base_url(self) -> str:
        return self._base_url

    @property
    def key_prefix(self) -> str:
        return key_prefix(self._api_key)

    @property
    def host(self) -> str:
        return self._host

    def key_headers(self) -> dict[str, str]:
        """The headers that carry the key, for a request to this API's own origin only (a download from it);
        empty without a key. Never for another host: media hosts get no key (``kgp_tui.downloads``)."""
        return self._auth_headers(self._api_key) if self._api_key else {}

    def __repr__(self) -> str:
        return f"KGPClient(base_url={_shown_url(self._base_url)!r}, key={self.key_prefix!r})"

    async def __aenter__(self) -> KGPClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- endpoints -------------------------------------------------------------------------------------

    async def health(self, *, retries: int | None = None) -> Health:
        """GET /health: liveness; sends no key."""
        return await self._get_model(Health, "/health", auth=False, retries=retries)

    async def me(self, *, retries: int | None = None) -> Me:
        """GET /me: is the key valid, user-level, allowed to create?"""
        return await self._get_model(Me, "/me", retries=retries)

    async def catalog(self, *, retries: int | None = None) -> Catalog:
        """GET /catalog: content types with their limits; languages, voices, styles."""
        return await self._get_model(Catalog, "/catalog", retries=retries)

    async def catalog_if_changed(self, etag: str | None, *, retries: int | None = None
                                 ) -> tuple[Catalog | None, str | None]:
        """GET /catalog revalidated: (the catalog, its ETag), or (None, etag) when the server answers 304 to
        ``If-None-Match: etag`` (the catalog kept from last time is still current)."""
        data, tag = await self.get_if_changed("/catalog", etag, retries=retries)
        return (None if data is None else self._parse(Catalog, data, 200, "GET", "/catalog")), tag

    async def get_if_changed(self, path: str, etag: str | None, *, retries: int | None = None
                             ) -> tuple[Any, str | None]:
        """A GET with ``If-None-Match`` when ``etag`` is given: (decoded JSON, the reply's ETag or None), or
        (None, etag) for 304 Not Modified. A server that sends no ETag is read as always (no 304 can come)."""
        seen: dict[str, str] = {}
        headers = {"If-None-Match": etag} if etag else None
        status, data = await self._call("GET", path, retries=retries, headers=headers, seen=seen)
        if status == 304:
            return None, etag
        return data, seen.get("etag")

    async def create(self, payload: Mapping[str, Any]) -> CreateResponse:
        """POST /creations. Never retried; a failure after sending raises with ``ambiguous=True``."""
        status, data = await self._call("POST", "/creations", body=dict(payload))
        return self._parse(CreateResponse, data, status, "POST", "/creations")

    async def list_creations(
        self,
        page: int = 1,
        page_size: int = 20,
        type: str | None = None,
        status: str | None = None,
        query: str | None = None,
        *,
        retries: int | None = None,
    ) -> CreationPage:
        """GET /creations: the key owner's creations, one page; None filters are not sent."""
        params = {"page": page, "page_size": page_size, "type": type, "status": status, "query": query}
        params = {name: value for name, value in params.items() if value is not None}
        status, data = await self._call("GET", "/creations", params=params, retries=retries)
        if isinstance(data, dict):
            data = {"page": page, "page_size": page_size, **data}
        return self._parse(CreationPage, data, status, "GET", "/creations")

    async def creation(self, creation_id: int, *, retries: int | None = None) -> Creation:
        """GET /creations/{id}: detail with main_url, artifacts and scenes (``retries`` overrides get_retries)."""
        return await self._get_model(Creation, f"/creations/{_id(creation_id)}", retries=retries)

    async def job(self, job_id: int, *, retries: int | None = None) -> Job:
        """GET /creations/jobs/{id}: a create or edit job's state."""
        return await self._get_model(Job, f"/creations/jobs/{_id(job_id)}", retries=retries)

    async def edit(self, creation_id: int, payload: Mapping[str, Any]) -> EditResponse:
        """POST /creations/{id}/edit. Never retried; a failure after sending raises with ``ambiguous=True``."""
        path = f"/creations/{_id(creation_id)}/edit"
        status, data = await self._call("POST", path, body=dict(payload))
        if isinstance(data, dict) and data.get("creation_id") is None:
            data = {**data, "creation_id": int(creation_id)}
        return self._parse(EditResponse, data, status, "POST", path)

    # -- plumbing --------------------------------------------------------------------------------------

    async def _get_model(
        self, model: type[ModelT], path: str, *, auth: bool = True, retries: int | None = None
    ) -> ModelT:
        status, data = await self._call("GET", path, auth=auth, retries=retries)
        return self._parse(model, data, status, "GET", path)

    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        files: Mapping[str, Any] | None = None,
        auth: bool = True,
        retries: int | None = None,
        headers: Mapping[str, str] | None = None,
        seen: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        """(status, decoded JSON) of a 2xx reply; anything else raises a ``KGPError``. Only GETs are retried.

        ``headers`` go with the request; with ``If-None-Match`` among them a 304 is (304, None), not an error.
        ``seen`` receives the reply's ``etag`` when it has one."""
        if method != "GET":
            retries = 0
        attempts = 1 + max(0, self.get_retries if retries is None else retries)
        for attempt in range(attempts):
            try:
                return await self._send(method, path, params=params, body=body, files=files, auth=auth,
                                        headers=headers, seen=seen)
            except KGPError as err:
                delay = self._retry_delay(err, attempt) if attempt + 1 < attempts else None
                if delay is None:
                    raise
                log.debug(
                    "%s %s: %s, retry %d of %d in %.2f s",
                    method, path, type(err).__name__, attempt + 1, attempts - 1, delay,
                )
                if self.on_retry is not None:
                    self.on_retry(err, attempt + 1, attempts - 1, delay)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _retry_delay(self, err: KGPError, attempt: int) -> float | None:
        """Seconds to wait before retrying a GET after ``err``; None when it is not worth retrying."""
        if isinstance(err, RateLimited) and err.retry_after is not None:
            return min(err.retry_after, RETRY_AFTER_CAP)
        if isinstance(err, (RateLimited, ServerError, ConnectionFailed)):
            return random.uniform(0, min(self.backoff_cap, self.backoff_base * 2**attempt))
        return None

    async def _send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None,
        body: Any,
        auth: bool,
        files: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        seen: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        started = time.perf_counter()
        failure: KGPError | None = None
        try:
            request = self._http.build_request(method, self._base_url + path, params=params, json=body, files=files,
                                               headers=dict(headers) if headers else None)
            if not auth:
                for name in self._auth_headers(self._api_key):
                    request.headers.pop(name, None)
            response = await self._http.send(request)
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            failure = self._transport_failure(exc, method, path)
        elapsed = (time.perf_counter() - started) * 1000
        if failure is not None:
            # Raised outside the except block, so no httpx exception (holding the request) is chained.
            log.debug("%s %s failed: %s after %.0f ms", method, path, type(failure).__name__, elapsed)
            raise failure
        status = response.status_code
        log.debug("%s %s -> %d in %.0f ms", method, path, status, elapsed)
        tag = response.headers.get("ETag") or ""
        if seen is not None and 0 < len(tag) <= 200 and tag.isascii() and tag.isprintable():
            seen["etag"] = tag  # sent back as it came: only a plain one-line value
        if status == 304 and headers and "If-None-Match" in headers:
            return status, None  # what the caller holds is current
        if not 200 <= status < 300:
            raise error_from_response(
                status, response.headers, response.content, method, path, keys=(self._api_key,), host=self._host
            )
        try:  # NaN/Infinity are not JSON: read as null; absurd nesting is a malformed reply, not a crash
            return status, json.loads(response.content, parse_constant=lambda _name: None)
        except (ValueError, RecursionError):
            pass
        raise MalformedResponse(
            f"HTTP {status}: the reply to {method} {path} is not JSON",
            status=status, method=method, path=path, ambiguous=method != "GET", host=self._host,
        )

    def _transport_failure(self, exc: Exception, method: str, path: str) -> KGPError:
        detail = clean_text(str(exc), self._api_key, limit=160) or type(exc).__name__
        where = self._host
        ambiguous = is_ambiguous(exc, method)
        common = {"method": method, "path": path, "ambiguous": ambiguous, "host": where}
        if isinstance(exc, httpx.DecodingError):
            return MalformedResponse(f"The reply to {method} {path} could not be decoded ({detail})", **common)
        if isinstance(exc, httpx.TimeoutException):
            limit = f" within {self._timeout:g} s" if self._timeout is not None else ""
            message = {
                httpx.ConnectTimeout: f"Timed out connecting to {where}{limit}",
                httpx.PoolTimeout: f"Timed out waiting for a free connection to {where}",
                httpx.WriteTimeout: f"Timed out sending the request to {where}",
            }.get(type(exc), f"{where} did not answer{limit}")
            return RequestTimeout(message, stage="connect" if isinstance(exc, _NOT_SENT) else "reply", **common)
        if isinstance(exc, (httpx.ConnectError, httpx.ProxyError)):
            return ConnectionFailed(f"Could not connect to {where} ({detail})", **common)
        if isinstance(exc, (httpx.UnsupportedProtocol, httpx.InvalidURL)):
            base = redact(_shown_url(self._base_url), self._api_key)
            return ConnectionFailed(f"The base URL {base!r} is not usable ({detail})", stage="url", **common)
        if isinstance(exc, httpx.LocalProtocolError):
            return ConnectionFailed(f"The request to {where} could not be sent ({detail})", **common)
        message = f"The connection to {where} broke before a full reply ({detail})"
        return ConnectionFailed(message, stage="reply", **common)

    def _parse(self, model: type[ModelT], data: Any, status: int, method: str, path: str) -> ModelT:
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(map(str, err['loc'])) or 'body'}: {err['msg']}" for err in exc.errors()[:3]
            )
            message = f"The reply to {method} {path} does not have the expected shape ({problems})"
            failure = MalformedResponse(
                clean_text(message, self._api_key),
                status=status, method=method, path=path, ambiguous=method != "GET", host=self._host,
            )
        raise failure


def _id(value: int) -> int:
    """A creation or job id (an integer ≥ 1; a numeric string is accepted)."""
    if isinstance(value, bool):
        raise ValueError("An id must be an integer ≥ 1.")
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValueError("An id must be an integer ≥ 1.") from None
    if number < 1 or number != value and str(number) != str(value).strip():
        raise ValueError("An id must be an integer ≥ 1.")
    return number

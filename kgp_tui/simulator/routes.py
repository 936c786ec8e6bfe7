"""The KGP v1 endpoints: one request (method, path below /openapi/v1, query, headers, body) in, one Reply out.

No sockets here; server.py does the HTTP and the transport-level faults. Order of checks on a request:
unknown path (404) → wrong method (405) → key (401) → permission (403) → id is a positive integer (404) →
body is a JSON object (422) → the creation or job is the key's own (404) → edits: it is ready (409) →
fields (422) → creates: credits (402).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from . import catalog as cat
from .scenarios import Scenario, with_hostile_text
from .state import Account, Fate, NotFound, NotReady, Store, key_prefix
from .validation import ValidationFailed, validate_create

MAX_BODY_BYTES = 1024 * 1024
PAUSE_REASONS = {"credits_run_out": "insufficient_credits", "over_budget": "over_budget",
                 "transient_failure": "transient_failure"}


@dataclass
class Reply:
    status: int
    body: object  # a JSON value, or bytes sent as they are
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"


@dataclass
class Request:
    method: str
    path: str  # below /openapi/v1, without the query
    query: str
    headers: object  # anything with a case-insensitive .get(name), such as http.client.HTTPMessage
    body: bytes
    ids: dict[str, str] = field(default_factory=dict)
    shape: Scenario | None = None  # the unified_variants scenario acting on this request, if any


class Abort(Exception):
    def __init__(self, reply: Reply):
        super().__init__(reply.status)
        self.reply = reply


def error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, {"detail": {"code": code, "message": message}}, headers or {})


def cacheable(request: Request, body: object, tagged: bool = True) -> Reply:
    """200 with a strong ETag of the body, or 304 (no body) when the request's If-None-Match names it already.
    Not `tagged` (the `no_etag` scenario): a plain 200, whatever the request says, as a server without ETags."""
    if not tagged:
        return Reply(200, body)
    etag = '"' + hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:20] + '"'
    wanted = str(request.headers.get("If-None-Match") or "")
    if etag in (tag.strip().removeprefix("W/") for tag in wanted.split(",")) or wanted.strip() == "*":
        return Reply(304, b"", {"ETag": etag})
    return Reply(200, body, {"ETag": etag})


def validation_error(errors: list[tuple[str, str]]) -> Reply:
    summary = "; ".join(f"{name}: {message}" for name, message in errors)
    return Reply(422, {"detail": {"code": "validation_error", "message": f"Invalid request. {summary}",
                                  "errors": [{"field": name, "message": message} for name, message in errors]}})


def not_found(what: str, value: object) -> Reply:
    return error(404, "not_found", f"No {what} {value}." if what else f"No such endpoint: {value}")


class BaseApi:
    """Routing, the key check and JSON bodies, shared by both surfaces; a surface sets its routes and error shape."""

    missing_key_message = ("No API key: send it in the X-KGP-Api-Key header (or as Authorization: Bearer <key>).")
    routes: list[tuple[re.Pattern, dict[str, Callable[[Request], Reply]]]]

    def __init__(self, store, scenario: Callable[[], Scenario]):
        self.store = store
        self.scenario = scenario

    # -- the surface's error shape ------------------------------------------------------------------------------

    def error(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Reply:
        return error(status, code, message, headers)

    def validation_error(self, errors: list[tuple[str, str]]) -> Reply:
        return validation_error(errors)

    def not_found(self, what: str, value: object) -> Reply:
        return not_found(what, value)

    def body_limit(self, method: str, path: str) -> tuple[int, str]:
        """The largest body a request to `path` (below the prefix) may have, and what a 413 says."""
        return MAX_BODY_BYTES, "The request body is larger than 1 MiB."

    def is_create(self, method: str, path: str, reply: Reply) -> bool:
        """Whether this reply stored a new creation (drop_after_create drops exactly those)."""
        return reply.status == 202 and method == "POST" and path.rstrip("/") == "/creations"

    # -- dispatch -----------------------------------------------------------------------------------------------

    def handle(self, request: Request) -> Reply:
        path = request.path.rstrip("/") or "/"
        for pattern, methods in self.routes:
            match = pattern.fullmatch(path)
            if match is None:
                continue
            handler = methods.get(request.method)
            if handler is None:
                allow = ", ".join(methods)
                return self.error(405, "method_not_allowed",
                                  f"{request.method} is not allowed here (allowed: {allow}).", {"Allow": allow})
            request.ids = match.groupdict()
            self._begin(request)
            try:
                reply = handler(request)
            except Abort as abort:
                reply = abort.reply
            return self._finish(request, reply)
        return self.not_found("", f"/openapi/v1{request.path}")

    def _begin(self, request: Request) -> None:
        """Called once per routed request before its handler."""

    def _finish(self, request: Request, reply: Reply) -> Reply:
        if not isinstance(reply.body, bytes) and self._take("reply", request) is not None:
            reply = Reply(reply.status, with_hostile_text(reply.body), reply.headers, reply.content_type)
        return reply

    # -- shared checks --------------------------------------------------------------------------------------

    def _take(self, point: str, request: Request) -> Scenario | None:
        return self.scenario().take(point, request.method, request.path)

    def _fate(self, request: Request) -> Fate:
        """How the job (v1) or run (unified) this request starts ends, as the `job` scenario says."""
        scenario = self._take("job", request)
        if scenario is None:
            return Fate()
        if scenario.name == "job_failure":
            return Fate("failed", int(scenario.params["fail_at_step"]), str(scenario.params["error_code"]))
        if scenario.name == "cancel":
            return Fate("cancelled", int(scenario.params["cancel_at_step"]))
        if scenario.name in PAUSE_REASONS:  # unified only: a v1 server refuses these scenarios
            return Fate("paused", int(scenario.params["at_step"]), PAUSE_REASONS[scenario.name])
        return Fate(odd_status=True)

    def _account(self, request: Request, *, create: bool = False) -> Account:
        key = (request.headers.get("X-KGP-Api-Key") or "").strip()
        if not key:
            scheme, _, value = (request.headers.get("Authorization") or "").strip().partition(" ")
            key = value.strip() if scheme.lower() == "bearer" else ""
        if not key:
            raise Abort(self.error(401, "missing_api_key", self.missing_key_message))
        account = self.store.account(key)
        if account is None or self._take("auth", request):
            raise Abort(self.error(401, "invalid_api_key", f"The API key {key_prefix(key)}… is not valid. Check "
                                                           "it, or reactivate it on the KPainter API Key page."))
        if create and not account.can_create:
            raise Abort(self.error(403, "insufficient_permission",
                                   f"The API key {key_prefix(key)}… can read but cannot create or edit. Use a key "
                                   "with create permission from the KPainter API Key page."))
        return account

    def _json_body(self, request: Request) -> dict:
        content_type = request.headers.get("Content-Type")
        if content_type:
            media = content_type.split(";")[0].strip().lower()
            if media != "application/json" and not (media.startswith("application/") and media.endswith("+json")):
                raise Abort(self.validation_error([("body", f"must be sent as application/json (got {media})")]))
        if not request.body.strip():
            raise Abort(self.validation_error([("body", "is empty; send a JSON object")]))
        try:
            data = json.loads(request.body.decode("utf-8"))
        except UnicodeDecodeError:
            raise Abort(self.validation_error([("body", "is not UTF-8 text")])) from None
        except json.JSONDecodeError as exc:
            raise Abort(self.validation_error(
                [("body", f"is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})")])) from None
        if not isinstance(data, dict):
            raise Abort(self.validation_error([("body", "must be a JSON object")]))
        return data

    @staticmethod
    def _page_params(request: Request) -> dict:
        """`page` (≥ 1, default 1) and `page_size` (1–100, default 20) from the query; 422 when malformed."""
        query = parse_qs(request.query, keep_blank_values=True)
        errors: list[tuple[str, str]] = []
        numbers = {}
        for name, default, low, high in (("page", 1, 1, None), ("page_size", 20, 1, 100)):
            raw = (query.get(name) or [""])[0].strip() or None
            value = int(raw) if raw and re.fullmatch(r"[0-9]{1,9}", raw) else None
            if raw is not None and value is None:
                errors.append((name, "must be an integer"))
            elif value is not None and (value < low or (high is not None and value > high)):
                errors.append((name, f"must be at least {low}" + (f" and at most {high}" if high else "")))
            numbers[name] = default if value is None else value
        if errors:
            raise ValidationFailed(errors)
        return numbers


class Api(BaseApi):
    """The v1 surface."""

    def __init__(self, store: Store, scenario: Callable[[], Scenario]):
        super().__init__(store, scenario)
        self.routes = [
            (re.compile(r"/health"), {"GET": self._health}),
            (re.compile(r"/me"), {"GET": self._me}),
            (re.compile(r"/catalog"), {"GET": self._catalog}),
            (re.compile(r"/creations"), {"GET": self._list, "POST": self._create}),
            (re.compile(r"/creations/jobs/(?P<job_id>[^/]+)"), {"GET": self._job}),
            (re.compile(r"/creations/(?P<creation_id>[^/]+)"), {"GET": self._detail}),
            (re.compile(r"/creations/(?P<creation_id>[^/]+)/edit"), {"POST": self._edit}),
        ]

    @staticmethod
    def _id(request: Request, name: str, what: str) -> int:
        raw = request.ids[name]
        if not re.fullmatch(r"[0-9]{1,18}", raw) or int(raw) < 1:
            raise Abort(not_found(what, repr(raw)))
        return int(raw)

    def _variant(self, request: Request) -> str:
        return self._catalog_scenario(request)[0]

    def _catalog_scenario(self, request: Request) -> tuple[str, bool]:
        """The catalog's variant for this request, and whether its reply carries an ETag."""
        scenario = self._take("catalog", request)
        if scenario is None or scenario.name == "no_etag":
            return cat.DEFAULT, scenario is None
        return (cat.SHAPES if scenario.name == "catalog_variants" else cat.EXTRA_TYPE), True

    # -- endpoints ------------------------------------------------------------------------------------------

    def _health(self, request: Request) -> Reply:
        return Reply(200, {"status": "ok", "version": "sim-1"})

    def _me(self, request: Request) -> Reply:
        return Reply(200, self._account(request).me())

    def _catalog(self, request: Request) -> Reply:
        self._account(request)
        variant, tagged = self._catalog_scenario(request)
        return cacheable(request, cat.render_catalog(cat.build_catalog(variant), variant), tagged)

    def _create(self, request: Request) -> Reply:
        account = self._account(request, create=True)
        body = self._json_body(request)
        try:
            params = validate_create(body, cat.build_catalog(self._variant(request)))
        except ValidationFailed as exc:
            raise Abort(validation_error(exc.errors)) from None
        if account.balance <= 0 or self._take("credits", request):
            raise Abort(error(402, "insufficient_credits", "Not enough credits for this creation; top up on the "
                                                           "KPainter website. Nothing was created."))
        return Reply(202, self.store.create(account.key, params, self._fate(request)))

    def _list(self, request: Request) -> Reply:
        account = self._account(request)
        try:
            numbers = self._page_params(request)
        except ValidationFailed as exc:
            raise Abort(validation_error(exc.errors)) from None
        query = parse_qs(request.query, keep_blank_values=True)

        def text(name: str) -> str | None:
            return (query.get(name) or [""])[0].strip() or None

        return Reply(200, self.store.list(account.key, page=numbers["page"], page_size=numbers["page_size"],
                                          type_name=text("type"), status=text("status"), query=text("query")))

    def _detail(self, request: Request) -> Reply:
        return self._lookup(request, "creation_id", "creation", self.store.creation)

    def _job(self, request: Request) -> Reply:
        return self._lookup(request, "job_id", "job", self.store.job)

    def _lookup(self, request: Request, name: str, what: str, read: Callable[[str, int], dict]) -> Reply:
        account = self._account(request)
        item_id = self._id(request, name, what)
        try:
            return Reply(200, read(account.key, item_id))
        except NotFound:
            raise Abort(not_found(what, item_id)) from None

    def _edit(self, request: Request) -> Reply:
        account = self._account(request, create=True)
        creation_id = self._id(request, "creation_id", "creation")
        body = self._json_body(request)
        try:
            return Reply(202, self.store.start_edit(account.key, creation_id, body, lambda: self._fate(request)))
        except NotFound:
            raise Abort(not_found("creation", creation_id)) from None
        except NotReady as exc:
            raise Abort(error(409, "creation_not_ready", f"Creation {creation_id} is {exc.status}; it can be "
                                                         "edited once it is ready.")) from None
        except ValidationFailed as exc:
            raise Abort(validation_error(exc.errors)) from None

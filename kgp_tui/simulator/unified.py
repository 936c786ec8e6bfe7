"""The unified KPainter surface (/work/shared/kgp-api-unified.md): `Simulator(surface="unified")` serves it.

Written from the contract alone, like the v1 side. Every scenario and fault of v1 works here too; the unified-only
ones are the pauses (`credits_run_out`, `over_budget`, `transient_failure`) and `unified_variants`.

Choices made where the contract is silent:
- Surfaces: one server speaks one. The v1 paths (/me, /catalog, /creations/jobs/{id}, /creations/{id}/edit) are
  404 here and the unified ones are 404 on v1; `GET /health` (no key) answers on both. Either key header works.
- Errors: `{"detail": "<string>", "code": "<code>"}`; a 422 adds `errors: [{field, message}]`, fields of the product
  object named `video.duration_seconds`. Codes: 401 missing_api_key/invalid_api_key, 403 insufficient_permission
  (a read-only key may read but not upload, create, message or act), 402 insufficient_credits, 404 not_found,
  409 creation_not_ready / not_a_video / action_not_available / idempotency_key_reused / no_usable_delivery,
  413 payload_too_large / file_too_large, 415 unsupported_media_type, 422 validation_error, 429, 5xx as v1.
- Ids: strings, `cr_…`, `file_…` (base 36 of a counter), `msg_N` per creation, `out_v<version>_<N>`; an id in a
  path is URL-decoded. Another key's creation or file is 404 / unknown.
- Create: 201 with the whole creation (the detail shape). Exactly one product object, the one named by `type`, is
  required (`{"app": {}}` for defaults); its fields follow from the product's settings; null = not sent; unknown
  fields 422. A provider needs its model and the reverse; no provider+model takes the first bundle. `quality`
  only for a bundle that lists qualities. `max_credits` under the estimate pauses the creation after planning
  (`over_budget`). Estimates: a video 1 credit per 10 s, an image 2/4/8 by output quality (×2 for `high`), an app
  15; an accepted message adds a quarter of the first estimate. `actual_credits` = the estimate, set on ready.
  Credits are never taken from the balance; a key with 0 credits gets 402 on create.
- Runs: planning (1 step) → generating (named steps) → reviewing (1 step) → ready; `estimated_remaining_seconds`
  counts the whole plan (0 once ready, null when failed or paused); `review` is pending while reviewing, passed
  when ready, flagged for a content_policy failure; `result_code` ok / the failure code / null while running or
  paused; `current_step` "Delivered" once ready. `delivery_version` counts deliveries.
- Pauses: `pause = {reason, message, paused_at}`; one action recovers each reason. A recovery run starts at the
  step the creation stopped in (after it, for over_budget); progress never goes back. `approve_overage` raises
  `max_credits` to the estimate. Scenario fates apply to creates and accepted messages, never to recovery runs.
- Actions and messages: a key is scoped to the key owner; the same key for the same creation and intent replays
  the first 202 reply (deep copy) and acts once; the same key for another creation or intent: 409. Only replies
  that acted (202) are remembered, not a 409 or 422. Actions need `idempotency_key` (8–200 characters); messages
  may send one.
- Messages: a video that is ready, else 409. Content ending in "?" is answered (no change); content containing
  "reject" is rejected; anything else is accepted and re-runs the video (4 steps, progress from 0); version N ≥ 2
  shows in every output URL (`/vN/`) and label ("(vN)"). While a change runs, the previous delivery stays usable
  (`has_usable_delivery` true, outputs list it). A failed change run leaves the creation failed.
- Outputs: `{"creation_id", "version", "outputs": [...]}`; 409 before the first delivery.
- Files: multipart `file` with a filename; over `files.max_bytes` (Simulator(max_file_bytes=…), default 50 MiB)
  413; a MIME type (from the part's Content-Type) outside `files.mime_types` 415; empty file, no `file` field or not
  multipart 422. At most 5 file ids per create or message. Only metadata is kept.
- Lists: `type` filters (unknown type: no rows); `status` and `query` are ignored; the envelope as v1.
- Capabilities: as the contract's example (more voices, templates, styles); `max_concurrent_creations` is not
  enforced. `extra_type` adds a `podcast` product; `catalog_variants` serves products_map + settings_shapes.
- `unified_variants` reshapes routed replies only (unknown-path 404s and transport faults keep the string detail).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import parse_qs, unquote

from . import unified_catalog as ucat
from .routes import MAX_BODY_BYTES, Abort, BaseApi, Reply, Request, cacheable
from .scenarios import Scenario
from .state import NotFound, NotReady
from .unified_state import Conflict, UnifiedStore
from .unified_validation import (
    parse_upload,
    validate_action,
    validate_create,
    validate_message,
)
from .validation import ValidationFailed

_CAMEL = re.compile(r"_([a-z0-9])")


def camel(value: object) -> object:
    """A copy of a JSON value with every object key in camelCase."""
    if isinstance(value, list):
        return [camel(item) for item in value]
    if isinstance(value, dict):
        return {_CAMEL.sub(lambda m: m.group(1).upper(), key): camel(item) for key, item in value.items()}
    return value


def id_for_creation_id(value: object) -> object:
    """A copy of a JSON value where `creation_id` is called `id`."""
    if isinstance(value, list):
        return [id_for_creation_id(item) for item in value]
    if isinstance(value, dict):
        return {("id" if key == "creation_id" else key): id_for_creation_id(item) for key, item in value.items()}
    return value


def reshape_error(body: dict, status: int, shapes: set[str]) -> object:
    """A string-detail error body as v1 writes it (object detail) or as FastAPI does (a 422 list)."""
    errors = body.get("errors") or []
    if "fastapi_detail" in shapes and status == 422 and errors:
        return {"detail": [{"loc": ["body", *item["field"].split(".")], "msg": item["message"], "type": "value_error"}
                           for item in errors]}
    if "object_detail" in shapes:
        extra = {"errors": errors} if errors else {}
        return {"detail": {"code": body.get("code"), "message": body["detail"], **extra}}
    return body


class UnifiedApi(BaseApi):
    """The unified endpoints: one request below /openapi/v1 in, one Reply out."""

    missing_key_message = "No API key: send it as Authorization: Bearer <key> (or in the X-KGP-Api-Key header)."
    store: UnifiedStore

    def __init__(self, store: UnifiedStore, scenario: Callable[[], Scenario]):
        super().__init__(store, scenario)
        creation = r"/creations/(?P<creation_id>[^/]+)"
        self.routes = [
            (re.compile(r"/health"), {"GET": self._health}),
            (re.compile(r"/capabilities"), {"GET": self._capabilities}),
            (re.compile(r"/files"), {"POST": self._upload}),
            (re.compile(r"/creations"), {"GET": self._list, "POST": self._create}),
            (re.compile(creation), {"GET": self._detail}),
            (re.compile(creation + "/messages"), {"POST": self._message}),
            (re.compile(creation + "/actions"), {"POST": self._action}),
            (re.compile(creation + "/outputs"), {"GET": self._outputs}),
        ]

    # -- the error shape and reshaping ---------------------------------------------------------------------

    def error(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Reply:
        return Reply(status, {"detail": message, "code": code}, headers or {})

    def validation_error(self, errors: list[tuple[str, str]]) -> Reply:
        summary = "; ".join(f"{name}: {message}" for name, message in errors)
        return Reply(422, {"detail": f"Invalid request. {summary}", "code": "validation_error",
                           "errors": [{"field": name, "message": message} for name, message in errors]})

    def not_found(self, what: str, value: object) -> Reply:
        return self.error(404, "not_found", f"No {what} {value}." if what else f"No such endpoint: {value}")

    def body_limit(self, method: str, path: str) -> tuple[int, str]:
        if method == "POST" and path.rstrip("/") == "/files":
            limit = self.store.max_file_bytes
            return limit + MAX_BODY_BYTES, f"The upload is larger than the {limit:,}-byte file limit."
        return super().body_limit(method, path)

    def is_create(self, method: str, path: str, reply: Reply) -> bool:
        return reply.status == 201 and method == "POST" and path.rstrip("/") == "/creations"

    def _begin(self, request: Request) -> None:
        request.shape = self._take("shape", request)

    def _shapes(self, request: Request) -> set[str]:
        return set(request.shape.params["shapes"]) if request.shape is not None else set()

    def _finish(self, request: Request, reply: Reply) -> Reply:
        reply = super()._finish(request, reply)
        shapes = self._shapes(request)
        if not shapes or isinstance(reply.body, bytes):
            return reply
        body = reply.body
        if "bare_outputs" in shapes and isinstance(body, dict) and "outputs" in body and reply.status == 200:
            body = body["outputs"]
        if "id" in shapes:
            body = id_for_creation_id(body)
        if reply.status >= 400 and isinstance(body, dict) and isinstance(body.get("detail"), str):
            body = reshape_error(body, reply.status, shapes)
        if "camel_case" in shapes:
            body = camel(body)
        return Reply(reply.status, body, reply.headers, reply.content_type)

    # -- shared pieces --------------------------------------------------------------------------------------

    def _products(self, request: Request) -> tuple[list[dict], set[str]]:
        """The products this request sees and validates against, and the capability shapes to send."""
        scenario = self._take("catalog", request)
        shapes = self._shapes(request)
        if scenario is not None and scenario.name == "catalog_variants":
            shapes |= {"products_map", "settings_shapes"}
        if scenario is not None and scenario.name == "no_etag":
            shapes |= {"no_etag"}  # read by _capabilities: no ETag on the reply
        items = ucat.products(extra=scenario is not None and scenario.name == "extra_type")
        return (ucat.with_duration_range(items) if "settings_shapes" in shapes else items), shapes

    def _run(self, request: Request, operation: Callable[[], dict], status: int = 200) -> Reply:
        """Map the store's refusals of an operation on one creation to their replies."""
        creation_id = unquote(request.ids["creation_id"])
        try:
            return Reply(status, operation())
        except NotFound:
            raise Abort(self.not_found("creation", repr(creation_id))) from None
        except NotReady as exc:
            raise Abort(self.error(409, "creation_not_ready", f"Creation {creation_id} is {exc.status}; messages "
                                                              "are taken once it is ready.")) from None
        except Conflict as exc:
            raise Abort(self.error(409, exc.code, str(exc))) from None
        except ValidationFailed as exc:
            raise Abort(self.validation_error(exc.errors)) from None

    # -- endpoints ------------------------------------------------------------------------------------------

    def _health(self, request: Request) -> Reply:
        return Reply(200, {"status": "ok", "version": "sim-unified-1"})

    def _capabilities(self, request: Request) -> Reply:
        account = self._account(request)
        items, shapes = self._products(request)
        return cacheable(request, ucat.render_capabilities(items, self.store.account_view(account.key),
                                                           self.store.max_file_bytes, shapes),
                         tagged="no_etag" not in shapes)

    def _upload(self, request: Request) -> Reply:
        account = self._account(request, create=True)
        try:
            name, mime, data = parse_upload(request.headers.get("Content-Type"), request.body)
        except ValidationFailed as exc:
            raise Abort(self.validation_error(exc.errors)) from None
        limit = self.store.max_file_bytes
        if len(data) > limit:
            raise Abort(self.error(413, "file_too_large", f"{name} is {len(data):,} bytes; the limit is "
                                                          f"{limit:,} bytes."))
        if mime not in ucat.MIME_TYPES:
            raise Abort(self.error(415, "unsupported_media_type", f"{name} is {mime}; allowed: "
                                                                  f"{', '.join(ucat.MIME_TYPES)}."))
        if not data:
            raise Abort(self.validation_error([("file", f"{name} is empty")]))
        return Reply(201, self.store.add_file(account.key, name, mime, len(data)))

    def _create(self, request: Request) -> Reply:
        account = self._account(request, create=True)
        body = self._json_body(request)
        items, _ = self._products(request)
        try:
            params = validate_create(body, items, lambda file_id: self.store.has_file(account.key, file_id))
        except ValidationFailed as exc:
            raise Abort(self.validation_error(exc.errors)) from None
        if account.balance <= 0 or self._take("credits", request):
            raise Abort(self.error(402, "insufficient_credits", "Not enough credits for this creation; top up on "
                                                                "the KPainter website. Nothing was created."))
        return Reply(201, self.store.create(account.key, params, self._fate(request)))

    def _list(self, request: Request) -> Reply:
        account = self._account(request)
        try:
            numbers = self._page_params(request)
        except ValidationFailed as exc:
            raise Abort(self.validation_error(exc.errors)) from None
        type_name = (parse_qs(request.query).get("type") or [""])[0].strip() or None
        return Reply(200, self.store.list(account.key, page=numbers["page"], page_size=numbers["page_size"],
                                          type_name=type_name))

    def _detail(self, request: Request) -> Reply:
        account = self._account(request)
        return self._run(request, lambda: self.store.creation(account.key, unquote(request.ids["creation_id"])))

    def _outputs(self, request: Request) -> Reply:
        account = self._account(request)
        return self._run(request, lambda: self.store.outputs(account.key, unquote(request.ids["creation_id"])))

    def _message(self, request: Request) -> Reply:
        account = self._account(request, create=True)
        creation_id = unquote(request.ids["creation_id"])
        body = self._json_body(request)

        def send() -> dict:
            message = validate_message(body, lambda file_id: self.store.has_file(account.key, file_id))
            return self.store.send_message(account.key, creation_id, message, lambda: self._fate(request))

        return self._run(request, send, 202)

    def _action(self, request: Request) -> Reply:
        account = self._account(request, create=True)
        creation_id = unquote(request.ids["creation_id"])
        body = self._json_body(request)

        def act() -> dict:
            action, key = validate_action(body)
            return self.store.act(account.key, creation_id, action, key)

        return self._run(request, act, 202)

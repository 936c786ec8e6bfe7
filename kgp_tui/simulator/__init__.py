"""A KGP simulator: a real HTTP server on loopback, with fault injection, that speaks one surface per server:
v1 (/work/shared/kgp-api.md, the default) or the unified one (/work/shared/kgp-api-unified.md; its choices are
listed in unified.py).

    from kgp_tui.simulator import Simulator, SCENARIOS, DEFAULT_API_KEY
    with Simulator(step_seconds=0.05) as sim:      # serves on a daemon thread; base_url ends in /openapi/v1
        ...
    with Simulator(surface="unified", max_file_bytes=1 << 20) as sim:   # capabilities, files, creations, …
        ...

The choices below are v1's; where they concern the transport, keys, scenarios and admin, they hold on both.

It is written from the contract alone (stdlib, plus the loopback rule from kgp_tui.config; nothing from
kgp_tui.api), so a client that reads a shape wrongly fails against it. Importing this package starts nothing.

Choices made where the contract is silent:
- Keys: the primary key (scope "user", can create, 1200 credits "pro"); `<key>_ro` is valid but cannot create or
  edit (403 insufficient_permission); `<key>_nocredit` can create but has 0 credits (402 insufficient_credits).
  Credits are never consumed. `key_prefix` is up to the second underscore plus 4 characters (else the first 8);
  error messages show only that prefix.
- Errors: `{"detail": {"code", "message"}}`; a 422 adds `detail.errors = [{"field", "message"}]` (inside `detail`
  only). Nested fields are named `image_generation.model`. Other statuses used: 400 `bad_request` (unreadable
  request framing), 405 `method_not_allowed` (with `Allow`), 409 `creation_not_ready` (edit of a creation that is
  not ready), 413 `payload_too_large` (body over 1 MiB).
- An unknown path, and an id that is not a positive integer (`/creations/abc`, `/creations/jobs`), give 404
  `not_found`, as does another key's creation or job. One trailing slash is ignored.
- Bodies: JSON with Content-Type application/json (or `application/*+json`) or no Content-Type at all; any other
  Content-Type, an empty body, a body that is not JSON or not an object → 422 on the field `body`.
  A field sent as null counts as not sent; a field the type does not have, or an unknown one, is a 422.
- Edits: an action outside the creation's `editable_actions` → 422 on `action`; an unknown `scene_id` → 422 on
  `scene_id`; a creation that is queued, processing or failed → 409. During an edit the creation is
  `processing` (and the scene being changed is `processing`); after the job it is `ready` again.
- Jobs: steps are named per type; "Queued" is step 1 (status `queued`, 0 %), later steps are `running`; the
  success step reads "Done" at 100 %. A failed or cancelled job keeps the step it stopped at and carries
  `error: {code, message}` (cancelled: code `cancelled`). A failed or cancelled create leaves the creation
  `failed`; a failed edit leaves it `ready` and unchanged. Timestamps are ISO-8601 UTC with a "Z", in seconds.
- Lists: newest first; `type` accepts aliases; empty `type=`/`status=`/`query=` mean no filter; `status` filters on
  creation status; `query` is a case-insensitive substring of title or prompt; page past the end → empty items.
- Ids: creations from 101, jobs from 5001, each +1, shared by seeded data. Scene ids are `sc_<creation>_<index>`.
- Stats: `request_count`/`request_log` count every request except the `/_sim` admin endpoints; a dropped
  connection is logged with status None; the path is logged as sent, query included.
- Scenarios (SCENARIOS lists them, with their parameters): the brief's fifteen, plus `unknown_status` and
  `sparse_fields` for the contract's other tolerance rules. `times` counts the requests a scenario acted on.
- Admin (loopback clients only, no key): GET /_sim/stats, POST /_sim/scenario {"name", "params"},
  POST /_sim/seed {"creations": N, "jobs": M, "key": optional}, POST /_sim/reset_stats. On the unified surface
  `jobs` seeds creations in progress and `job_ids` lists their (string) creation ids. Stats name the `surface`.
- Media: every URL a reply hands out is served by a media host on a loopback port of its own (media.py: real
  bytes of `size_bytes`, PNGs for images, Range/206, ETag, the `media_*` scenarios); `media_log` records its
  requests with their headers.
- Scenarios marked "(unified)" in SCENARIOS are refused (ValueError, or 422 from /_sim/scenario) on a v1 server.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .scenarios import SCENARIOS

if TYPE_CHECKING:
    from .server import Simulator, is_loopback
    from .state import DEFAULT_API_KEY

__all__ = ["DEFAULT_API_KEY", "SCENARIOS", "Simulator", "is_loopback"]


def __getattr__(name: str) -> object:
    # The HTTP machinery (http.server pulls in http.client, email, ssl) loads only when a simulator is wanted.
    if name in ("Simulator", "is_loopback"):
        from . import server
        return getattr(server, name)
    if name == "DEFAULT_API_KEY":
        from .state import DEFAULT_API_KEY
        return DEFAULT_API_KEY
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

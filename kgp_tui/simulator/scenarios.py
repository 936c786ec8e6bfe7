"""Named scenarios: what the simulator does differently, where, and how many times.

A scenario acts at one point of request handling (its `point`): before the request is handled (`pre`), at the key
check (`auth`), at the credit check of POST /creations (`credits`), when a job is created (`job`), when the catalog
is served or used to validate a create (`catalog`), on the reply the API built, errors included (`reply`), after
the request is handled (`post`), after a create that succeeded (`after_create`), once per request on the
unified surface to reshape its replies (`shape`), or on a request to the media host (`media`, see media.py).
Common parameters: `times=N` acts on the next N matching requests only, then the simulator behaves normally
(the scenario keeps its name); `path="/creations/jobs"` (a prefix, with or without `/openapi/v1`) and
`method="GET"` narrow which requests match. Faults never touch the `/_sim` admin endpoints.
A job (v1) or a run (unified) is what the `job` point decides the fate of.
"""

from __future__ import annotations

import threading

PREFIX = "/openapi/v1"

SCENARIOS: dict[str, str] = {
    "default": "Normal behaviour: jobs succeed and every reply follows the contract.",
    "slow": "Every response waits `delay` seconds (default 2.0) before it is sent.",
    "job_failure": "Jobs (unified: creation runs) fail at step `fail_at_step` (default 3) with error code `error_code` "
                   "(default render_failed).",
    "cancel": "Jobs (unified: creation runs) are cancelled at step `cancel_at_step` (default 2).",
    "reject_key": "Every API key gets 401 invalid_api_key.",
    "no_credits": "POST /creations answers 402 insufficient_credits for every key; nothing is created.",
    "rate_limit": "429 rate_limited with the header Retry-After: `retry_after` (default 1); nothing is changed.",
    "server_error": "500 with a JSON internal_error body; nothing is changed.",
    "bad_gateway": "502 with an HTML body (not JSON), as a proxy in front of the API sends; nothing is changed.",
    "drop_connection": "The connection is closed without any response; nothing is changed.",
    "malformed_json": "The request is handled as usual, then the JSON reply is cut in half (invalid JSON).",
    "extra_fields": "Every JSON object in every reply, nested ones too, gains unknown fields (x_sim_extra, "
                    "x_sim_flag).",
    "drop_after_create": "POST /creations stores the creation and its job, then drops the connection with no reply.",
    "catalog_variants": "The catalog uses the tolerated shapes: content_types keyed by type, some limits as lists of "
                        "values or missing, no voices, empty styles; unified: products keyed by type, settings "
                        "as ranges and plain lists, voices and styles at the top level.",
    "no_etag": "GET /catalog and GET /capabilities carry no ETag and answer If-None-Match with the whole 200, as a "
               "server that does not revalidate.",
    "extra_type": "The catalog gains a content type the client has never heard of (storyboard; unified: a podcast "
                  "product); create accepts it.",
    "unknown_status": "Jobs (unified: creations) report the undocumented status waiting_for_gpu during their first "
                      "running (generating) step.",
    "sparse_fields": "Jobs (unified: creations) lack progress_pct and have current_step null; lists come as "
                     "{\"data\": [...]} (list_shape=\"data\", default) or as a bare list (list_shape=\"bare\").",
    "hostile_text": "Every human-readable string in every reply (titles, names, labels, descriptions, steps, "
                    "narration, messages) gains Rich markup, terminal escape sequences (CSI, OSC 52), control "
                    "characters, emoji and right-to-left text; titles also grow past 5,000 characters.",
    "credits_run_out": "(unified) Creations pause at step `at_step` (default 3): pause.reason insufficient_credits, "
                       "action resume_after_recharge.",
    "over_budget": "(unified) Mid-way, at step `at_step` (default 2), a creation's estimate rises by half and it "
                   "pauses: pause.reason over_budget, action approve_overage.",
    "transient_failure": "(unified) Creations pause at step `at_step` (default 3) after a lost worker: pause.reason "
                         "transient_failure, action retry.",
    "unified_variants": "(unified) Replies in the tolerated shapes, `shapes` a comma list or \"all\" (default): "
                        "products_map, settings_shapes, no_account, id, camel_case, bare_outputs, object_detail; "
                        "fastapi_detail (422 detail as a FastAPI list) only when named.",
    "media_drop": "A media download's connection is closed after `after_bytes` bytes of its body (default 0: half "
                  "of what the reply would send); the API is untouched.",
    "media_slow": "Media bodies are sent at `rate` bytes per second (default 200000).",
    "media_expired": "Media URLs answer `status` (403, the default, or 404) as an expired signed URL does.",
    "media_wrong_length": "Media replies are `delta` bytes (default -1000) off the file's size_bytes, with a "
                          "Content-Length that matches what is sent.",
    "media_ignore_range": "The media host ignores Range and If-Range: every reply is 200 with the whole file.",
}
# Scenarios that mean something on the unified surface only; a v1 server refuses them.
UNIFIED_ONLY = frozenset({"credits_run_out", "over_budget", "transient_failure", "unified_variants"})
UNIFIED_SHAPES = ("products_map", "settings_shapes", "no_account", "id", "camel_case", "bare_outputs",
                  "object_detail", "fastapi_detail")

_POINTS = {
    "slow": "pre", "rate_limit": "pre", "server_error": "pre", "bad_gateway": "pre", "drop_connection": "pre",
    "reject_key": "auth", "no_credits": "credits",
    "job_failure": "job", "cancel": "job", "unknown_status": "job",
    "catalog_variants": "catalog", "extra_type": "catalog", "no_etag": "catalog",
    "malformed_json": "post", "extra_fields": "post", "sparse_fields": "post",
    "drop_after_create": "after_create",
    "hostile_text": "reply",
    "credits_run_out": "job", "over_budget": "job", "transient_failure": "job",
    "unified_variants": "shape",
    "media_drop": "media", "media_slow": "media", "media_expired": "media", "media_wrong_length": "media",
    "media_ignore_range": "media",
}

# Each scenario's own parameters and their defaults.
_PARAMS: dict[str, dict[str, object]] = {
    "slow": {"delay": 2.0},
    "job_failure": {"fail_at_step": 3, "error_code": "render_failed"},
    "cancel": {"cancel_at_step": 2},
    "rate_limit": {"retry_after": 1},
    "sparse_fields": {"list_shape": "data"},
    "credits_run_out": {"at_step": 3},
    "over_budget": {"at_step": 2},
    "transient_failure": {"at_step": 3},
    "unified_variants": {"shapes": "all"},
    "media_drop": {"after_bytes": 0},
    "media_slow": {"rate": 200_000},
    "media_expired": {"status": 403},
    "media_wrong_length": {"delta": -1000},
}
COMMON_PARAMS = ("times", "path", "method")


def _check(name: str, key: str, value: object) -> object:
    """A parameter value of the right type, or ValueError."""
    if key == "shapes":
        names = [part.strip() for part in value.split(",")] if isinstance(value, str) else value
        if names == ["all"]:
            return tuple(shape for shape in UNIFIED_SHAPES if shape != "fastapi_detail")
        if not isinstance(names, (list, tuple)) or not names or not set(names) <= set(UNIFIED_SHAPES):
            raise ValueError(f"{name}: shapes must be 'all' or a comma list of: {', '.join(UNIFIED_SHAPES)}")
        return tuple(names)
    if key in ("fail_at_step", "cancel_at_step", "retry_after", "at_step"):
        if isinstance(value, bool) or not isinstance(value, int) or value < (0 if key == "retry_after" else 1):
            raise ValueError(f"{name}: {key} must be an integer ≥ {0 if key == 'retry_after' else 1}")
    elif key == "delay":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise ValueError(f"{name}: delay must be a number of seconds ≥ 0")
        value = float(value)
    elif key in ("after_bytes", "rate", "delta"):
        low = {"after_bytes": 0, "rate": 1}.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or (low is not None and value < low):
            raise ValueError(f"{name}: {key} must be an integer" + (f" ≥ {low}" if low is not None else ""))
    elif key == "status" and value not in (403, 404):
        raise ValueError(f"{name}: status must be 403 or 404")
    elif key == "list_shape" and value not in ("data", "bare"):
        raise ValueError(f"{name}: list_shape must be 'data' or 'bare'")
    elif key == "error_code" and not (isinstance(value, str) and value):
        raise ValueError(f"{name}: error_code must be a non-empty string")
    return value


def _normal_path(path: str) -> str:
    if path.startswith(PREFIX):
        path = path[len(PREFIX):]
    return "/" + path.strip("/")


class Scenario:
    """The active scenario with its parameters and how many more requests it may act on."""

    def __init__(self, name: str = "default", **params: object):
        if name not in SCENARIOS:
            raise ValueError(f"unknown scenario {name!r}; known: {', '.join(SCENARIOS)}")
        defaults = _PARAMS.get(name, {})
        unknown = sorted(set(params) - set(defaults) - set(COMMON_PARAMS))
        if unknown:
            allowed = ", ".join([*defaults, *COMMON_PARAMS])
            raise ValueError(f"{name}: unknown parameter(s) {', '.join(unknown)} (allowed: {allowed})")
        self.name = name
        self.point = _POINTS.get(name)
        self.params = {key: _check(name, key, params.get(key, default)) for key, default in defaults.items()}
        times = params.get("times")
        if times is not None and (isinstance(times, bool) or not isinstance(times, int) or times < 0):
            raise ValueError(f"{name}: times must be an integer ≥ 0")
        self.remaining: int | None = times
        path = params.get("path")
        if path is not None and not isinstance(path, str):
            raise ValueError(f"{name}: path must be a string such as '/creations/jobs'")
        self.path = _normal_path(path) if path else None
        method = params.get("method")
        if method is not None and not isinstance(method, str):
            raise ValueError(f"{name}: method must be a string such as 'GET'")
        self.method = method.upper() if method else None
        self._lock = threading.Lock()

    def matches(self, method: str, path: str) -> bool:
        if self.method and method != self.method:
            return False
        if self.path and self.path != "/" and not (path == self.path or path.startswith(self.path + "/")):
            return False
        return True

    def take(self, point: str, method: str, path: str) -> Scenario | None:
        """This scenario if it acts at `point` on this request (using up one of its `times`), else None."""
        if point != self.point or not self.matches(method, path):
            return None
        with self._lock:
            if self.remaining is not None:
                if self.remaining <= 0:
                    return None
                self.remaining -= 1
        return self

    def describe(self) -> dict:
        return {"name": self.name, "params": dict(self.params), "remaining": self.remaining,
                "path": self.path, "method": self.method}


BAD_GATEWAY_HTML = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n"
    "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)


def with_extra_fields(value: object, depth: int = 0) -> object:
    """A copy of a JSON value in which every object has gained two fields no client knows."""
    if isinstance(value, list):
        return [with_extra_fields(item, depth + 1) for item in value]
    if not isinstance(value, dict):
        return value
    changed = {key: with_extra_fields(item, depth + 1) for key, item in value.items()}
    changed["x_sim_extra"] = {"note": "a field this client does not know", "depth": depth}
    changed["x_sim_flag"] = True
    return changed


def sparse(value: object, list_shape: str) -> object:
    """A copy of a JSON reply with the optional job fields gone and list envelopes reshaped."""
    if isinstance(value, list):
        return [sparse(item, list_shape) for item in value]
    if not isinstance(value, dict):
        return value
    if {"items", "total"} <= value.keys():
        items = sparse(value["items"], list_shape)
        if list_shape == "bare":
            return items
        return {"data": items, **{key: item for key, item in value.items() if key != "items"}}
    changed = {key: sparse(item, list_shape) for key, item in value.items()}
    if ("job_id" in changed or "creation_id" in changed) and "progress_pct" in changed:  # a job, a unified run
        del changed["progress_pct"]
        changed.pop("estimated_remaining_seconds", None)
        changed["current_step"] = None
    return changed


# What hostile_text adds: markup that must show literally, a screen clear, an OSC 52 clipboard write, control
# characters, a bidi override, right-to-left script and emoji (a ZWJ family among them).
HOSTILE = ("[bold]B[/bold] [@click=app.quit]Q[/] \x1b[2J\x1b]52;c;aGk=\x07\x00\x08\x7f "
           "\u202eevil\u202c \u05e9\u05dc\u05d5\u05dd \U0001f600\U0001f469\u200d\U0001f467")
HOSTILE_KEYS = frozenset({"title", "display_name", "description", "name", "label", "narration_text",
                          "current_step", "message", "plan", "detail", "reply", "notes", "content"})
LONG_TAIL = " " + "long" * 1250  # 5,000 more characters


def with_hostile_text(value: object) -> object:
    """A copy of a JSON value whose human-readable strings carry HOSTILE (and titles LONG_TAIL); ids stay."""
    if isinstance(value, list):
        return [with_hostile_text(item) for item in value]
    if not isinstance(value, dict):
        return value
    changed = {}
    for key, item in value.items():
        if key in HOSTILE_KEYS and isinstance(item, str):
            item = f"{item} {HOSTILE}" + (LONG_TAIL if key == "title" else "")
        changed[key] = with_hostile_text(item)
    return changed

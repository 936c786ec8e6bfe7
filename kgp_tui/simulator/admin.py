"""The `/_sim` admin endpoints (loopback clients only, no key) and the replies of the transport faults."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from .routes import BaseApi, Reply, error, not_found
from .scenarios import BAD_GATEWAY_HTML, Scenario

if TYPE_CHECKING:
    from .server import Simulator


def fault_reply(api: BaseApi, fault: Scenario) -> Reply | None:
    """What a `pre` fault sends instead of handling the request, in the surface's error shape; None: drop it."""
    if fault.name == "rate_limit":
        seconds = int(fault.params["retry_after"])
        return api.error(429, "rate_limited", f"Too many requests; retry after {seconds} s.",
                         {"Retry-After": str(seconds)})
    if fault.name == "server_error":
        return api.error(500, "internal_error", "The server hit an internal error (simulated). Try again later.")
    if fault.name == "bad_gateway":
        return Reply(502, BAD_GATEWAY_HTML.encode(), content_type="text/html; charset=utf-8")
    return None  # drop_connection


def reply(sim: Simulator, method: str, path: str, body: bytes) -> Reply:
    """GET /_sim/stats, POST /_sim/scenario {"name", "params"}, POST /_sim/seed, POST /_sim/reset_stats."""
    try:
        data = json.loads(body or b"{}")
        if not isinstance(data, dict):
            raise TypeError("the body must be a JSON object")
        if (method, path) == ("GET", "/_sim/stats"):
            return Reply(200, sim.stats())
        if (method, path) == ("POST", "/_sim/scenario"):
            sim.set_scenario(str(data.get("name", "default")), **(data.get("params") or {}))
            return Reply(200, {"scenario": sim._scenario.describe()})
        if (method, path) == ("POST", "/_sim/seed"):
            key = data.get("key")
            creations = sim.seed_creations(int(data.get("creations", 0)), key=key)
            jobs = sim.seed_jobs(int(data.get("jobs", 0)), key=key)
            return Reply(200, {"creation_ids": creations, "job_ids": jobs})
        if (method, path) == ("POST", "/_sim/reset_stats"):
            sim.reset_stats()
            return Reply(200, {"request_count": 0})
    except (ValueError, TypeError) as exc:
        return error(422, "validation_error", str(exc))
    return not_found("", path)

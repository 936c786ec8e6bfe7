"""Raw HTTP to the simulator with http.client: what a curl user sends, no client code involved."""

from __future__ import annotations

import http.client
import json
import re
import time

from kgp_tui.simulator import Simulator
from support import patience

QUICKSTART_BODY = {"type": "slides_video", "prompt": "Explain how transformer attention works in 6 pages",
                   "language": "en", "aspect_ratio": "16:9", "scene_count": 6}
ISO_Z = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
TERMINAL = {"succeeded", "failed", "cancelled"}
_OWN_KEY = object()


class Response:
    def __init__(self, status: int, headers: http.client.HTTPMessage, raw: bytes):
        self.status, self.headers, self.raw = status, headers, raw

    def json(self):
        return json.loads(self.raw)

    @property
    def detail(self) -> dict:
        return self.json()["detail"]


def call(sim: Simulator, method: str, path: str, body: object = None, *, key: object = _OWN_KEY,
         headers: dict | None = None, data: bytes | None = None, timeout: float = 5) -> Response:
    """One request on a fresh connection; `path` is below /openapi/v1 unless it starts with /_sim."""
    sent = {} if key is None else {"X-KGP-Api-Key": sim.api_key if key is _OWN_KEY else key}
    if body is not None:
        data = json.dumps(body).encode()
        sent["Content-Type"] = "application/json"
    sent.update(headers or {})
    connection = http.client.HTTPConnection(sim.host, sim.port, timeout=timeout)
    try:
        connection.request(method, path if path.startswith("/_sim") else "/openapi/v1" + path, body=data,
                           headers=sent)
        response = connection.getresponse()
        return Response(response.status, response.headers, response.read())
    finally:
        connection.close()


def wait_job(sim: Simulator, job_id: int, *, key: object = _OWN_KEY, timeout: float = 10) -> list[dict]:
    """Poll a job until it ends; return every view seen."""
    seen = []
    deadline = time.monotonic() + patience(timeout)
    while time.monotonic() < deadline:
        response = call(sim, "GET", f"/creations/jobs/{job_id}", key=key)
        assert response.status == 200, response.raw
        seen.append(response.json())
        if seen[-1]["status"] in TERMINAL:
            return seen
        time.sleep(0.01)
    raise AssertionError(f"job {job_id} did not finish: {seen[-1]}")


def create(sim: Simulator, body: dict, **kwargs) -> dict:
    response = call(sim, "POST", "/creations", body, **kwargs)
    assert response.status == 202, response.raw
    return response.json()


def create_ready(sim: Simulator, body: dict) -> dict:
    reply = create(sim, body)
    assert wait_job(sim, reply["job"]["job_id"])[-1]["status"] == "succeeded"
    return call(sim, "GET", f"/creations/{reply['creation_id']}").json()

"""Raw HTTP to a simulator speaking the unified surface: Bearer auth, multipart uploads, polling a creation."""

from __future__ import annotations

import contextlib
import time
import uuid
from urllib.parse import quote

from kgp_tui.simulator import Simulator
from support import TEST_KEY
from support.clock import FakeClock
from support.http import Response, call

VIDEO_BODY = {"type": "video", "prompt": "Explain attention",
              "video": {"duration_seconds": 120, "aspect_ratio": "16:9"}}
IMAGE_BODY = {"type": "image", "prompt": "A lighthouse at dusk",
              "image": {"provider": "azure_openai", "model": "gpt-image-2", "aspect_ratio": "3:2",
                        "output_quality": "2K", "quality": "high"}}
APP_BODY = {"type": "app", "prompt": "Teach fractions", "app": {"language": "en"}}
PAUSED_ENDS = ("ready", "failed", "paused")
_OWN_KEY = object()


def ucall(sim: Simulator, method: str, path: str, body: object = None, *, key: object = _OWN_KEY,
          headers: dict | None = None, **kwargs) -> Response:
    """One request with `Authorization: Bearer <key>` (no key header at all when key is None)."""
    sent = {} if key is None else {"Authorization": f"Bearer {sim.api_key if key is _OWN_KEY else key}"}
    return call(sim, method, path, body, key=None, headers={**sent, **(headers or {})}, **kwargs)


def ucreate(sim: Simulator, body: dict, **kwargs) -> dict:
    response = ucall(sim, "POST", "/creations", body, **kwargs)
    assert response.status == 201, response.raw
    return response.json()


def creation_path(creation_id: str, tail: str = "") -> str:
    return f"/creations/{quote(creation_id, safe='')}{tail}"


def detail(sim: Simulator, creation_id: str) -> dict:
    response = ucall(sim, "GET", creation_path(creation_id))
    assert response.status == 200, response.raw
    return response.json()


def poll(sim: Simulator, creation_id: str, *, until: tuple[str, ...] = PAUSED_ENDS, timeout: float = 10) -> list[dict]:
    """Poll a creation (on a fast real clock) until its status is one of `until`; every view seen."""
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen.append(detail(sim, creation_id))
        if seen[-1]["status"] in until:
            return seen
        time.sleep(0.01)
    raise AssertionError(f"creation {creation_id} did not reach {until}: {seen[-1]}")


def act(sim: Simulator, creation_id: str, action: str, key: str | None = None) -> Response:
    body = {"action": action, "idempotency_key": key or uuid.uuid4().hex}
    return ucall(sim, "POST", creation_path(creation_id, "/actions"), body)


def multipart(fields: list[tuple[str, str | None, str | None, bytes]],
              boundary: str = "kgpBoundary7") -> tuple[bytes, str]:
    """A multipart/form-data body of (name, filename, content type, data) parts, and its Content-Type."""
    chunks = []
    for name, filename, content_type, data in fields:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename is not None else "")
        head = f"--{boundary}\r\nContent-Disposition: {disposition}\r\n"
        if content_type:
            head += f"Content-Type: {content_type}\r\n"
        chunks.append(head.encode() + b"\r\n" + data + b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"


def upload(sim: Simulator, name: str, content_type: str, data: bytes, **kwargs) -> Response:
    body, header = multipart([("file", name, content_type, data)])
    return ucall(sim, "POST", "/files", data=body, headers={"Content-Type": header}, **kwargs)


@contextlib.contextmanager
def unified(**options):
    """A unified-surface simulator on a free loopback port; `clock=FakeClock()` to move time by hand."""
    options.setdefault("step_seconds", 0.05)
    with Simulator(api_key=TEST_KEY, surface="unified", **options) as server:
        yield server


@contextlib.contextmanager
def unified_clocked(**options):
    """A unified-surface simulator whose time moves only when the test says: 1 s per step."""
    clock = FakeClock()
    with unified(step_seconds=1.0, clock=clock, **options) as server:
        yield server, clock

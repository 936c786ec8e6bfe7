"""The media host's bandwidth (the demo's is a modest connection's, so a download shows its progress)."""

from __future__ import annotations

import time

import httpx
import pytest
from support import TEST_KEY
from support.http import create_ready

from kgp_tui.simulator import Simulator


def test_a_media_rate_paces_every_body_and_a_range_still_answers_206():
    with Simulator(api_key=TEST_KEY, port=0, step_seconds=0.01, media_rate=40_000) as sim:
        made = create_ready(sim, {"type": "slides_video", "prompt": "Paced", "scene_count": 3})
        artifact = min(made["artifacts"], key=lambda a: a["size_bytes"])  # the subtitles: a fraction of a second
        started = time.monotonic()
        body = httpx.get(artifact["url"], timeout=30).content
        took = time.monotonic() - started
        assert len(body) == artifact["size_bytes"]
        assert took >= 0.8 * artifact["size_bytes"] / 40_000  # no faster than the rate (slower is the machine)
        tail = httpx.get(artifact["url"], headers={"Range": "bytes=-1000"}, timeout=30)
        assert tail.status_code == 206 and tail.content == body[-1000:]


def test_a_media_rate_must_be_positive():
    with pytest.raises(ValueError, match="media_rate"):
        Simulator(api_key=TEST_KEY, media_rate=0)

"""A download in progress survives the process: its row in the state file and its .part let the next run resume it
with Range (after a quit, or a kill -9 that left no chance to tidy up)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from support import TEST_KEY, patience
from support.downloads import biggest_under, expected_bytes, results_of

from kgp_tui.downloads import http_client
from kgp_tui.downloads.manager import DownloadManager
from kgp_tui.persist import LocalStore


async def _until(predicate, what: str, timeout: float = 10.0):
    deadline = time.monotonic() + patience(timeout)
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)


async def test_a_quit_mid_download_resumes_in_the_next_run_from_the_state_file(surface_sim, tmp_path):
    _cid, results = await results_of(surface_sim)
    result = biggest_under(results)
    state = tmp_path / "state.sqlite3"
    surface_sim.set_scenario("media_slow", rate=200_000)
    journal = LocalStore.open(state)
    http = http_client(timeout=10.0)
    try:
        first = DownloadManager(http, journal=journal)
        [item] = first.add("c", [result], tmp_path / "out")
        part = tmp_path / "out" / (item.name + ".part")
        await _until(lambda: part.exists() and part.stat().st_size > 0 and journal.downloads(), "bytes on disk")
        await first.aclose()  # the app quits: the .part and the row stay
    finally:
        await http.aclose()
        journal.close()
    kept = part.stat().st_size
    assert kept > 0 and not (tmp_path / "out" / item.name).exists()

    surface_sim.set_scenario("default")
    journal = LocalStore.open(state)
    http = http_client(timeout=10.0)
    try:
        second = DownloadManager(http, journal=journal)
        [again] = second.restore(journal.downloads())
        await second.wait()
        done = second.items[again.id]
        assert done.state == "done", done.message
        assert journal.downloads() == []
    finally:
        await http.aclose()
        journal.close()
    assert done.path.read_bytes() == expected_bytes(surface_sim, result.url) and not part.exists()
    last = surface_sim.media_log[-1]
    assert last.status == 206 and last.range == f"bytes={kept}-"


def test_a_kill_9_mid_download_resumes_with_range(sim, tmp_path):
    """The CLI in a child process, killed with SIGKILL mid-file; the next run continues its .part."""
    _cid, results = asyncio.run(results_of(sim))
    result = biggest_under(results)
    sim.set_scenario("media_slow", rate=300_000)
    env = {**os.environ, "KGP_BASE_URL": sim.base_url, "KGP_API_KEY": TEST_KEY,
           "XDG_DATA_HOME": str(tmp_path / "data"), "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    out = tmp_path / "out"
    command = [sys.executable, "-m", "kgp_tui", "download", "101", "--dir", str(out)]
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        part = out / "Final video.mp4.part"
        deadline = time.monotonic() + patience(20)
        while not (part.exists() and part.stat().st_size > 300_000):
            assert time.monotonic() < deadline and child.poll() is None, "no progress before the kill"
            time.sleep(0.02)
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(timeout=10)
    kept = part.stat().st_size
    sim.set_scenario("default")
    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=patience(30))
    assert again.returncode == 0, again.stderr
    assert (out / "Final video.mp4").read_bytes() == expected_bytes(sim, result.url)
    ranges = [r.range for r in sim.media_log if r.path.endswith("/main.mp4") and r.range]
    assert ranges == [f"bytes={kept}-"]  # the second run asked for the rest, from the byte the kill left
    assert not part.exists()

"""A word when work ends, in the running app against the simulator: one bell per state change across many polls and
only while the terminal is unfocused (AppBlur), and notify_command getting server text as single arguments."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from support import TEST_KEY
from support.app import connected_app_on_catalog, make_config, open_from_history, open_type, submit_prompt, wait_for
from support.unified_http import VIDEO_BODY, ucreate, unified_clocked
from textual import events

from kgp_tui.app import KGPApp
from kgp_tui.config import Connection

SIZE = (120, 40)


def app_for(sim, tmp_path: Path, **settings) -> KGPApp:
    connection = Connection(base_url=sim.base_url, api_key=TEST_KEY, profile="test")
    return KGPApp(config=make_config(tmp_path, **settings), connection=connection)


def record_writes(app: KGPApp) -> list[str]:
    """What the app writes to the terminal through its driver (headless: nothing reaches a real one)."""
    written: list[str] = []
    driver = app._driver
    original = driver.write
    driver.write = lambda data: (written.append(data), original(data))[1]
    return written


def bells(written: list[str]) -> int:
    """Bells rung, not counting the BEL that ends each OSC (Textual's own pointer-shape OSC 22 among them)."""
    return re.sub(r"\x1b\][^\x07]*\x07", "", "".join(written)).count("\x07")


def job_polls(sim) -> int:
    return sum(1 for method, path, _status in sim.request_log if method == "GET" and "/creations/jobs/" in path)


async def run_to_the_end(pilot, sim, prompt: str, blur: bool = False, clock=None) -> str:
    """Submit from the form (then leave the terminal, if `blur`) and wait until the creation is ready and loaded.
    With the simulator's `clock`, the job stands still until it has been polled a few times, then ends."""
    app = pilot.app
    await open_type(pilot, "slides_video")
    await submit_prompt(pilot, prompt)
    if blur:  # after the last key: a key press tells Textual the terminal has focus again
        app.post_message(events.AppBlur())
        await wait_for(pilot, lambda: not app.app_focus, what="the app knows it lost focus")
    tracked = max(app.store.runs.values(), key=lambda t: (len(t.id), t.id))
    if clock is not None:
        polled = job_polls(sim)
        await wait_for(pilot, lambda: job_polls(sim) >= polled + 4, what="a few polls of the running job")
        clock.advance(600)
    await wait_for(pilot, lambda: tracked.run.is_terminal and app.store.runs[tracked.id].run.status == "succeeded"
                   and (c := app.store.creations.get(tracked.creation_id)) is not None and c.main_url,
                   timeout=20, what="ready and loaded")
    return tracked.creation_id


async def test_one_bell_per_state_change_across_many_polls_and_only_while_unfocused(clocked, tmp_path):
    sim, clock = clocked  # the job runs only when the test moves the clock: it is polled many times first
    app = app_for(sim, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        written = record_writes(app)
        await connected_app_on_catalog(pilot)
        await run_to_the_end(pilot, sim, "Explain how tides work", blur=True, clock=clock)
        assert job_polls(sim) >= 4
        app.action_refresh_jobs()  # a poll asked for after the end is not a new state either
        await pilot.pause()
        everything = "".join(written)
        assert bells(written) == 1
        assert everything.count("\x1b]9;") == 1 and everything.count("\x1b]777;notify;") == 1
        assert "succeeded" in everything
        assert any("succeeded" in str(n.message) for n in app._notifications)  # the in-app toast stays

        app.post_message(events.AppFocus())
        await wait_for(pilot, lambda: app.app_focus, what="focus back")
        written.clear()
        await pilot.press("f2")
        await run_to_the_end(pilot, sim, "Explain how volcanoes work", clock=clock)
        assert bells(written) == 0 and "\x1b]9;" not in "".join(written)  # focused: the toast only


ARGV_SCRIPT = """
import json, os, sys
target = sys.argv[1]
with open(target + ".tmp", "w") as handle:
    json.dump(sys.argv[2:], handle)
os.replace(target + ".tmp", target)
"""


async def test_notify_command_gets_title_status_and_url_as_single_arguments(sim, tmp_path):
    script = tmp_path / "argv.py"
    script.write_text(ARGV_SCRIPT)
    out = tmp_path / "argv.json"
    command = (sys.executable, str(script), str(out), "{title}", "status={status}", "{url}")
    app = app_for(sim, tmp_path, notify="bell", notify_command=command)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        creation_id = await run_to_the_end(pilot, sim, "Explain why $(touch pwned); tides & 'moons' rise")
        await wait_for(pilot, out.exists, what="the command ran")
        creation = app.store.creations[creation_id]
        argv = json.loads(out.read_text())
        assert argv == [creation.title, "status=succeeded", creation.main_url]
        assert "$(touch pwned)" in argv[0]  # server text arrived as it was, inside one argument, never run
        assert not (Path.cwd() / "pwned").exists()


async def test_a_unified_creation_that_pauses_rings_once_however_often_it_is_polled(tmp_path):
    with unified_clocked() as (sim, clock):
        sim.set_scenario("credits_run_out", at_step=3)
        creation_id = ucreate(sim, VIDEO_BODY)["creation_id"]
        app = app_for(sim, tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            written = record_writes(app)
            await connected_app_on_catalog(pilot)
            await open_from_history(pilot, creation_id)  # opened while it runs: watched from here
            await wait_for(pilot, lambda: creation_id in app.poller.active, what="watched")
            app.post_message(events.AppBlur())
            await wait_for(pilot, lambda: not app.app_focus, what="the app knows it lost focus")
            clock.advance(3)
            await wait_for(pilot, lambda: app.store.creations[creation_id].status == "paused", what="paused")
            for _ in range(3):  # polls and loads that find it paused still
                app.action_refresh_jobs()
                app.load_creation(creation_id)
                await pilot.pause()
            await wait_for(pilot, lambda: bells(written) >= 1, what="the bell")
            assert bells(written) == 1
            assert "".join(written).count("\x1b]9;") == 1 and "paused" in "".join(written)

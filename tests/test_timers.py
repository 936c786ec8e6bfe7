"""One-shot timers fire even when their loop runs late (kgp_tui.timers): Textual's own drop the callback then.

A busy machine can preempt the app between the two clock reads a Textual Timer makes before it waits; when more
than the delay passes there, the upstream one-shot "skips" its only tick. The fixture makes every one-shot's loop
run that late, deterministically, by moving the clock those one-shots read between their reads.
"""

from __future__ import annotations

import asyncio
import sys
import time
from types import SimpleNamespace

import pytest
from support import TEST_KEY
from support.app import make_config, wait_for
from support.clock import FakeClock
from textual.app import App

from kgp_tui.api.domain import Run
from kgp_tui.timers import ReliableTimers

LATE = 0.5  # what a one-shot's loop sees pass between its two clock reads


@pytest.fixture
def late_one_shots(monkeypatch):
    """Every one-shot Timer's clock reads are LATE seconds apart; other timers and all else see the real clock."""
    import textual.timer

    offset = [0.0]

    def get_time() -> float:
        caller = sys._getframe(1).f_locals.get("self")
        if isinstance(caller, textual.timer.Timer) and caller._repeat == 0:
            offset[0] += LATE
        return time.monotonic() + offset[0]

    monkeypatch.setattr(textual.timer, "_time", SimpleNamespace(get_time=get_time))


class Plain(App):
    pass


class Reliable(ReliableTimers):
    pass


async def fired_within(app: App, delay: float, seconds: float) -> bool:
    fired = asyncio.Event()
    app.set_timer(delay, fired.set)
    try:
        await asyncio.wait_for(fired.wait(), seconds)
    except TimeoutError:
        return False
    return True


async def test_textual_s_own_one_shot_is_lost_when_its_loop_runs_late(late_one_shots):
    """Why kgp_tui.timers exists. Should Textual fix it upstream, this fails: then drop the workaround."""
    app = Plain()
    async with app.run_test():
        assert not await fired_within(app, 0.01, 1.0)


async def test_a_reliable_one_shot_fires_when_its_loop_runs_late(late_one_shots):
    app = Reliable()
    async with app.run_test():
        assert await fired_within(app, 0.01, 5.0)
        assert await fired_within(app, 0.0, 5.0)


async def test_a_stopped_reliable_one_shot_never_fires():
    app = Reliable()
    async with app.run_test() as pilot:
        calls: list[int] = []
        timer = app.set_timer(0.2, lambda: calls.append(1))
        timer.stop()
        fired = asyncio.Event()
        app.set_timer(0.4, fired.set)  # one that runs: the first had its chance before it
        await asyncio.wait_for(fired.wait(), 10)
        await pilot.pause()
        assert not calls


async def test_the_poller_keeps_polling_when_its_timers_run_late(tmp_path, late_one_shots):
    """The symptom under load: one late poll round stopped all polling, so the jobs never finished on screen."""
    from kgp_tui.app import KGPApp
    from kgp_tui.config import Connection
    from kgp_tui.simulator import Simulator

    clock = FakeClock()
    with Simulator(api_key=TEST_KEY, port=0, step_seconds=600.0, clock=clock) as sim:
        ids = sim.seed_jobs(5)
        # a budget of 2 a second: most rounds leave jobs due, so the next round is a few milliseconds away
        app = KGPApp(config=make_config(tmp_path, poll_interval=0.1, requests_per_second=2.0),
                     connection=Connection(sim.base_url, TEST_KEY, "t"), clock=clock)
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(pilot, lambda: app.adapter is not None, what="connected")
            for job_id in ids:
                app.load_run(Run(surface="v1", id=str(job_id), creation_id=None))
            await wait_for(pilot, lambda: len(app.store.runs) == 5, what="the jobs listed")
            polled = app.poller.requests_made
            clock.advance(24 * 3600)  # every job is done now, on the server
            await wait_for(pilot, lambda: all(t.run.is_terminal for t in app.store.runs.values()),
                           what="every job seen done")
            # (polls already under way at the jump may bring some of them: the others took new rounds)
            assert app.poller.requests_made > polled
            assert not app.poller.active

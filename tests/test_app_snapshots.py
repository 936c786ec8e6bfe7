"""Snapshot tests of every screen at 80×24 and 120×40, with a frozen clock shared by the app and the simulator.

Regenerate on purpose with `pytest tests/test_app_snapshots.py --snapshot-update` and look at the report.
"""

from __future__ import annotations

import pytest
from support import TEST_KEY
from support.app import (
    SIZES,
    FakeClock,
    connected_app_on_catalog,
    make_app,
    make_config,
    static_text,
    steady,
    submitted,
    wait_for,
)

from kgp_tui.screens.create import CreateScreen
from kgp_tui.screens.creation import CreationScreen


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_connect_screen(snap_compare, tmp_path, size):
    from kgp_tui.app import KGPApp

    app = KGPApp(config=make_config(tmp_path), clock=FakeClock())
    assert snap_compare(app, terminal_size=size, run_before=steady)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_catalog_screen(snap_compare, tmp_path, frozen, size):
    sim, clock = frozen

    async def run_before(pilot):
        await connected_app_on_catalog(pilot)
        await pilot.press("down")
        await wait_for(pilot, lambda: "slides_video" in static_text(pilot.app, "#type-info"), what="its detail")
        await steady(pilot)

    app = make_app(sim, tmp_path, key=TEST_KEY, clock=clock)
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_create_screen(snap_compare, tmp_path, frozen, size):
    sim, clock = frozen

    async def run_before(pilot):
        await connected_app_on_catalog(pilot)
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, CreateScreen), what="form")
        from textual import events

        pilot.app.post_message(events.Paste("Explain attention"))
        await steady(pilot)

    app = make_app(sim, tmp_path, key=TEST_KEY, clock=clock)
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_jobs_screen_with_a_running_job(snap_compare, tmp_path, frozen, size):
    sim, clock = frozen

    async def run_before(pilot):
        await submitted(pilot)
        clock.advance(9.0)  # into the third of the simulator's steps
        await pilot.press("f5")
        await wait_for(pilot, lambda: next(iter(pilot.app.store.runs.values())).run.status == "running", what="run")
        await steady(pilot)

    app = make_app(sim, tmp_path, key=TEST_KEY, clock=clock)
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_creation_screen(snap_compare, tmp_path, frozen, size):
    sim, clock = frozen

    async def run_before(pilot):
        app = pilot.app
        await submitted(pilot)
        clock.advance(3600.0)
        await pilot.press("f5")
        await wait_for(pilot, lambda: "101" in app.store.creations, what="creation detail")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CreationScreen), what="creation screen")
        await pilot.press("down")
        await steady(pilot)

    app = make_app(sim, tmp_path, key=TEST_KEY, clock=clock)
    assert snap_compare(app, terminal_size=size, run_before=run_before)


def test_too_small_terminal_gets_a_message(snap_compare, tmp_path):
    from kgp_tui.app import KGPApp

    app = KGPApp(config=make_config(tmp_path), clock=FakeClock())
    assert snap_compare(app, terminal_size=(50, 15), run_before=steady)

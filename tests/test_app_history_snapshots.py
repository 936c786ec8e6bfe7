"""Snapshots of the history screen at 80×24 and 120×40, on a frozen clock shared by the app and the simulator.

Regenerate on purpose with `pytest tests/test_app_history_snapshots.py --snapshot-update` and look at the SVGs.
"""

from __future__ import annotations

import pytest
from support import TEST_KEY
from support.app import SIZES, connected_app_on_catalog, make_app, steady, wait_for

from kgp_tui.screens.history import HistoryScreen


async def history(pilot) -> HistoryScreen:
    app = pilot.app
    await connected_app_on_catalog(pilot)
    await pilot.press("f6")
    screen = await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen) and app.screen, what="history")
    await wait_for(pilot, lambda: screen.fetching is None and screen.rows, what="first page")
    return screen


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_history_screen(snap_compare, tmp_path, frozen, size):  # noqa: F811 - fixture
    sim, clock = frozen
    sim.seed_creations(130)  # 15 minutes apart: "… ago" near the top, dates further down
    sim.seed_jobs(1)         # one still running on the frozen clock

    async def run_before(pilot):
        await history(pilot)
        await pilot.press("down", "down")
        await steady(pilot)

    app = make_app(sim, tmp_path, key=TEST_KEY, clock=clock)
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_history_filtered_and_searched(snap_compare, tmp_path, frozen, size):  # noqa: F811 - fixture
    sim, clock = frozen
    sim.seed_creations(130)

    async def run_before(pilot):
        screen = await history(pilot)
        await pilot.press("s", "down", "down", "down", "enter")  # ready
        await wait_for(pilot, lambda: screen.query_state.status == "ready" and screen.fetching is None, what="ready")
        await pilot.press("slash", *"part 3")
        await wait_for(pilot, lambda: screen.query_state.text == "part 3" and screen.fetching is None, what="search")
        await steady(pilot)

    app = make_app(sim, tmp_path, key=TEST_KEY, clock=clock)
    assert snap_compare(app, terminal_size=size, run_before=run_before)

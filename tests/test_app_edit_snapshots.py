"""Snapshots of the edit dialog and its confirmation at 80×24 and 120×40, on a frozen clock.

Regenerate on purpose with `pytest tests/test_app_edit_snapshots.py --snapshot-update` and look at the SVGs.
"""

from __future__ import annotations

import pytest
from support import TEST_KEY
from support.app import SIZES, make_app, paste, steady, submitted, wait_for

from kgp_tui.screens.creation import CreationScreen
from kgp_tui.screens.edit import ConfirmEditScreen, SceneEditScreen


async def edit_dialog(pilot, clock) -> None:
    """A finished slides video, its second scene selected, the narration dialog open with one sentence added."""
    app = pilot.app
    await submitted(pilot)
    clock.advance(3600.0)
    await pilot.press("f5")
    await wait_for(pilot, lambda: "101" in app.store.creations and app.store.creations["101"].status == "ready",
                   what="creation detail")
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, CreationScreen), what="creation screen")
    await steady(pilot)  # the toasts of the creation screen would show through the dialog
    await pilot.press("down", "e")
    await wait_for(pilot, lambda: isinstance(app.screen, SceneEditScreen), what="edit dialog")
    await paste(pilot, " Every token asks every other how much it matters.")


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_edit_dialog(snap_compare, tmp_path, frozen, size):  # noqa: F811 - fixture
    sim, clock = frozen

    async def run_before(pilot):
        await edit_dialog(pilot, clock)
        await steady(pilot)

    app = make_app(sim, tmp_path, key=TEST_KEY, clock=clock)
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_edit_confirmation(snap_compare, tmp_path, frozen, size):  # noqa: F811 - fixture
    sim, clock = frozen

    async def run_before(pilot):
        await edit_dialog(pilot, clock)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ConfirmEditScreen), what="confirmation")
        await steady(pilot)

    app = make_app(sim, tmp_path, key=TEST_KEY, clock=clock)
    assert snap_compare(app, terminal_size=size, run_before=run_before)

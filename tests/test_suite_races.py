"""Races a loaded machine exposes: the app must end cleanly whatever its workers are doing at that moment."""

from __future__ import annotations

import pytest
from support import TEST_KEY
from support.app import (
    SIZE,
    connected_app_on_catalog,
    make_app,
    make_config,
    steady,
    wait_for,
)

UNREACHABLE = "http://127.0.0.1:9/openapi/v1"


async def test_quitting_while_the_connect_form_is_built_raises_nothing(tmp_path):
    """The form is built by a worker once the start-up connect fails; a quit at that moment must not crash it."""
    from kgp_tui import messages
    from kgp_tui.app import KGPApp
    from kgp_tui.config import Connection

    app = KGPApp(config=make_config(tmp_path), connection=Connection(base_url=UNREACHABLE, api_key=TEST_KEY,
                                                                     profile="t"))

    from textual.messages import Prune

    failed: list[object] = []

    def quit_on_failure(message):
        if isinstance(message, messages.ConnectFailed):
            failed.append(message)
        elif isinstance(message, Prune) and len(failed) == 1:  # the worker swaps the connecting body for the form
            failed.append(message)
            app.exit()  # the user quits right then

    async with app.run_test(size=SIZE, message_hook=quit_on_failure) as pilot:
        await wait_for(pilot, lambda: len(failed) == 2, what="a quit while the form is being built")
    # leaving run_test re-raises any worker failure: reaching this line is the test


@pytest.mark.parametrize("visible", [True, False], ids=["cursor-on", "cursor-off"])
async def test_steady_screens_show_the_cursor_whatever_the_blink_phase(frozen, tmp_path, visible):
    """Snapshots are taken after `steady`: the prompt's cursor must be drawn whichever half of a blink it was in."""
    from textual import events

    from kgp_tui.screens.create import CreateScreen

    sim, clock = frozen
    app = make_app(sim, tmp_path, key=TEST_KEY, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await connected_app_on_catalog(pilot)
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CreateScreen), what="form")
        app.post_message(events.Paste("Explain attention"))
        await pilot.pause()
        prompt = app.screen.query_one("#field-prompt")
        prompt.blink_timer.pause()
        prompt._cursor_visible = visible  # where the blink timer happened to be
        await pilot.pause()
        await steady(pilot)
        # the cursor cell adds a third use of its colour, as in the committed snapshot (two without it)
        assert app.export_screenshot().count("e0e0e0") == 3

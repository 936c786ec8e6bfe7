"""Quitting while work still arrives: a switch of mode that lands as the app closes (a connect whose reply comes
back during the quit, a submit that succeeds then) must not break the shutdown."""

from __future__ import annotations

import asyncio

from support.app import SIZE, make_app, wait_for
from textual.screen import Screen


class _SwitchesAsItCloses(Screen[None]):
    """Does what on_connected does when its reply lands during the close: switch to a mode not yet shown."""

    def on_unmount(self) -> None:
        self.app.switch_mode("history")


async def test_a_mode_switch_that_lands_while_the_app_closes_does_nothing(sim, tmp_path):
    app = make_app(sim, tmp_path, key=None)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.screen.query("#base-url"), what="connect screen")
        await app.push_screen(_SwitchesAsItCloses())
    assert app.return_code in (None, 0)
    assert not app._screen_stacks.get("history"), "no mode is started once the app is closing"


async def test_the_connect_form_built_as_the_app_closes_does_not_fail(sim, tmp_path):
    """A refused key builds the connect form (a worker); quitting while it mounts must not fail the worker (the
    body's compose is cut short, so its inputs are never there to fill)."""
    from kgp_tui.screens.connect import ConnectScreen

    app = make_app(sim, tmp_path, key="kgp_live_wrong_key_000000")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.connect_note[0] == "error", what="refused")
        screen = app.screen
        assert isinstance(screen, ConnectScreen)
        await wait_for(pilot, lambda: screen.query("#base-url"), what="the form")
        screen._form = False  # as if the form were still to be built: the quit below lands while it mounts
        screen.run_worker(screen.show_form, exclusive=True, group="connect-form")
        while not screen._form:  # the form's body is built: its mount is under way as the quit begins
            await asyncio.sleep(0)
    assert app.return_code in (None, 0)

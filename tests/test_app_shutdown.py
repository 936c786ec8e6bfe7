"""Quitting while work still arrives: a switch of mode that lands as the app closes (a connect whose reply comes
back during the quit, a submit that succeeds then) must not break the shutdown."""

from __future__ import annotations

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

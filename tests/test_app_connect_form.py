"""The connect form (F4) never overwrites what the user typed: not a fill that runs after its mount (keys typed
the moment it appears: a burst over SSH), and not a session change that lands while they type."""

from __future__ import annotations

from support import TEST_KEY
from support.app import (
    BACKSPACE,
    SIZE,
    burst,
    connected_app_on_catalog,
    make_app,
    make_config,
    static_text,
    submitted,
    type_into,
    wait_for,
)

OTHER = "http://127.0.0.1:9/openapi/v1"


async def open_form(pilot, focus: str = "#api-key") -> None:
    """F4, then the focus on `focus` (the key field has it when the form opens)."""
    app = pilot.app
    await pilot.press("f4")
    await wait_for(pilot, lambda: app.screen.query("#key-destination"), what="the connect form")
    if focus != "#api-key":
        await pilot.press("shift+tab")  # from the key up to the URL
    await wait_for(pilot, lambda: app.screen.focused is app.screen.query_one(focus), what=f"{focus} focused")


async def _connect_with(pilot, key: str) -> None:
    """F4, the key typed over the one in the field, ctrl+s: all in one burst."""
    await open_form(pilot)
    burst(pilot.app, ["ctrl+a", "ctrl+k", *key, "ctrl+s"])


async def test_the_form_holds_its_values_from_the_start(sim, tmp_path, monkeypatch):
    from kgp_tui.screens.connect import ConnectScreen

    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        monkeypatch.setattr(ConnectScreen, "_fill_form", lambda self: None)  # as if it had not run yet
        await pilot.press("f4")
        await wait_for(pilot, lambda: app.screen.query("#base-url"), what="the connect form")
        assert app.screen.query_one("#base-url").value == sim.base_url  # where we are connected
        assert app.screen.query_one("#api-key").value == TEST_KEY  # the key it was started with


async def test_a_url_being_typed_survives_a_session_change(sim, tmp_path):
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        await pilot.press("f4")
        await wait_for(pilot, lambda: app.screen.query("#key-destination"), what="the connect form")
        await type_into(pilot, "#base-url", OTHER)
        await pilot.click("#api-key")  # on to the key: the URL field loses focus
        app.store.set_account(app.store.session.account)  # what a credits refresh does while they type
        await pilot.pause()
        assert app.screen.query_one("#base-url").value == OTHER
        assert "127.0.0.1" in str(app.screen.query_one("#key-destination").render())


async def test_a_burst_with_editing_keys_fills_url_and_key_in_order(sim, tmp_path):
    """Over SSH a whole line arrives at once: ctrl+a ctrl+k, a URL with a typo fixed, Tab, a key with one too."""
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        await open_form(pilot, "#base-url")
        burst(app, ["ctrl+a", "ctrl+k", *OTHER[:-2], "x", BACKSPACE, *OTHER[-2:], "tab",
                    "ctrl+a", "ctrl+k", *"kgp_live_abx", BACKSPACE, "c"])
        url, key = app.screen.query_one("#base-url"), app.screen.query_one("#api-key")
        await wait_for(pilot, lambda: key.value == "kgp_live_abc", timeout=3,
                       what=f"the key typed, not {key.value!r} (URL {url.value!r})")
        assert url.value == OTHER


async def test_a_key_pasted_with_ctrl_s_in_one_burst_is_sent_whole(sim, tmp_path):
    """Another account's key typed (or pasted) and ctrl+s in one burst: the connect sends the whole key, not the
    part that had reached the field when ctrl+s, a priority key, was read."""
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        first = app.store.session.account.display_name
        await _connect_with(pilot, sim.no_credit_key)
        await wait_for(pilot, lambda: app.store.session.account is not None
                       and app.store.session.account.display_name != first, timeout=8,
                       what="connected as the other account")
        assert app.store.session.account.credits == 0
        # the two keys share their prefix (kgp_demo_7c2e…): the status bar says who is connected
        second = app.store.session.account.display_name
        await wait_for(pilot, lambda: second in static_text(app, "#status-bar"), what="the account's name")
        assert first not in static_text(app, "#status-bar")


async def test_in_the_demo_a_second_account_and_back_keeps_the_first_ones_jobs(tmp_path, isolated_dirs):
    """Two accounts of one demo run (its key and its no-credit key): switching to the second and back brings the
    first one's job back to Jobs; only older demo runs' rows are dropped."""
    from kgp_tui.app import KGPApp

    app = KGPApp(config=make_config(tmp_path), demo=True)
    async with app.run_test(size=SIZE) as pilot:
        await submitted(pilot)
        job = next(iter(app.store.runs))
        first = app.store.session.account.display_name
        await _connect_with(pilot, app.simulator.no_credit_key)
        await wait_for(pilot, lambda: app.store.session.account.display_name != first and not app.store.runs,
                       timeout=8, what="the second account, without the first one's job")
        await _connect_with(pilot, app.simulator.api_key)
        await wait_for(pilot, lambda: app.store.session.account.display_name == first and job in app.store.runs,
                       timeout=8, what=f"the first account with its job {job} again")

"""Global behaviour: server text shown literally, F1 help, the command palette, small terminals, key hygiene."""

from __future__ import annotations

import pytest
from support import TEST_KEY
from support.app import (
    connected_app_on_catalog,
    form_on_screen,
    make_app,
    open_type,
    palette_run,
    paste,
    screen_text,
    static_text,
    wait_for,
)

from kgp_tui.screens.creation import CreationScreen
from kgp_tui.screens.jobs import JobsScreen
from kgp_tui.screens.small import TooSmallScreen

SIZE = (120, 40)
HOSTILE = "[@click=app.quit]Quit[/] [bold]x \x1b]52;c;AAAA\x07\x1b[2J attention"


async def test_hostile_server_text_is_shown_literally_and_safely(sim, tmp_path):
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        await open_type(pilot, "slides_video")
        await paste(pilot, HOSTILE)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, JobsScreen), what="jobs")
        await wait_for(pilot, lambda: "101" in app.store.creations, timeout=15, what="creation loaded")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CreationScreen), what="creation screen")
        shown = screen_text(app)
        assert "[@click=app.quit]Quit[/]" in shown  # markup characters are data, shown as typed
        assert "[bold]x" in shown
        assert "\x1b" not in shown and "\x07" not in shown
        await pilot.click("#creation-info")  # clicking the text must not run the embedded action
        assert app.is_running


async def test_f1_toggles_the_key_help_of_the_current_screen(sim, tmp_path):
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert app.screen.query("HelpPanel")
        await pilot.press("f1")
        await pilot.pause()
        assert not app.screen.query("HelpPanel")


async def test_command_palette_switches_screens(sim, tmp_path):
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        await palette_run(pilot, "Jobs", "Jobs")
        await wait_for(pilot, lambda: isinstance(app.screen, JobsScreen), what="jobs via palette")
        assert "No jobs yet" in static_text(app, "#jobs-empty")


async def test_command_palette_opens_a_create_form_for_any_catalog_type(sim, tmp_path):

    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        await palette_run(pilot, "New Slide Deck", "New Slide Deck")
        screen = await wait_for(pilot, lambda: form_on_screen(app), what="form")
        assert screen.type_name == "slide_deck"
        assert "New Slide Deck" in screen_text(app)


async def test_config_keymap_rebinds_by_id_and_names_unknown_ids(sim, tmp_path):
    from dataclasses import replace

    from support.app import make_config

    from kgp_tui.app import KGPApp
    from kgp_tui.config import Connection

    config = replace(make_config(tmp_path), keymap={"app.jobs": "f3,j", "app.nonsense": "x"})
    app = KGPApp(config=config, connection=Connection(sim.base_url, TEST_KEY, "t"))
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        await pilot.press("j")
        await wait_for(pilot, lambda: isinstance(app.screen, JobsScreen), what="jobs via the rebound key")
        warnings = [n.message for n in app._notifications if "keymap" in n.message]
        assert warnings == ["[keymap] names no binding: app.nonsense (the README lists the ids)"]


async def test_small_terminal_gets_a_message_and_recovers(sim, tmp_path):
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        await pilot.resize_terminal(50, 15)
        await wait_for(pilot, lambda: isinstance(app.screen, TooSmallScreen), what="too small")
        assert "Terminal too small: 50×15" in static_text(app, "#too-small-message")
        await pilot.resize_terminal(80, 24)
        await wait_for(pilot, lambda: not isinstance(app.screen, TooSmallScreen), what="usable again")
        assert app.screen.query("#types")


async def test_full_key_never_appears_on_any_screen(sim, tmp_path):
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        for key in ("f2", "f3", "f4"):
            await pilot.press(key)
            await pilot.pause()
            assert TEST_KEY not in screen_text(app)
            assert TEST_KEY[:13] in static_text(app, "#status-bar")


def test_readme_lists_every_binding_id():
    """A user rebinding keys reads the ids in the README: each one the app has must be there, and no stale one."""
    import re
    from pathlib import Path

    from kgp_tui.app import KGPApp
    from kgp_tui.screens import binding_ids

    ids = binding_ids(KGPApp())
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    start = readme.index("The ids:")
    listed = set(re.findall(r"`([a-z_]+\.[a-z_]+)`", readme[start:readme.index("\n\n", start)]))
    assert ids - listed == set(), "binding ids missing from the README"
    assert listed - ids == set(), "README lists ids the app no longer has"



@pytest.mark.parametrize("back", ["key", "focus-in"])
async def test_the_catalog_takes_keys_when_the_terminal_was_unfocused_while_it_connected(back, sim, tmp_path):
    """The terminal says it lost focus (ESC [ O, sent by tmux with focus-events on and by most terminals) while the
    app connects: the catalog shown meanwhile must still take the arrows once the user is back."""
    from textual import events

    from kgp_tui.screens.connect import ConnectScreen

    sim.set_scenario("slow", delay=0.5, path="/me", times=1)  # the connect screen stays up while it is unfocused
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        app.post_message(events.AppBlur())
        await wait_for(pilot, lambda: not app.app_focus, what="the terminal unfocused")
        assert isinstance(app.screen, ConnectScreen)
        await connected_app_on_catalog(pilot)
        types = app.screen.query_one("#types")
        if back == "focus-in":
            app.post_message(events.AppFocus())  # ESC [ I: the user is back at the terminal
            await wait_for(pilot, lambda: app.app_focus, what="focused again")
        await pilot.press("down")  # else the first key brings the focus back itself
        await wait_for(pilot, lambda: types.cursor_row == 1, what="the first key moves the list")
        assert app.screen.focused is types

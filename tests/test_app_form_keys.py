"""Keys typed in a burst (a fast typist, SSH, tmux send-keys) are applied in the order they were typed.

Each burst is queued at once, as the terminal driver delivers it, not pressed one key at a time with waits between.
"""

from __future__ import annotations

from support import TEST_KEY
from support.app import (
    BACKSPACE,
    SIZE,
    burst,
    connected_app_on_catalog,
    form_on_screen,
    make_app,
    open_type,
    paste,
    wait_for,
)

from kgp_tui.screens.jobs import JobsScreen


async def test_catalog_filter_takes_a_burst_with_backspace_in_order(sim, tmp_path):
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        table = app.screen.query_one("#types")
        filter_input = app.screen.query_one("#type-filter")
        for typed in ("/abc\bZY", "abc\bZY"):  # with the filter key, and typed straight at the list
            await pilot.press("escape")
            await wait_for(pilot, lambda: app.screen.focused is table and filter_input.value == "", what="cleared")
            burst(app, typed)
            await wait_for(pilot, lambda: filter_input.value == "abZY", timeout=3,
                           what=f"'abZY' in the filter after {typed!r}, not {filter_input.value!r}")
        await pilot.press("escape")
        # a typo fixed, Enter, Enter: all in one burst, and the right form opens
        burst(app, "/slidx\bes\r\r")
        screen = await wait_for(pilot, lambda: form_on_screen(app), what="form")
        assert screen.type_name == "slides_video"


async def test_typing_at_the_list_then_enter_opens_what_the_filter_shows(sim, tmp_path):
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        burst(app, "lesson\r")
        screen = await wait_for(pilot, lambda: form_on_screen(app), what="form")
        assert screen.type_name == "interactive_lesson"


async def test_down_from_the_filter_hands_the_list_the_focus_and_enter_opens_the_match(sim, tmp_path):
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        burst(app, ["slash", *"lesson", "down", "\r"])  # as in k9s or fzf: ↓ leaves the box for the rows
        screen = await wait_for(pilot, lambda: form_on_screen(app), what="form")
        assert screen.type_name == "interactive_lesson"


async def test_prompt_takes_a_burst_with_backspace_in_order(sim, tmp_path):
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        screen = await open_type(pilot, "slides_video")
        area = screen.query_one("#field-prompt")
        burst(app, "abc\bZY")
        await wait_for(pilot, lambda: area.text == "abZY", timeout=3, what=f"'abZY', not {area.text!r}")
        # clearing it with a run of Backspaces and typing anew leaves none of the old letters
        burst(app, BACKSPACE * 4 + "new")
        await wait_for(pilot, lambda: area.text == "new", timeout=3, what=f"'new', not {area.text!r}")
        await wait_for(pilot, lambda: app.store.drafts.get("slides_video", {}).get("prompt") == "new",
                       what="the draft follows")
        assert '"prompt": "new"' in str(screen.query_one("#create-preview").render())


async def test_an_input_field_takes_a_burst_of_editing_keys_in_order(sim, tmp_path):
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        screen = await open_type(pilot, "slides_video")
        field = screen.query_one("#field-scene_count")
        await pilot.click("#field-scene_count")
        assert field.value == "6"
        burst(app, ["ctrl+a", "ctrl+k", *"12", "left", "backspace", *"5"])  # home, delete to end, 12, ←, ⌫, 5
        await wait_for(pilot, lambda: field.value == "52", timeout=3, what=f"'52', not {field.value!r}")


async def test_a_burst_then_ctrl_s_sends_every_letter(sim, tmp_path):
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        await open_type(pilot, "interactive_lesson")
        await paste(pilot, "Fractions")
        burst(app, [*" for kids", "ctrl+s"])
        await wait_for(pilot, lambda: isinstance(app.screen, JobsScreen), what="sent")
        creation = await wait_for(pilot, lambda: sim._store.creations.get(101), what="the creation on the server")
        assert creation.params["prompt"] == "Fractions for kids"


async def test_keys_typed_after_tab_in_a_burst_go_to_the_next_field(sim, tmp_path):
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        screen = await open_type(pilot, "slides_video")
        burst(app, ["P", "tab", *"I"])
        await wait_for(pilot, lambda: screen.query_one("#field-instructions").text == "I", timeout=3,
                       what="the letter after Tab in the instructions")
        assert screen.query_one("#field-prompt").text == "P"


async def test_keys_typed_after_tab_from_a_choice_go_to_the_next_field(sim, tmp_path):
    from textual.widgets import Input, Select

    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        screen = await open_type(pilot, "slides_video")
        chain = screen.focus_chain
        choice, field = next((a, b) for a, b in zip(chain, chain[1:], strict=False)
                             if isinstance(a, Select) and isinstance(b, Input))
        while screen.focused is not choice:
            await pilot.press("tab")
        field.value = ""
        burst(app, ["tab", *"7"])
        await wait_for(pilot, lambda: field.value == "7", timeout=3,
                       what=f"the digit after Tab in #{field.id}, not {field.value!r}")

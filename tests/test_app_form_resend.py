"""Never a second charge by accident: the same payload again asks first, and an adopted submit is explained in full."""

from __future__ import annotations

import re

import pytest
from support import TEST_KEY
from support.app import SIZE, SIZES, connected_app_on_catalog, make_app, open_type, paste, static_text, wait_for

from kgp_tui.screens.create import ConfirmResendScreen, CreateScreen
from kgp_tui.screens.jobs import JobsScreen

PROMPT = "Explain how attention works"


def posts(sim) -> int:
    return sum(1 for method, *_ in sim.request_log if method == "POST")


def visible_text(app) -> str:
    """What the terminal shows, row by row, from the app's own screenshot (toasts included)."""
    import html

    rows: dict[float, list[tuple[float, str]]] = {}
    for match in re.finditer(r'<text class="[^"]*" x="([\d.]+)" y="([\d.]+)"[^>]*>(.*?)</text>',
                             app.export_screenshot()):
        rows.setdefault(float(match[2]), []).append((float(match[1]), html.unescape(match[3])))
    return "\n".join("".join(t for _, t in sorted(row)).replace("\xa0", " ") for _, row in sorted(rows.items()))


async def send_from_form(pilot, prompt: str) -> None:
    await paste(pilot, prompt)
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, JobsScreen), what="sent")


async def test_after_a_success_the_form_starts_empty_and_the_same_payload_asks_first(sim, tmp_path):
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        await open_type(pilot, "slides_video")
        await send_from_form(pilot, PROMPT)
        await pilot.press("f2")
        screen = await open_type(pilot, "slides_video")
        area = screen.query_one("#field-prompt")
        assert area.text == ""  # a fresh form: nothing to send twice by a stray ctrl+s
        assert '"prompt"' not in static_text(app, "#create-preview")
        assert not screen.query_one("#form-result").display, "the last submit's ✔ line is not on a fresh form"
        assert "create.recall" in {b.binding.id for b in screen.active_bindings.values()}
        await pilot.press("ctrl+r")  # the last prompt, one key away
        await wait_for(pilot, lambda: area.text == PROMPT, what="the last prompt back")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmResendScreen), what="asked first")
        question = static_text(app, "#resend-question")
        assert "#101" in question and "ago" in question and "status" in question
        assert re.search(r"\d\d:\d\d:\d\d", question)  # when it was made
        assert app.screen.focused.id == "resend-no"  # the safe answer is the default
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is screen, what="back on the form")
        assert posts(sim) == 1 and area.text == PROMPT  # nothing sent, nothing lost
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmResendScreen), what="asked again")
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, JobsScreen), what="sent on yes")
        await wait_for(pilot, lambda: len(sim._store.creations) == 2, what="a second creation, as asked")


async def test_a_form_sent_in_one_burst_of_keys_still_starts_empty_next_time(sim, tmp_path):
    """The last keys' redraw comes after the reply (tmux send-keys, a fast typist): it must not revive the draft."""
    from textual import events

    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        await open_type(pilot, "slides_video")
        for char in "Tides":
            app.post_message(events.Key(char, char))
        app.post_message(events.Key("ctrl+s", None))
        await wait_for(pilot, lambda: isinstance(app.screen, JobsScreen), what="sent")
        await pilot.pause(0.2)
        assert not app.store.drafts.get("slides_video", {}).get("prompt")
        await pilot.press("f2")
        screen = await open_type(pilot, "slides_video")
        assert screen.query_one("#field-prompt").text == ""


async def test_a_changed_payload_is_sent_without_asking(sim, tmp_path):
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        await open_type(pilot, "slides_video")
        await send_from_form(pilot, PROMPT)
        await pilot.press("f2")
        await open_type(pilot, "slides_video")
        await pilot.press("ctrl+r", "end", "!")
        await wait_for(pilot, lambda: app.screen.query_one("#field-prompt").text == PROMPT + "!", what="changed")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, JobsScreen), what="sent at once")
        assert posts(sim) == 2


async def test_the_same_payload_after_an_adopted_ambiguous_submit_asks_first(sim, tmp_path):
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        sim.set_scenario("drop_after_create", times=1)
        screen = await open_type(pilot, "slides_video")
        await paste(pilot, PROMPT)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.store.runs, what="the creation found and adopted")
        assert isinstance(app.screen, CreateScreen)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmResendScreen), what="asked first")
        assert "#101" in static_text(app, "#resend-question")
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen, what="declined")
        assert posts(sim) == 1 and len(sim._store.creations) == 1


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_an_adopted_submit_is_explained_in_full_on_screen(sim, tmp_path, size):
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=size) as pilot:
        await connected_app_on_catalog(pilot)
        sim.set_scenario("drop_after_create", times=1)
        await open_type(pilot, "slides_video")
        await paste(pilot, PROMPT)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.store.runs, what="the creation found and adopted")
        app.clear_notifications()  # the form itself must say it, not only a toast that goes away
        await pilot.pause()
        sentence = static_text(app, "#form-result")
        shown = " ".join(visible_text(app).split())
        assert " ".join(sentence.split()) in shown  # every word of it, not the first two lines
        assert "#101 was made" in sentence and "it is in Jobs (F3)" in sentence

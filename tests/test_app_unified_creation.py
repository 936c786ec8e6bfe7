"""The creation screen and the create form on the unified surface, driven by keys against a unified simulator on
loopback: the main URL is the primary output's, the outputs take the v1 panes' place (no scenes, no edit keys), a
recovered pause gives way to the re-run's progress, a message carries attached files, and the form speaks of
credits (an estimate after sending, a budget reachable by Tab)."""

from __future__ import annotations

import pytest
from support import TEST_KEY
from support.app import (
    SIZE,
    burst,
    connected_app_on_catalog,
    make_app,
    open_type,
    paste,
    screen_text,
    static_text,
    wait_for,
)
from support.unified_http import unified, unified_clocked

from kgp_tui.screens.actions import ConfirmActionScreen, PausePanel
from kgp_tui.screens.creation import CreationScreen
from kgp_tui.screens.jobs import JobsScreen
from kgp_tui.widgets.conversation import ConversationPane
from kgp_tui.widgets.file_attach import FileAttach


@pytest.fixture
def usim():
    with unified() as server:
        yield server


def posts(sim, tail: str) -> list[str]:
    return [p for m, p, _s in sim.request_log if m == "POST" and p.split("?")[0].endswith(tail)]


async def focus(pilot, widget_id: str, limit: int = 14) -> list[str]:
    """Tab until the widget ``widget_id`` has the focus; every widget Tab reached on the way."""
    app, seen = pilot.app, []
    for _ in range(limit):
        focused = app.screen.focused
        seen.append(focused.id if focused is not None else None)
        if focused is not None and focused.id == widget_id:
            return seen
        await pilot.press("tab")
    raise AssertionError(f"#{widget_id} never took the focus: {seen}")


async def created(pilot, sim, type_name: str, prompt: str, budget: str | None = None) -> str:
    """From the catalog: the type's form, a prompt (and a budget), ctrl+s; the new creation's id."""
    app = pilot.app
    await connected_app_on_catalog(pilot)
    await open_type(pilot, type_name)
    await paste(pilot, prompt)
    if budget is not None:
        await focus(pilot, "field-max_credits")
        await paste(pilot, budget)
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: isinstance(app.screen, JobsScreen) and app.store.runs, what="jobs")
    return next(iter(app.store.runs.values())).creation_id


async def opened(pilot, creation_id: str, status: str, outputs: bool = False) -> CreationScreen:
    """Enter on the job's row once the creation is ``status`` (with its outputs loaded, when asked)."""
    app = pilot.app
    await wait_for(pilot, lambda: creation_id in app.store.creations
                   and app.store.creations[creation_id].status == status
                   and (not outputs or app.store.creations[creation_id].results), timeout=15, what=status)
    await pilot.press("enter")
    return await wait_for(pilot, lambda: isinstance(app.screen, CreationScreen) and app.screen, what="detail")


async def message_with_a_file(pilot, sim, text: str, path) -> tuple[str, ConversationPane]:
    """A ready video opened, `text` typed into its conversation and `path` listed (Enter) in its file field."""
    creation_id = await created(pilot, sim, "video", "Explain tides")
    detail = await opened(pilot, creation_id, "ready")
    pane = await wait_for(pilot, lambda: detail.query(ConversationPane) and detail.query_one(ConversationPane),
                          what="conversation")
    await focus(pilot, "conversation-input")
    await paste(pilot, text)
    await focus(pilot, "file-attach-path")
    await paste(pilot, str(path))
    await pilot.press("enter")
    return creation_id, pane


def footer_keys(screen) -> set[str]:
    return {key for key, active in screen.active_bindings.items() if active.binding.show}


async def test_a_ready_video_names_its_primary_output_as_the_main_url_and_its_message_box_takes_letters(usim,
                                                                                                        tmp_path):
    app = make_app(usim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        creation_id = await created(pilot, usim, "video", "Explain tides")
        detail = await opened(pilot, creation_id, "ready", outputs=True)
        path = await focus(pilot, "conversation-input")
        # the results have the keys at once; one Tab reaches the box: no stop on the pane that holds it or on
        # its (self-scrolling) log, where the letters typed next would be the screen's keys
        assert path == ["artifacts", "conversation-input"], path
        await pilot.press(*"edit ig")  # letters the screen binds (e, g, i, y…) are text here
        assert detail.query_one("#conversation-input").text == "edit ig"
        bound = ("Cannot edit", "Scene edits", "Copied", "Reloading")  # what e/g/i, y and r would have said
        assert not any(word in n.message for n in app._notifications for word in bound)
        await focus(pilot, "artifacts")
        video = next(r for r in app.store.creations[creation_id].results if r.kind == "video")
        await wait_for(pilot, lambda: video.url in static_text(app, "#creation-info"), what="main URL shown")
        assert "Main URL none" not in static_text(app, "#creation-info")
        await pilot.press("down", "y")  # the outputs have the keys: y copies the selected one's URL
        assert app.clipboard == app.store.creations[creation_id].results[1].url
        assert any("Copied the URL of output" in n.message for n in app._notifications)


async def test_tab_and_a_message_typed_in_one_burst_land_in_the_box(usim, tmp_path):
    """Over SSH, Tab and the words after it arrive together: they are the message's, not the outputs' keys
    (d downloads, o opens, e says edits are v1's, y copies, r reloads)."""
    app = make_app(usim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        creation_id = await created(pilot, usim, "video", "Explain tides")
        detail = await opened(pilot, creation_id, "ready", outputs=True)
        box = await wait_for(pilot, lambda: detail.query("#conversation-input") and detail.query_one(
            "#conversation-input"), what="the message box")
        assert detail.focused is detail.query_one("#artifacts")
        text = "Please redo the ending, and drop the outro"
        burst(app, ["tab", *text])
        await wait_for(pilot, lambda: box.text == text, timeout=3, what=f"the message in the box, not {box.text!r}")
        bound = ("Downloading", "Scene edits", "Copied", "Reloading", "copied the main URL")
        assert not [n.message for n in app._notifications if any(word in n.message for word in bound)]
        assert app._downloads is None or not app._downloads.items, "a download started"


async def test_a_message_typed_with_ctrl_s_in_one_burst_is_sent_whole(usim, tmp_path):
    """The words and ctrl+s in one burst (SSH, tmux, a paste): ctrl+s, a priority key, sends the whole message."""
    app = make_app(usim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        creation_id = await created(pilot, usim, "video", "Explain tides")
        detail = await opened(pilot, creation_id, "ready", outputs=True)
        text = "Is the narration in English?"
        burst(app, ["tab", *text, "ctrl+s"])  # from the outputs: Tab, the words, ctrl+s, all at once
        pane = detail.query_one(ConversationPane)
        await wait_for(pilot, lambda: pane.messages, timeout=8, what="the message sent and answered")
        assert [m.content for m in pane.messages] == [text]  # whole, as the server took it
        assert len(posts(usim, "/messages")) == 1


async def test_outputs_take_the_place_of_the_v1_panes_and_edit_keys_are_not_offered(usim, tmp_path):
    app = make_app(usim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        creation_id = await created(pilot, usim, "app", "Teach fractions")
        detail = await opened(pilot, creation_id, "ready", outputs=True)
        results = app.store.creations[creation_id].results
        table = detail.query_one("#artifacts")
        await wait_for(pilot, lambda: table.row_count == len(results), what="outputs listed")
        shown = screen_text(app)
        assert "No scenes" not in shown and "Narration" not in shown and "Scenes" not in shown
        assert results[0].label in shown
        assert table.display and table.size.height >= len(results) + 1  # every output and the header in view
        assert not {"e", "g", "i"} & footer_keys(detail)
        await pilot.press("e")
        assert not any("Cannot edit" in n.message for n in app._notifications)
        assert any("v1" in n.message and "message" in n.message for n in app._notifications)


async def test_a_recovered_pause_gives_way_to_the_re_run_and_its_progress(tmp_path):
    with unified_clocked() as (sim, clock):
        sim.set_scenario("over_budget")
        app = make_app(sim, tmp_path, key=TEST_KEY)
        async with app.run_test(size=SIZE) as pilot:
            creation_id = await created(pilot, sim, "video", "Pauses over budget")
            for _ in range(6):  # the scenario pauses at step 2
                clock.advance(sim.step_seconds)
                await pilot.pause(0.05)
            detail = await opened(pilot, creation_id, "paused")
            panel = await wait_for(pilot, lambda: detail.query(PausePanel) and detail.query_one(PausePanel),
                                   what="pause panel")
            await wait_for(pilot, lambda: detail.focused is panel, what="panel focused")
            await pilot.press("a")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmActionScreen), what="confirm")
            await pilot.press("right", "enter")
            await wait_for(pilot, lambda: posts(sim, "/actions"), what="action sent")
            await wait_for(pilot, lambda: not detail.query(PausePanel), what="panel removed once it runs again")
            info = await wait_for(pilot, lambda: "Run " in static_text(app, "#creation-info")
                                  and static_text(app, "#creation-info"), what="the re-run's progress")
            assert "Paused" not in info and "generating" in info.lower()
            assert detail.focused is not None  # the keys still work: the focus did not go with the panel
            await advance_until(pilot, sim, clock, lambda: app.store.creations[creation_id].status == "ready")
            await wait_for(pilot, lambda: "ready" in static_text(app, "#creation-info").lower(), what="ready")
            assert len(posts(sim, "/actions")) == 1 and not detail.query(PausePanel)
            assert "New delivery" not in screen_text(app)  # its first delivery: no change of the user's in it


async def test_a_message_carries_the_files_attached_in_the_conversation(usim, tmp_path):
    notes = tmp_path / "shorter.txt"
    notes.write_text("Cut the intro to ten seconds.\n")
    app = make_app(usim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        creation_id, pane = await message_with_a_file(pilot, usim, "Use my notes for the intro", notes)
        attach = pane.query_one(FileAttach)
        await wait_for(pilot, lambda: attach.paths, what="file listed")
        assert not posts(usim, "/files")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: posts(usim, "/messages"), timeout=10, what="message sent after the upload")
        assert len(posts(usim, "/files")) == 1
        sent = usim._store.creations[creation_id].messages[-1]
        assert len(sent["input_file_ids"]) == 1 and sent["input_file_ids"][0].startswith("file")
        await wait_for(pilot, lambda: not attach.paths, what="the list emptied once sent")


async def test_a_refused_file_in_the_conversation_blocks_the_message(usim, tmp_path):
    binary = tmp_path / "tool.exe"
    binary.write_bytes(b"MZ" + b"\0" * 64)
    app = make_app(usim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        _creation_id, pane = await message_with_a_file(pilot, usim, "Use this", binary)
        await wait_for(pilot, lambda: pane.query_one(FileAttach).problems, what="refused")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "tool.exe" in static_text(app, "#conversation-status"), what="said why")
        assert "Not sent" in static_text(app, "#conversation-status")
        assert not posts(usim, "/messages") and not posts(usim, "/files")
        assert pane.query_one("#conversation-input").text == "Use this"  # nothing lost


async def test_the_video_form_reaches_its_budget_by_tab_and_speaks_of_the_estimate(usim, tmp_path):
    app = make_app(usim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        form = await open_type(pilot, "video")
        note = static_text(app, "#create-estimate")
        assert "estimate" in note.lower() and "after sending" in note.lower()
        await paste(pilot, "Explain attention")
        path = await focus(pilot, "field-max_credits")
        for widget_id in path:  # every stop on the way is on screen: Tab never lands on something unseen
            widget = form.query_one(f"#{widget_id}")
            assert widget.region.height > 0 and widget.display, f"Tab stopped on hidden #{widget_id}: {path}"
        await paste(pilot, "500")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, JobsScreen) and app.store.runs, what="jobs")
        creation_id = next(iter(app.store.runs.values())).creation_id
        estimate = usim._store.creations[creation_id].estimated_credits
        assert any(f"estimated {estimate} credits" in n.message for n in app._notifications)
        assert f"estimated {estimate} credits" in app.store.form_results["video"][1]
        await opened(pilot, creation_id, "ready")
        info = await wait_for(pilot, lambda: "spent" in static_text(app, "#creation-info")
                              and static_text(app, "#creation-info"), what="actual credits")
        assert f"estimated {estimate}" in info and f"spent {estimate}" in info


async def test_a_new_delivery_is_announced_only_once_the_re_run_is_ready(tmp_path):
    with unified_clocked() as (sim, clock):
        app = make_app(sim, tmp_path, key=TEST_KEY)
        async with app.run_test(size=SIZE) as pilot:
            detail = await a_change_accepted(pilot, sim, clock)
            pane = detail.query_one(ConversationPane)
            await wait_for(pilot, lambda: "Run " in static_text(app, "#creation-info"), what="the re-run shown")
            assert not pane.new_delivery and "New delivery" not in screen_text(app)  # nothing new while it runs
            await advance_until(pilot, sim, clock, lambda: pane.new_delivery)
            await wait_for(pilot, lambda: "New delivery: version 2" in screen_text(app), what="version 2 announced")


async def test_letters_typed_into_the_box_while_a_change_re_runs_are_not_the_screens_keys(tmp_path):
    """The box is read-only until the new version is ready; it keeps the focus, and what is typed into it then
    (d, o, y, r, Enter) must not download, open, copy or reload as the creation screen's keys would."""
    with unified_clocked() as (sim, clock):
        app = make_app(sim, tmp_path, key=TEST_KEY)
        async with app.run_test(size=SIZE) as pilot:
            detail = await a_change_accepted(pilot, sim, clock)
            box = detail.query_one("#conversation-input")
            await wait_for(pilot, lambda: box.read_only, what="the box read-only while it re-runs")
            said = len(app._notifications)
            await pilot.press(*"doyr", "enter")
            assert app.screen is detail and app.screen.focused is box and box.text == ""
            bound = ("Download", "download", "Copied", "copied", "Reloading", "browser", "Opening")
            assert not [n.message for n in list(app._notifications)[said:] if any(w in n.message for w in bound)]
            assert app._downloads is None or not app._downloads.items  # `d` started no download


async def a_change_accepted(pilot, sim, clock) -> CreationScreen:
    """A video made and moved to ready on the simulator's clock, opened, a change typed into its conversation and
    sent with ctrl+s; the creation screen once the server has accepted it (the video re-runs)."""
    app = pilot.app
    creation_id = await created(pilot, sim, "video", "Explain tides")
    await advance_until(pilot, sim, clock, lambda: app.store.creations.get(creation_id) is not None
                        and app.store.creations[creation_id].status == "ready")
    detail = await opened(pilot, creation_id, "ready", outputs=True)
    await wait_for(pilot, lambda: detail.query(ConversationPane), what="conversation")
    await focus(pilot, "conversation-input")
    await paste(pilot, "Make the intro shorter")
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: "accepted" in static_text(app, "#conversation-status"), what="accepted")
    return detail


async def advance_until(pilot, sim, clock, done, steps: int = 40) -> None:
    """Move the simulator's clock a step at a time until ``done()``, letting the app poll in between."""
    for _ in range(steps):
        if done():
            return
        clock.advance(sim.step_seconds)
        await pilot.pause(0.1)
    await wait_for(pilot, done, what="the state the clock was moved for")


async def test_a_budget_below_the_estimate_pauses_and_its_panel_fits_a_small_terminal(usim, tmp_path):
    from textual.widgets import Button

    app = make_app(usim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=(80, 24)) as pilot:
        creation_id = await created(pilot, usim, "video", "Small screen budget", budget="3")
        detail = await opened(pilot, creation_id, "paused")
        panel = await wait_for(pilot, lambda: detail.query(PausePanel) and detail.query_one(PausePanel),
                               what="pause panel")
        button = await wait_for(pilot, lambda: panel.query(".pause-action") and panel.query_one(".pause-action",
                                                                                               Button), what="action")
        await pilot.pause()
        assert "budget" in static_text(app, "#pause-why")
        screen_rows = detail.query_one("#creation-body").region
        assert button.region.height > 0 and screen_rows.contains_region(button.region), (button.region, screen_rows)

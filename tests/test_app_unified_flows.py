"""The unified pieces mounted in the app, driven by keys against a unified simulator on loopback: a video created
with an attached file (uploaded on ctrl+s, its id in the body), a paused creation recovered from its panel after a
confirmation (Esc sends nothing), and a message on a ready video that re-runs it to a new delivery."""

from __future__ import annotations

import pytest
from support import TEST_KEY
from support.app import SIZE, connected_app_on_catalog, make_app, open_type, paste, screen_text, static_text, wait_for

from kgp_tui.screens.actions import ConfirmActionScreen, PausePanel
from kgp_tui.screens.creation import CreationScreen
from kgp_tui.screens.jobs import JobsScreen
from kgp_tui.widgets.conversation import ConversationPane
from kgp_tui.widgets.file_attach import FileAttach


@pytest.fixture
def usim():
    from kgp_tui.simulator import Simulator

    server = Simulator(api_key=TEST_KEY, port=0, step_seconds=0.05, surface="unified")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def posts(sim, tail: str) -> list[str]:
    return [p for m, p, _s in sim.request_log if m == "POST" and p.split("?")[0].endswith(tail)]


def sim_creation(sim, creation_id: str):
    return sim._store.creations[creation_id]


async def focus(pilot, selector: str) -> None:
    """Tab through the screen until ``selector`` has the focus."""
    app = pilot.app
    for _ in range(12):
        focused = app.screen.focused
        if focused is not None and focused.id == selector.lstrip("#"):
            return
        await pilot.press("tab")
    raise AssertionError(f"{selector} never took the focus")


async def video_created(pilot, sim, prompt: str, scenario: str | None = None, **params) -> str:
    app = pilot.app
    await connected_app_on_catalog(pilot)
    await open_type(pilot, "video")
    if scenario:
        sim.set_scenario(scenario, **params)
    await paste(pilot, prompt)
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: isinstance(app.screen, JobsScreen) and app.store.runs, what="jobs")
    return next(iter(app.store.runs.values())).creation_id


async def opened(pilot, creation_id: str, status: str) -> CreationScreen:
    app = pilot.app
    await wait_for(pilot, lambda: creation_id in app.store.creations
                   and app.store.creations[creation_id].status == status, timeout=15, what=status)
    await pilot.press("enter")
    return await wait_for(pilot, lambda: isinstance(app.screen, CreationScreen) and app.screen, what="detail")


async def test_a_video_with_an_attached_file_carries_its_id_and_is_watched_to_its_outputs(usim, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("Attention is a weighted sum.\n")
    app = make_app(usim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        form = await open_type(pilot, "video")
        attach = form.query_one("#create-attachments").query_one(FileAttach)
        await paste(pilot, "Explain attention with my notes")
        await focus(pilot, "#file-attach-path")
        await paste(pilot, str(notes))
        await pilot.press("enter")
        await wait_for(pilot, lambda: attach.paths, what="file listed")
        assert not posts(usim, "/files")  # listed, checked, not sent before the submit
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, JobsScreen) and app.store.runs, timeout=10,
                       what="submitted after the upload")
        assert len(posts(usim, "/files")) == 1
        tracked = next(iter(app.store.runs.values()))
        file_ids = sim_creation(usim, tracked.creation_id).params["input_file_ids"]
        assert len(file_ids) == 1 and file_ids[0].startswith("file")
        assert app.store.sent["video"].payload["input_file_ids"] == file_ids  # what the preview showed was sent
        detail = await opened(pilot, tracked.creation_id, "ready")
        await wait_for(pilot, lambda: app.store.creations[tracked.creation_id].results, timeout=10, what="outputs")
        await wait_for(pilot, lambda: detail.query_one("#artifacts").row_count
                       == len(app.store.creations[tracked.creation_id].results), what="outputs listed")
        assert "no outputs" not in screen_text(app)


async def test_the_preview_shows_the_uploaded_ids_and_a_refused_file_blocks_the_submit(usim, tmp_path):
    notes, binary = tmp_path / "notes.txt", tmp_path / "tool.exe"
    notes.write_text("Some notes.\n")
    binary.write_bytes(b"MZ" + b"\0" * 64)
    app = make_app(usim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        form = await open_type(pilot, "video")
        attach = form.query_one(FileAttach)
        await paste(pilot, "Explain attention")
        await focus(pilot, "#file-attach-path")
        await paste(pilot, str(binary))
        await pilot.press("enter")
        await wait_for(pilot, lambda: attach.paths and attach.problems, what="refused file listed")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "tool.exe" in static_text(app, "#form-result"), what="refusal said")
        assert "Not sent" in static_text(app, "#form-result")
        assert not posts(usim, "/creations") and not posts(usim, "/files")
        assert isinstance(app.screen, type(form))
        attach.remove_file(0)
        await wait_for(pilot, lambda: not attach.paths, what="removed")
        attach.add_path(notes)
        attach.upload(app.adapter)
        await wait_for(pilot, lambda: attach.file_ids, timeout=10, what="uploaded")
        await wait_for(pilot, lambda: attach.file_ids[0] in static_text(app, "#create-preview"), what="preview")
        assert '"input_file_ids"' in static_text(app, "#create-preview")


async def test_a_paused_creation_shows_its_panel_and_an_action_confirmed_by_keys_recovers_it(usim, tmp_path):
    app = make_app(usim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        creation_id = await video_created(pilot, usim, "Pauses over budget", "over_budget")
        detail = await opened(pilot, creation_id, "paused")
        panel = await wait_for(pilot, lambda: detail.query("#creation-pause PausePanel")
                               and detail.query_one(PausePanel), what="pause panel")
        await wait_for(pilot, lambda: detail.focused is panel, what="panel focused")
        assert "budget" in screen_text(app).lower()
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmActionScreen), what="confirm")
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is detail, what="back, nothing sent")
        assert not posts(usim, f"/creations/{creation_id}/actions")
        await pilot.press("a")
        confirm = await wait_for(pilot, lambda: isinstance(app.screen, ConfirmActionScreen) and app.screen,
                                 what="confirm again")
        await pilot.press("right")  # "Don't send" has the focus first: the yes button is one key away
        await wait_for(pilot, lambda: confirm.focused is not None and confirm.focused.id == "confirm-action-yes",
                       what="yes focused")
        await pilot.press("enter")
        await wait_for(pilot, lambda: posts(usim, f"/creations/{creation_id}/actions"), what="action sent")
        await wait_for(pilot, lambda: app.store.creations[creation_id].status == "ready", timeout=15,
                       what="recovered to ready")
        assert len(posts(usim, f"/creations/{creation_id}/actions")) == 1
        await wait_for(pilot, lambda: "ready" in static_text(app, "#creation-info").lower(), what="screen updated")
        assert not app.store.creations[creation_id].run.needs_user


async def test_a_message_on_a_ready_video_re_runs_it_and_the_new_delivery_shows(usim, tmp_path):
    app = make_app(usim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        creation_id = await video_created(pilot, usim, "Explain tides")
        detail = await opened(pilot, creation_id, "ready")
        pane = await wait_for(pilot, lambda: detail.query("#creation-conversation ConversationPane")
                              and detail.query_one(ConversationPane), what="conversation pane")
        await wait_for(pilot, lambda: app.store.creations[creation_id].results, timeout=10, what="outputs")
        first = [r.id for r in app.store.creations[creation_id].results]
        await focus(pilot, "#conversation-input")
        await paste(pilot, "Make the intro shorter")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: posts(usim, f"/creations/{creation_id}/messages"), what="message sent")
        await wait_for(pilot, lambda: pane.new_delivery, timeout=15, what="new delivery")
        await wait_for(pilot, lambda: "New delivery" in screen_text(app), what="new delivery said")
        await wait_for(pilot, lambda: [r.id for r in app.store.creations[creation_id].results] != first,
                       timeout=10, what="new outputs loaded")
        assert len(posts(usim, f"/creations/{creation_id}/messages")) == 1
        assert app.store.creations[creation_id].raw.get("delivery_version") == 2  # the second delivery

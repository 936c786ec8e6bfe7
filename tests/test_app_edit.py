"""Editing a finished creation from the creation screen, by keys, against the real simulator: the edit dialog, its
confirmation, the edit job in the jobs list, the refreshed creation with its changed scenes marked, and the edits
a creation does not offer (they cannot be triggered, and say why)."""

from __future__ import annotations

import json
import time

from support import TEST_KEY
from support.app import (
    burst,
    connected_app_on_catalog,
    make_app,
    open_type,
    paste,
    screen_text,
    static_text,
    wait_for,
)
from support.http import create_ready

from kgp_tui.screens.creation import MARK, CreationScreen, describe_creation
from kgp_tui.screens.edit import ConfirmEditScreen, SceneEditScreen
from kgp_tui.screens.jobs import JobsScreen

SIZE = (120, 40)
OMNI = {"type": "ai_video", "prompt": "A paper boat in the rain", "video_generation": {"model": "gemini-omni-flash"}}
VEO = {"type": "ai_video", "prompt": "A paper plane at dawn", "video_generation": {"model": "veo-3"}}


def edit_posts(sim) -> list:
    return [entry for entry in sim.request_log if entry[0] == "POST" and "/edit" in entry[1]]


def notes(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


def scene_rows(app) -> list[str]:
    table = app.screen.query_one("#scenes")
    return [" | ".join(str(getattr(c, "plain", c)) for c in table.get_row(key)) for key in table.rows]


async def open_finished_creation(pilot) -> CreationScreen:
    app = pilot.app
    await connected_app_on_catalog(pilot)
    await open_type(pilot, "slides_video")
    await paste(pilot, "Explain tides")
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: isinstance(app.screen, JobsScreen), what="jobs")
    await wait_for(pilot, lambda: "101" in app.store.creations and app.store.creations["101"].status == "ready",
                   timeout=15, what="ready")
    await pilot.press("enter")
    return await wait_for(pilot, lambda: isinstance(app.screen, CreationScreen) and app.screen, what="detail")


async def open_by_id(pilot, creation_id: int) -> CreationScreen:
    """Setup only: a creation made over HTTP is opened the way the palette's "Open #…" command does."""
    app = pilot.app
    await connected_app_on_catalog(pilot)
    app.open_creation(str(creation_id))
    return await wait_for(pilot, lambda: isinstance(app.screen, CreationScreen) and str(creation_id) in app.store.creations
                          and app.screen, what=f"creation #{creation_id}")


async def edit_job_done(pilot):
    app = pilot.app
    tracked = await wait_for(pilot, lambda: next((t for t in app.store.runs.values() if t.run.kind == "edit"), None),
                             what="edit job tracked")
    await wait_for(pilot, lambda: tracked.run.status == "succeeded", timeout=15, what="edit job succeeded")
    return tracked


async def test_update_narration_with_a_new_voice(sim, tmp_path):
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await open_finished_creation(pilot)
        before = app.store.creations["101"].scenes[1]
        await pilot.press("down", "e")  # scene 2
        modal = await wait_for(pilot, lambda: isinstance(app.screen, SceneEditScreen) and app.screen, what="modal")
        assert modal.query_one("#edit-text").text == before.narration
        assert modal.query_one("#edit-scene").value == before.id
        # an empty narration is refused next to the field before anything is sent
        await pilot.press("f7", "delete", "ctrl+s")  # f7: select all
        assert app.screen is modal and "required" in static_text(app, "#error-text")
        assert edit_posts(sim) == []
        await paste(pilot, "Tides follow the moon.")
        # only the creation's language's voices are offered, after "keep current voice"
        voice = modal.query_one("#edit-voice")
        language = app.store.creations["101"].raw.get("language")
        offered = [value for _label, value in voice._options][1:]
        voices = {v.id: v for p in app.store.offer.products for v in p.voices}
        assert offered and all(voices[v].language in (None, language) for v in offered)
        await pilot.press("shift+tab")
        assert app.screen.focused is voice
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("down", "down", "enter")  # keep → first voice → second voice
        await wait_for(pilot, lambda: voice.value == offered[1], what="second voice picked")
        await pilot.press("ctrl+s")
        confirm = await wait_for(pilot, lambda: isinstance(app.screen, ConfirmEditScreen) and app.screen,
                                 what="confirmation")
        body = json.loads(static_text(app, "#confirm-body"))
        assert body == {"action": "update_scene_narration", "scene_id": before.id,
                        "narration_text": "Tides follow the moon.", "voice_id": offered[1]}
        what = static_text(app, "#confirm-what")
        assert "update_scene_narration" in what and "scene 2" in what and "→" in what
        # Esc goes back to the form with nothing lost, and nothing was sent
        await pilot.press("escape")
        assert app.screen is modal and confirm.is_attached is False
        assert modal.query_one("#edit-text").text == "Tides follow the moon." and voice.value == offered[1]
        assert edit_posts(sim) == []
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmEditScreen), what="confirmation again")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CreationScreen), what="back on the detail")
        assert len(edit_posts(sim)) == 1
        tracked = await edit_job_done(pilot)
        assert tracked.creation_id == "101" and tracked.run.action == "update_scene_narration"
        assert tracked.label == "narration scene 2" and tracked.title == app.store.creations["101"].title
        await wait_for(pilot, lambda: "Tides follow the moon." in static_text(app, "#narration"), timeout=15,
                       what="new narration shown")
        scene = app.store.creations["101"].scenes[1]
        assert (scene.narration, scene.voice_id) == ("Tides follow the moon.", offered[1])
        await wait_for(pilot, lambda: MARK in scene_rows(app)[1], what="scene 2 marked")
        assert [MARK in row for row in scene_rows(app)] == [i == 1 for i in range(len(scene_rows(app)))]
        info = static_text(app, "#creation-info")
        assert "Changed while you watched" in info and "scene 2" in info and "narration" in info and "voice" in info
        # the jobs list (under this screen) names the edit
        await pilot.press("escape")
        await wait_for(pilot, lambda: "narration scene 2" in screen_text(app), what="edit job in the jobs list")


class OffsetClock:
    """Real time plus an offset the test can jump: the simulator works jobs out from it."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


async def test_a_narration_typed_with_ctrl_s_in_one_burst_is_reviewed_whole(sim, tmp_path):
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await open_finished_creation(pilot)
        await pilot.press("e")
        modal = await wait_for(pilot, lambda: isinstance(app.screen, SceneEditScreen) and app.screen, what="modal")
        await pilot.press("f7", "delete")  # f7: select all
        burst(app, [*"The moon pulls the sea.", "ctrl+s"])  # over SSH: the words and ctrl+s arrive together
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmEditScreen), what="confirmation")
        body = json.loads(static_text(app, "#confirm-body"))
        assert body["narration_text"] == "The moon pulls the sea."
        assert modal.query_one("#edit-text").text == "The moon pulls the sea."


async def test_regenerate_a_scene_marks_it_changed(tmp_path):
    from kgp_tui.simulator import Simulator

    clock = OffsetClock()
    with Simulator(api_key=TEST_KEY, port=0, step_seconds=0.05, clock=clock) as sim:
        await _regenerate_and_come_back(sim, clock, tmp_path)


async def _regenerate_and_come_back(sim, clock, tmp_path):
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await open_finished_creation(pilot)
        old = app.store.creations["101"].scenes[2]
        await pilot.press("down", "down", "g")
        modal = await wait_for(pilot, lambda: isinstance(app.screen, SceneEditScreen) and app.screen, what="modal")
        assert modal.query_one("#edit-scene").value == old.id and modal.query_one("#edit-text").text == ""
        await paste(pilot, "More contrast, please")
        sim.step_seconds = 600.0  # the edit job runs until the user is on the jobs list (a loaded machine is slow)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmEditScreen), what="confirmation")
        assert json.loads(static_text(app, "#confirm-body")) == {
            "action": "regenerate_scene", "scene_id": old.id, "prompt": "More contrast, please"}
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CreationScreen), what="dialog closed")
        # leave for the jobs list while it runs: the scene is still marked when the creation is opened again
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, JobsScreen), what="jobs list")
        clock.offset += 3600  # an hour later on the server: the edit is done
        tracked = await edit_job_done(pilot)
        assert tracked.label == "regenerate scene 3"
        await wait_for(pilot, lambda: app.store.creations["101"].scenes[2].image_url != old.image_url, what="reloaded")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CreationScreen), what="detail again")
        await wait_for(pilot, lambda: MARK in scene_rows(app)[2], timeout=15, what="scene 3 marked")
        new = app.store.creations["101"].scenes[2]
        assert new.image_url != old.image_url and new.narration == old.narration
        assert sum(MARK in row for row in scene_rows(app)) == 1
        assert "scene 3" in static_text(app, "#creation-info") and "media" in static_text(app, "#creation-info")
        # once seen, leaving the screen clears the marks
        await pilot.press("escape")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CreationScreen) and len(scene_rows(app)) == 6,
                       what="detail once more, with its scenes")
        assert not any(MARK in row for row in scene_rows(app))


async def test_picking_another_scene_in_the_dialog_keeps_each_draft(sim, tmp_path):
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await open_finished_creation(pilot)
        scenes = app.store.creations["101"].scenes
        await pilot.press("e")
        modal = await wait_for(pilot, lambda: isinstance(app.screen, SceneEditScreen) and app.screen, what="modal")
        await paste(pilot, " Extra words.")
        draft = modal.query_one("#edit-text").text
        await pilot.press("shift+tab", "shift+tab")
        assert app.screen.focused is modal.query_one("#edit-scene")
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: modal.query_one("#edit-text").text == scenes[1].narration,
                       what="scene 2's narration")
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("up", "enter")
        await wait_for(pilot, lambda: modal.query_one("#edit-text").text == draft, what="scene 1's draft back")
        await pilot.press("escape")
        assert isinstance(app.screen, CreationScreen) and edit_posts(sim) == []


async def test_edits_not_offered_cannot_be_triggered(sim, tmp_path):
    """A slides video offers no iterate: not in the footer, its key sends nothing and says why."""
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_finished_creation(pilot)
        bindings = {b.binding.action for b in screen.active_bindings.values()}
        assert "edit('update_scene_narration')" in bindings and "edit('iterate')" not in bindings
        await pilot.press("i")
        await pilot.pause()
        assert app.screen is screen and edit_posts(sim) == []
        assert any("does not allow iterate" in note for note in notes(app))
        # while an edit runs, editing again is refused: the running job is the reason
        sim.step_seconds = 5.0
        await pilot.press("g")
        await wait_for(pilot, lambda: isinstance(app.screen, SceneEditScreen), what="modal")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmEditScreen), what="confirmation")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CreationScreen)
                       and app.store.creations["101"].status == "processing", what="processing")
        await pilot.press("e")
        await pilot.pause()
        assert app.screen is screen and len(edit_posts(sim)) == 1
        assert any("a job of this creation is still running" in note for note in notes(app))
        assert not any("not ready yet" in note for note in notes(app))
        assert "edit('update_scene_narration')" not in {b.binding.action for b in screen.active_bindings.values()}


async def test_iterate_only_for_an_omni_flash_ai_video(sim, tmp_path):
    omni = create_ready(sim, OMNI)["creation_id"]
    veo = create_ready(sim, VEO)["creation_id"]
    # the client's own rule, not only the server's list: a veo-3 video that (wrongly) offers iterate
    sim._store.creations[veo].editable_actions.append("iterate")
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_by_id(pilot, veo)
        await wait_for(pilot, lambda: "iterate" in app.store.creations[str(veo)].edit_actions, what="veo detail")
        assert "edit('iterate')" not in {b.binding.action for b in screen.active_bindings.values()}
        await pilot.press("i")
        await pilot.pause()
        assert app.screen is screen and edit_posts(sim) == []
        assert any("only for ai_video made with gemini-omni-flash" in note for note in notes(app))
        await pilot.press("escape")
        screen = await open_by_id(pilot, omni)
        await wait_for(pilot, lambda: "edit('iterate')" in {b.binding.action for b in screen.active_bindings.values()},
                       what="iterate offered")
        old_main = app.store.creations[str(omni)].main_url
        await pilot.press("i")
        modal = await wait_for(pilot, lambda: isinstance(app.screen, SceneEditScreen) and app.screen, what="modal")
        assert not modal.query("#edit-scene")  # iterate takes no scene
        await pilot.press("ctrl+s")
        assert "required" in static_text(app, "#error-text") and edit_posts(sim) == []
        await paste(pilot, "Make it night")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmEditScreen), what="confirmation")
        assert json.loads(static_text(app, "#confirm-body")) == {"action": "iterate", "prompt": "Make it night"}
        await pilot.press("enter")
        tracked = await edit_job_done(pilot)
        assert tracked.label == "iterate"
        await wait_for(pilot, lambda: app.store.creations[str(omni)].main_url != old_main, timeout=15, what="new version")
        await wait_for(pilot, lambda: "main URL (a new version)" in static_text(app, "#creation-info"),
                       what="new version noted")


async def test_a_422_from_the_server_lands_in_the_dialog(sim, tmp_path):
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await open_finished_creation(pilot)
        # the server's creation moved on since the screen loaded it: its last scene is gone
        gone = sim._store.creations[101].result["scenes"].pop()
        count = len(app.store.creations["101"].scenes)
        await pilot.press(*["down"] * (count - 1), "e")
        modal = await wait_for(pilot, lambda: isinstance(app.screen, SceneEditScreen) and app.screen, what="modal")
        assert modal.query_one("#edit-scene").value == gone["scene_id"]
        await paste(pilot, " And one more thing.")
        text = modal.query_one("#edit-text").text
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmEditScreen), what="confirmation")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "no scene" in static_text(app, "#error-scene"), what="422 next to the scene")
        assert app.screen is modal and modal.query_one("#edit-text").text == text
        assert len(edit_posts(sim)) == 1 and not any(t.run.kind == "edit" for t in app.store.runs.values())
        assert "refused" in static_text(app, "#edit-status")
        # pick another scene and send again: accepted, the dialog closes
        await pilot.press("shift+tab", "shift+tab", "enter")
        await pilot.pause()
        await pilot.press("up", "enter")
        await wait_for(pilot, lambda: modal.query_one("#edit-scene").value != gone["scene_id"], what="other scene")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmEditScreen), what="confirmation")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CreationScreen), what="dialog closed")
        await edit_job_done(pilot)


def test_the_detail_shows_the_whole_title_wrapped():
    """A pure function: the info block keeps a 300-character title whole (sanitized), where tables truncate."""
    from kgp_tui.api.models import Creation

    title = "A very long title \x1b[31m" + "word " * 60 + "END"
    from kgp_tui.api.v1 import creation_from_v1

    creation = creation_from_v1(Creation(creation_id=7, status="ready", title=title, type="slides_video"))
    text = describe_creation(creation, None).plain
    assert "END" in text and "\x1b" not in text and "[31m" not in text and "word " * 60 in text


def test_who_may_edit_what():
    """Pure functions: the reasons the creation screen gives, and the local check before an iterate is sent."""
    from dataclasses import replace

    from kgp_tui.api.models import Creation
    from kgp_tui.api.payload import validate_edit
    from kgp_tui.api.v1 import creation_from_v1
    from kgp_tui.edits import edit_refusal

    scenes = [{"scene_id": "s1", "index": 1}]
    slides = creation_from_v1(Creation(creation_id=1, type="slides_video", status="ready", scenes=scenes,
                                       editable_actions=["update_scene_narration", "regenerate_scene"]))
    assert edit_refusal(slides, "regenerate_scene", can_create=True, busy=False) is None
    assert edit_refusal(slides, "regenerate_scene", can_create=False, busy=False) == "read-only key: it cannot edit"
    assert edit_refusal(slides, "regenerate_scene", can_create=True, busy=True).startswith("a job of this creation")
    assert edit_refusal(slides, "iterate", can_create=True, busy=False) == "this creation does not allow iterate"
    queued = replace(slides, status="queued")
    assert edit_refusal(queued, "update_scene_narration", can_create=True, busy=False) == "it is still being made (queued)"
    veo = Creation(creation_id=2, type="ai_video", status="ready", editable_actions=["iterate"],
                   video_generation={"model": "veo-3"})
    omni = veo.model_copy(update={"video_generation": {"model": "gemini-omni-flash"}})
    assert "gemini-omni-flash" in edit_refusal(creation_from_v1(veo), "iterate", can_create=True, busy=False)
    assert edit_refusal(creation_from_v1(omni), "iterate", can_create=True, busy=False) is None
    assert "veo-3" in validate_edit("iterate", veo, {"action": "iterate", "prompt": "again"})["action"]
    assert validate_edit("iterate", omni, {"action": "iterate", "prompt": "again"}) == {}


async def test_enter_on_back_in_the_confirmation_goes_back_and_sends_nothing(sim, tmp_path):
    """Enter presses the focused button: Tab to "Back to the form" then Enter must not send the edit."""
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await open_finished_creation(pilot)
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, SceneEditScreen), what="dialog")
        await paste(pilot, " And one more sentence.")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmEditScreen), what="confirmation")
        assert app.screen.focused.id == "confirm-send"
        await pilot.press("tab")
        assert app.screen.focused.id == "confirm-back"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, SceneEditScreen), what="back in the dialog")
        assert app.screen.query_one("#edit-text").text.endswith("And one more sentence.")
        assert edit_posts(sim) == []
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmEditScreen), what="confirmation again")
        await pilot.press("enter")  # on Send
        await wait_for(pilot, lambda: len(edit_posts(sim)) == 1, what="one POST")

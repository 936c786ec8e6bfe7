"""Editing a finished creation's scene from the creation screen: the edit job is polled, then the detail reloads."""

from __future__ import annotations

from conftest import TEST_KEY
from test_app_flows import connected_app_on_catalog, open_type, paste
from test_app_helpers import make_app, static_text, wait_for

from kgp_tui.screens.creation import CreationScreen
from kgp_tui.screens.edit import SceneEditScreen
from kgp_tui.screens.jobs import JobsScreen

SIZE = (120, 40)


async def open_finished_creation(pilot) -> CreationScreen:
    app = pilot.app
    await connected_app_on_catalog(pilot)
    await open_type(pilot, "slides_video")
    await paste(pilot, "Explain tides")
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: isinstance(app.screen, JobsScreen), what="jobs")
    await wait_for(pilot, lambda: 101 in app.store.creations and app.store.creations[101].status == "ready",
                   timeout=15, what="ready")
    await pilot.press("enter")
    return await wait_for(pilot, lambda: isinstance(app.screen, CreationScreen) and app.screen, what="detail")


async def test_edit_scene_narration_then_see_the_new_text(sim, tmp_path):
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await open_finished_creation(pilot)
        await pilot.press("down", "e")  # scene 2
        modal = await wait_for(pilot, lambda: isinstance(app.screen, SceneEditScreen) and app.screen, what="modal")
        assert modal.query_one("#edit-text").text == app.store.creations[101].scenes[1].narration_text
        # an empty narration is refused before anything is sent
        posts_before = sum(1 for entry in sim.request_log if entry[0] == "POST")
        await pilot.press("f7", "delete", "ctrl+s")
        assert app.screen is modal and "required" in static_text(app, "#edit-error")
        assert sum(1 for entry in sim.request_log if entry[0] == "POST") == posts_before
        await paste(pilot, "Tides follow the moon.")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, CreationScreen), what="back on the detail")
        await wait_for(pilot, lambda: len(app.store.jobs) == 2, what="edit job tracked")
        edit_job = max(app.store.jobs.values(), key=lambda t: t.job_id)
        assert edit_job.job.kind == "edit" and edit_job.creation_id == 101
        await wait_for(pilot, lambda: "Tides follow the moon." in static_text(app, "#narration"), timeout=15,
                       what="new narration shown")
        assert app.store.creations[101].scenes[1].narration_text == "Tides follow the moon."
        # esc cancels the modal without sending
        await pilot.press("g")
        await wait_for(pilot, lambda: isinstance(app.screen, SceneEditScreen), what="regenerate modal")
        await pilot.press("escape")
        assert isinstance(app.screen, CreationScreen) and len(app.store.jobs) == 2

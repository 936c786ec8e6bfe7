"""Pilot tests of the app under server faults: errors on screen, never a crash, never a double submit. What applies
to both surfaces runs on both (`surface_sim`, `clocked_surface`); the v1 catalog's own shapes stay v1."""

from __future__ import annotations

import pytest
from support import TEST_KEY
from support.app import (
    connected_app_on_catalog,
    make_app,
    open_type,
    paste,
    static_text,
    wait_for,
)

from kgp_tui.screens.create import CreateScreen
from kgp_tui.screens.jobs import JobsScreen

SIZE = (120, 40)
PRODUCT = {"v1": "slides_video", "unified": "video"}
DONE = {"v1": "succeeded", "unified": "ready"}
POLLED = {"v1": "/creations/jobs", "unified": "/creations"}  # where a run's polls go (GET)


@pytest.fixture(params=["v1", "unified"])
def clocked_surface(request):
    """A simulator on each surface whose time moves only when the test says: 1 s per step."""
    from support.clock import FakeClock

    from kgp_tui.simulator import Simulator

    clock = FakeClock()
    with Simulator(api_key=TEST_KEY, step_seconds=1.0, clock=clock, surface=request.param) as server:
        yield server, clock


async def test_polling_errors_show_reconnecting_then_recover(clocked_surface, tmp_path):
    sim, clock = clocked_surface  # the run stays running while the server misbehaves: its clock moves when told
    app = make_app(sim, tmp_path, key=TEST_KEY, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        await open_type(pilot, PRODUCT[sim.surface])
        await paste(pilot, "Keep polling")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, JobsScreen) and app.store.runs, what="jobs")
        sim.set_scenario("bad_gateway", method="GET", path=POLLED[sim.surface], times=3)
        status = await wait_for(
            pilot, lambda: "reconnecting, next try in" in static_text(app, "#status-bar") and static_text(app, "#status-bar"),
            what="reconnecting",
        )
        assert "HTTP 502" in status or "502" in status or "non-JSON" in status
        await wait_for(pilot, lambda: "reconnecting" not in static_text(app, "#status-bar"), timeout=10, what="recovery")
        assert not next(iter(app.store.runs.values())).run.is_terminal  # the fault really hit a running job
        clock.advance(100 * sim.step_seconds)  # past the job's last step
        await wait_for(pilot, lambda: next(iter(app.store.runs.values())).run.status == DONE[sim.surface],
                       timeout=15, what="job done after recovery")


async def test_no_credits_is_explained_on_the_form(surface_sim, tmp_path):
    sim = surface_sim
    app = make_app(sim, tmp_path, key=sim.no_credit_key)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        await open_type(pilot, "image")
        await paste(pilot, "A red fox")
        await pilot.press("ctrl+s")
        result = await wait_for(
            pilot, lambda: "credits" in static_text(app, "#form-result") and static_text(app, "#form-result"),
            what="credits message",
        )
        assert "top up" in result.lower()
        assert isinstance(app.screen, CreateScreen)  # still on the form, values kept
        assert app.screen.query_one("#field-prompt").text == "A red fox"
        assert not app.store.runs


async def test_dropped_create_reply_finds_the_creation_instead_of_resubmitting(surface_sim, tmp_path):
    sim = surface_sim
    sim.set_scenario("drop_after_create", times=1)
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        await open_type(pilot, PRODUCT[sim.surface])
        await paste(pilot, "Dropped on the way back")
        await pilot.press("ctrl+s")
        tracked = await wait_for(pilot, lambda: list(app.store.runs.values()), what="found creation tracked")
        assert [tracked[0].creation_id] == [str(i) for i in sim._store.creations]  # the one it made
        assert "it is in Jobs" in static_text(app, "#form-result")
        posts = [entry for entry in sim.request_log if entry[0] == "POST"]
        assert len(posts) == 1  # never submitted twice


async def test_server_field_errors_land_next_to_their_fields(sim, tmp_path):
    """The catalog changed on the server after the form was built: the real 422 lands next to its field."""
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        await open_type(pilot, "slides_video")
        await paste(pilot, "Explain attention")
        await pilot.click("#field-scene_count")
        await pilot.press("ctrl+a", "ctrl+k", "1", "5")  # fine by the catalog the form was built from
        sim.set_scenario("catalog_variants")  # now the server allows only 4, 6 or 8 scenes
        await pilot.press("ctrl+s")
        error = await wait_for(pilot, lambda: static_text(app, "#field-scene_count-error"), what="422 on the field")
        assert static_text(app, "#field-prompt-error") == ""
        assert error == "✖ must be one of: 4, 6, 8"  # the server's own words, next to the field
        assert "Fix the marked fields" in static_text(app, "#form-result")
        assert not app.store.runs  # nothing was created
        assert app.screen.query_one("#field-prompt").text == "Explain attention"  # nothing the user typed is lost
        posts = [entry for entry in sim.request_log if entry[0] == "POST"]
        assert [status for *_, status in posts] == [422]


async def test_tolerated_shapes_and_sparse_jobs_still_work(clocked, tmp_path):
    """Limits as lists of values, no voices, jobs without progress and with an undocumented status.

    The simulator's clock moves only when the test says, so each state is on screen before the job moves on.
    """
    sim, clock = clocked
    sim.set_scenario("catalog_variants")
    app = make_app(sim, tmp_path, key=TEST_KEY, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        screen = await open_type(pilot, "slides_video")
        spec = screen.specs["scene_count"]
        assert spec.kind == "select" and [v for _, v in spec.options] == [4, 6, 8]  # a list of values
        assert "scene_count" not in static_text(app, "#create-preview")  # no default given: left to the server
        assert not screen.specs["voice_id"].options  # the catalog lists no voices
        sim.set_scenario("sparse_fields")  # no reply carries progress_pct, the create reply neither
        await paste(pilot, "Sparse")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, JobsScreen), what="jobs")
        table = app.screen.query_one("#jobs-table")
        sparse = next(iter(app.store.runs))

        def shown(job_id: str, column: str) -> str:
            return table.get_cell(str(job_id), column).plain

        await wait_for(pilot, lambda: "?%" in shown(sparse, "progress"),
                       what="unknown progress")
        sim.set_scenario("unknown_status")  # the next job reports waiting_for_gpu during its first running step
        app.submit_create("slides_video", {"prompt": "Odd status"})  # as the form does
        odd = await wait_for(pilot, lambda: next((j for j in app.store.runs if j != sparse), None), what="2nd job")
        clock.advance(sim.step_seconds)  # the odd job's first running step
        await wait_for(pilot, lambda: app.store.runs[odd].run.status == "waiting_for_gpu", what="the odd status polled")
        # shown as-is, marked unknown; the 12-cell column cuts it after a word, the detail line says it whole
        await wait_for(pilot, lambda: shown(odd, "status") == "? waiting…", what="the undocumented status")
        assert odd in app.poller.active and sparse in app.poller.active  # an unknown status is no end: polls go on
        clock.advance(100 * sim.step_seconds)  # past both jobs' last step
        await wait_for(pilot, lambda: all(t.run.is_terminal for t in app.store.runs.values()), what="done")
        assert {t.run.status for t in app.store.runs.values()} == {"succeeded"}

"""The creation screen against the real simulator, by keys: why a creation failed, where F3/F6 lead, a title that
cannot push the rest off, scene ids, `o` without a graphical browser, and credits that follow what was spent."""

from __future__ import annotations

import threading
import webbrowser

from support import TEST_KEY
from support.app import (
    connected_app_on_catalog,
    make_app,
    open_from_history,
    open_type,
    paste,
    static_text,
    submit_prompt,
    wait_for,
)
from support.http import create, wait_job
from textual.geometry import Region

from kgp_tui.screens.catalog import CatalogScreen
from kgp_tui.screens.creation import CreationScreen
from kgp_tui.screens.edit import ConfirmEditScreen, SceneEditScreen
from kgp_tui.screens.history import HistoryScreen
from kgp_tui.screens.jobs import JobsScreen

SIZE = (120, 40)
BODY = {"type": "slides_video", "prompt": "Explain how tides work", "scene_count": 3}


def notes(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


def shown_lines(widget) -> list[str]:
    """The lines a widget really puts on screen (cut to its size), as plain text."""
    width, height = widget.size
    return ["".join(segment.text for segment in strip) for strip in widget.render_lines(Region(0, 0, width, height))]


def scene_rows(app) -> list[str]:
    table = app.screen.query_one("#scenes")
    return [" | ".join(str(getattr(c, "plain", c)) for c in table.get_row(key)) for key in table.rows]


def status_bar(app) -> str:
    return static_text(app, "#status-bar")


async def finished_from_jobs(pilot, prompt: str = "Explain tides") -> CreationScreen:
    """Catalog → form → submit → wait until ready → Enter on the jobs row: the creation screen."""
    app = pilot.app
    await connected_app_on_catalog(pilot)
    await open_type(pilot, "slides_video")
    await submit_prompt(pilot, prompt)
    tracked = max(app.store.runs.values(), key=lambda t: (t.first_seen, len(t.id), t.id))
    await wait_for(pilot, lambda: tracked.creation_id in app.store.creations
                   and app.store.creations[tracked.creation_id].status == "ready", timeout=15, what="ready")
    await pilot.press("enter")
    return await wait_for(pilot, lambda: isinstance(app.screen, CreationScreen) and app.screen, what="detail")


def failed_over_http(sim, scenario: str) -> int:
    sim.set_scenario(scenario)
    reply = create(sim, BODY)
    assert wait_job(sim, reply["job"]["job_id"])[-1]["status"] in ("failed", "cancelled")
    sim.set_scenario("default")
    return reply["creation_id"]


# -- item 8: a failed, cancelled or invalid creation says why ---------------------------------------------------


async def test_failed_creation_opened_from_history_says_why_and_not_that_it_is_coming(sim, tmp_path):
    creation_id = failed_over_http(sim, "job_failure")
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        await open_from_history(pilot, creation_id)
        await wait_for(pilot, lambda: "render_failed" in static_text(app, "#creation-info"), what="error code")
        info = static_text(app, "#creation-info")
        assert "Rendering failed at step 3" in info and "failed" in info
        assert "not ready yet" not in info and "yet" not in info
        scenes = " ".join(scene_rows(app))
        assert "no scenes yet" not in scenes and "failed" in scenes
        artifacts = " | ".join(str(c.plain) for key in app.screen.query_one("#artifacts").rows
                               for c in app.screen.query_one("#artifacts").get_row(key))
        assert "yet" not in artifacts
        assert not app.store.runs  # looking at a past failure puts nothing in the jobs monitor
        app.clear_notifications()
        await pilot.press("o", "y")
        await wait_for(pilot, lambda: len(notes(app)) == 2, what="two toasts")
        assert all("yet" not in note and "failed" in note for note in notes(app)), notes(app)


async def test_cancelled_creation_says_it_was_cancelled(sim, tmp_path):
    creation_id = failed_over_http(sim, "cancel")
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        await open_from_history(pilot, creation_id)
        await wait_for(pilot, lambda: "cancelled at step 2" in static_text(app, "#creation-info"), what="reason")
        info = static_text(app, "#creation-info")
        assert "cancelled" in info.split("\n")[1]  # on the status line, whatever the creation's own status says
        assert "yet" not in info


async def test_invalid_seeded_creation_shows_its_content_policy_error(sim, tmp_path):
    ids = sim.seed_creations(9)  # the ninth is refused by the content policy (kgp_tui.simulator.seeding)
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        await open_from_history(pilot, ids[8])
        await wait_for(pilot, lambda: "content_policy" in static_text(app, "#creation-info"), what="error code")
        info = static_text(app, "#creation-info")
        assert "invalid" in info and "flagged by the content policy" in info and "yet" not in info


async def test_without_an_error_on_the_creation_the_latest_job_says_why(sim, tmp_path):
    """A server that puts no `error` on the creation: the screen asks for its latest job (not tracked) once."""
    creation_id = failed_over_http(sim, "job_failure")
    with sim._store.lock:
        sim._store.creations[creation_id].error = None
    job_id = sim._store.creations[creation_id].latest_job_id
    asked_before = len(sim.request_log)  # the test's own polls above
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        await open_from_history(pilot, creation_id)
        await wait_for(pilot, lambda: "render_failed" in static_text(app, "#creation-info"), what="job's error")
        assert "Rendering failed at step 3" in static_text(app, "#creation-info")
        job_gets = [p for m, p, _ in sim.request_log[asked_before:] if m == "GET"
                    and p.endswith(f"/creations/jobs/{job_id}")]
        assert len(job_gets) == 1
        assert not app.store.runs and not any("failed" in n for n in notes(app))  # no "just failed" toast


async def test_a_job_failing_while_watched_shows_why_on_the_creation_screen(sim, tmp_path):
    sim.set_scenario("job_failure")
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        await open_type(pilot, "slides_video")
        await submit_prompt(pilot, "Explain tides")
        tracked = next(iter(app.store.runs.values()))
        await wait_for(pilot, lambda: tracked.run.status == "failed", timeout=15, what="failed")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CreationScreen), what="detail")
        await wait_for(pilot, lambda: "render_failed" in static_text(app, "#creation-info"), what="why")
        assert "yet" not in static_text(app, "#creation-info")


# -- item 10: a mode key shows that mode's list ---------------------------------------------------------------


async def test_f3_leads_to_the_jobs_list_not_the_creation_opened_from_it(sim, tmp_path):
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await finished_from_jobs(pilot)
        await pilot.press("f3")  # already in Jobs: back to its list
        await wait_for(pilot, lambda: isinstance(app.screen, JobsScreen), what="jobs list")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CreationScreen), what="detail again")
        await pilot.press("f2")
        await wait_for(pilot, lambda: isinstance(app.screen, CatalogScreen), what="catalog")
        await pilot.press("f3")
        await wait_for(pilot, lambda: isinstance(app.screen, JobsScreen), what="jobs list after F2")
        assert len(app.screen_stack) == 1


async def test_f6_leads_to_the_history_list_not_the_creation_opened_from_it(sim, tmp_path):
    ids = sim.seed_creations(5)
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        await open_from_history(pilot, ids[-1])
        await pilot.press("f3")
        await wait_for(pilot, lambda: isinstance(app.screen, JobsScreen), what="jobs")
        await pilot.press("f6")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen), what="history list")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CreationScreen), what="detail again")
        await pilot.press("f6")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen), what="history list again")


async def test_after_a_submit_the_user_lands_on_the_jobs_list_not_a_stale_creation(sim, tmp_path):
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await finished_from_jobs(pilot, "Explain tides")
        await pilot.press("f2")
        await wait_for(pilot, lambda: isinstance(app.screen, CatalogScreen), what="catalog")
        await open_type(pilot, "slides_video")
        await pilot.press("ctrl+a", "ctrl+k")
        await submit_prompt(pilot, "Explain the moon")  # waits for the jobs list itself
        assert len(app.screen_stack) == 1


# -- item 13: a long title is capped -----------------------------------------------------------------------


async def test_a_long_title_leaves_status_type_and_url_on_screen(sim, tmp_path):
    reply = create(sim, BODY)
    wait_job(sim, reply["job"]["job_id"])
    with sim._store.lock:
        sim._store.creations[reply["creation_id"]].title = "A very long title about the tides " * 200
    for size in ((80, 24), (120, 40)):
        app = make_app(sim, tmp_path, key=TEST_KEY)
        async with app.run_test(size=size) as pilot:
            await connected_app_on_catalog(pilot)
            await open_from_history(pilot, reply["creation_id"])
            info = app.screen.query_one("#creation-info")
            await wait_for(pilot, lambda info=info: "Main URL" in "\n".join(shown_lines(info)), what=f"URL at {size}")
            lines = shown_lines(info)
            title_lines = [line for line in lines if "long title" in line]
            assert 1 <= len(title_lines) <= 3 and "…" in title_lines[-1]
            assert any("Status" in line and "Type" in line and "slides_video" in line for line in lines)
            assert any("http://127.0.0.1:" in line for line in lines)  # the simulator's media host


# -- item 15: scene ids ---------------------------------------------------------------------------------------


async def test_scenes_show_the_server_scene_id(sim, tmp_path):
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await finished_from_jobs(pilot)
        creation = app.store.creations[screen.creation_id]
        rows = scene_rows(app)
        assert len(rows) == len(creation.scenes) == 6
        for row, scene in zip(rows, creation.scenes):
            assert scene.id in row
        await pilot.press("down")
        assert creation.scenes[1].id in static_text(app, "#narration")


# -- item 4: `o` never blocks, and without a graphical browser it copies -----------------------------------


async def test_o_without_a_graphical_browser_copies_the_url_and_says_so_once(sim, tmp_path, monkeypatch):
    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: opened.append(url) or True)
    monkeypatch.setattr(webbrowser, "get", lambda *a: opened.append("get") or None)
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "BROWSER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("sys.platform", "linux")
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        screen = await finished_from_jobs(pilot)
        url = app.store.creations[screen.creation_id].main_url
        app.clear_notifications()
        await pilot.press("o")
        await wait_for(pilot, lambda: app.clipboard == url, what="URL copied")
        await wait_for(pilot, lambda: notes(app), what="a toast")
        assert opened == []
        assert len(notes(app)) == 1 and "browser" in notes(app)[0] and "copied" in notes(app)[0].lower()


async def test_o_hands_the_url_to_the_browser_off_the_event_loop(sim, tmp_path, monkeypatch):
    """A browser that does not return (a console one waits for its user) must not freeze the app."""
    release = threading.Event()
    calls: list[tuple[str, int]] = []

    def slow_open(url, *args, **kwargs):
        calls.append((url, threading.get_ident()))
        release.wait(5)
        return True

    class Firefox:  # what webbrowser.get() hands back; nothing real is ever started
        name = "firefox"
        open = staticmethod(slow_open)

    monkeypatch.setattr(webbrowser, "open", slow_open)
    monkeypatch.setattr(webbrowser, "get", lambda *a: Firefox())
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.delenv("BROWSER", raising=False)
    monkeypatch.setattr("sys.platform", "linux")
    app = make_app(sim, tmp_path, key=TEST_KEY)
    loop_thread = threading.get_ident()
    try:
        async with app.run_test(size=SIZE) as pilot:
            screen = await finished_from_jobs(pilot)
            creation = app.store.creations[screen.creation_id]
            await pilot.press("o")
            await wait_for(pilot, lambda: calls, what="browser called")
            assert calls[0][0] == creation.main_url and calls[0][1] != loop_thread
            await pilot.press("shift+tab", "y")  # the app still answers keys while the browser runs
            assert app.clipboard == creation.results[0].url
            assert any("Opening the main URL" in n for n in notes(app))
            release.set()
    finally:
        release.set()


# -- item 14: credits follow what was spent --------------------------------------------------------------


def set_balance(sim, balance: int) -> None:
    """The server charged: the simulator never spends credits itself."""
    with sim._store.lock:
        sim._store.accounts[TEST_KEY].balance = balance


async def test_credits_refresh_after_a_submit_is_retried_when_me_fails(clocked, tmp_path):
    sim, clock = clocked  # the job never moves: only the refresh after the POST can show the new balance
    app = make_app(sim, tmp_path, key=TEST_KEY, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        assert "1,200 credits" in status_bar(app)
        await open_type(pilot, "slides_video")
        set_balance(sim, 1150)
        sim.set_scenario("server_error", path="/me", times=2)
        await submit_prompt(pilot, "Explain tides")
        await wait_for(pilot, lambda: "1,150 credits" in status_bar(app), timeout=15, what="new balance")
        assert app.store.runs["5001"].run.status == "queued"


async def test_credits_refresh_when_a_create_job_and_an_edit_job_end(clocked, tmp_path):
    sim, clock = clocked
    app = make_app(sim, tmp_path, key=TEST_KEY, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        await open_type(pilot, "slides_video")
        me = app.store.session.account
        await submit_prompt(pilot, "Explain tides")
        await wait_for(pilot, lambda: app.store.session.account is not me, what="refresh after the POST")
        set_balance(sim, 1100)
        clock.advance(600)
        await wait_for(pilot, lambda: app.store.runs["5001"].run.status == "succeeded", timeout=15, what="done")
        await wait_for(pilot, lambda: "1,100 credits" in status_bar(app), timeout=15, what="after the create")
        await wait_for(pilot, lambda: "101" in app.store.creations and app.store.creations["101"].scenes, what="detail")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CreationScreen), what="creation")
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, SceneEditScreen), what="edit dialog")
        await pilot.press("f7", "delete")
        await paste(pilot, "The moon pulls the sea.")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmEditScreen), what="confirmation")
        me = app.store.session.account
        await pilot.press("enter")
        edit = await wait_for(pilot, lambda: next((t for t in app.store.runs.values() if t.run.kind == "edit"), None),
                              what="edit job")
        await wait_for(pilot, lambda: app.store.session.account is not me, what="refresh after the edit POST")
        set_balance(sim, 1000)
        clock.advance(600)
        await wait_for(pilot, lambda: edit.run.status == "succeeded", timeout=15, what="edit done")
        await wait_for(pilot, lambda: "1,000 credits" in status_bar(app), timeout=15, what="after the edit")


async def test_a_creation_that_ends_while_its_screen_is_open_is_announced_without_pointing_to_its_row(tmp_path):
    from support.clock import FakeClock

    from kgp_tui.simulator import Simulator

    clock = FakeClock()  # the job moves only when the test says, so its screen is open before it ends
    with Simulator(api_key=TEST_KEY, step_seconds=1.0, clock=clock) as sim:
        app = make_app(sim, tmp_path, key=TEST_KEY)
        async with app.run_test(size=SIZE) as pilot:
            await connected_app_on_catalog(pilot)
            await open_type(pilot, "slides_video")
            await submit_prompt(pilot, "Explain tides")
            await wait_for(pilot, lambda: isinstance(app.screen, JobsScreen) and app.store.runs, what="jobs")
            await pilot.press("enter")
            screen = await wait_for(pilot, lambda: isinstance(app.screen, CreationScreen) and app.screen,
                                    what="the running creation's screen")
            app.clear_notifications()
            tracked = next(iter(app.store.runs.values()))
            clock.advance(600.0)  # the job is done at its next poll
            said = await wait_for(pilot, lambda: [n for n in notes(app) if "succeeded" in n],
                                  what="the end announced")
            assert app.screen is screen and screen.creation_id == tracked.creation_id
            assert all("Enter on its row" not in note for note in said), said
            await pilot.press("escape")  # back on the jobs screen, a later end points to the row again
            app.clear_notifications()
            product = app.store.offer.product("slides_video")
            app.submit_create(product.type, {**product.defaults(), "prompt": "Second"})
            await wait_for(pilot, lambda: len(app.store.runs) == 2, what="the second run")
            clock.advance(600.0)
            said = await wait_for(pilot, lambda: [n for n in notes(app) if "succeeded" in n],
                                  what="the second end announced")
            assert not isinstance(app.screen, CreationScreen)
            assert all("Enter on its row shows scenes and artifacts" in note for note in said), said

"""Restart and resume: the app driven by keys against the real simulator, quit, started again on the same data dir."""

from __future__ import annotations

from support import TEST_KEY
from support.app import (
    cell,
    connected_app_on_catalog,
    make_app,
    open_type,
    palette_run,
    paste,
    submit_prompt,
    wait_for,
)

from kgp_tui import messages
from kgp_tui.persist import LocalStore, key_digest, profile_id
from kgp_tui.screens.jobs import JobsScreen
from kgp_tui.simulator import Simulator

SIZE = (120, 40)


class SimClock:
    """The simulator's wall clock, moved by the test: a job advances only when the test says so."""

    def __init__(self) -> None:
        import time

        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def slow_sim(clock: SimClock, port: int = 0) -> Simulator:
    return Simulator(api_key=TEST_KEY, port=port, step_seconds=10.0, clock=clock).start()


def record_notifications(app) -> list[str]:
    said: list[str] = []
    original = app.notify

    def notify(message, *args, **kwargs):
        said.append(str(message))
        return original(message, *args, **kwargs)

    app.notify = notify
    return said


def saved(sim) -> LocalStore:
    return LocalStore.open()  # the same platformdirs data dir the app uses (the test's own, see conftest)


def profile_of(sim) -> str:
    return profile_id(sim.base_url, key_digest(TEST_KEY))


async def start_job(pilot, prompt: str) -> str:
    """Catalog → slides_video form → type the prompt → ctrl+s; returns the new job's id."""
    app = pilot.app
    await connected_app_on_catalog(pilot)
    known = set(app.store.runs)
    await open_type(pilot, "slides_video")
    await submit_prompt(pilot, prompt)
    return await wait_for(pilot, lambda: next(iter(set(app.store.runs) - known), None), what="new job")


async def test_running_job_is_shown_from_disk_then_resumes_and_notifies_once(tmp_path, isolated_dirs):
    clock = SimClock()
    sim = slow_sim(clock)
    try:
        app = make_app(sim, tmp_path, key=TEST_KEY)
        async with app.run_test(size=SIZE) as pilot:
            job_id = await start_job(pilot, "Volcanoes for kids")
            clock.advance(25)  # a few steps in, far from done
            await wait_for(pilot, lambda: (app.store.runs[job_id].run.progress_pct or 0) > 0, what="progress")
            progress = app.store.runs[job_id].run.progress_pct
            step = app.store.runs[job_id].run.step
            await pilot.press("ctrl+q")  # quit while the job runs

        row = {j["job_id"]: j for j in saved(sim).load(profile_of(sim)).jobs}[job_id]
        assert row["status"] == "running" and row["progress"] == progress and row["title"] == "Volcanoes for kids"

        app2 = make_app(sim, tmp_path, key=TEST_KEY)
        said = record_notifications(app2)
        known_before_first_poll: list[str] = []

        def hook(message):
            if isinstance(message, messages.RunUpdated) and message.run.id == job_id and not known_before_first_poll:
                tracked = app2.store.runs.get(job_id)
                known_before_first_poll.append(tracked.run.status if tracked else "missing")

        async with app2.run_test(size=SIZE, message_hook=hook) as pilot:
            await connected_app_on_catalog(pilot)  # connecting ends on the catalog; then the jobs monitor
            await pilot.press("f3")
            screen = await wait_for(pilot, lambda: isinstance(app2.screen, JobsScreen) and app2.screen, what="jobs")
            table = screen.query_one("#jobs-table")
            await wait_for(pilot, lambda: table.row_count == 1, what="restored row")
            assert "Volcanoes for kids" in cell(table, "creation")
            assert job_id in app2.poller.active  # polling resumed
            clock.advance(1000)  # the job finishes on the server
            await wait_for(pilot, lambda: "succeeded" in cell(table, "status"), timeout=10, what="succeeded")
            await pilot.pause(0.3)
            assert known_before_first_poll == ["running"]  # the row came from disk before any poll answered
            assert step  # the step we last saw was kept too
            done = [m for m in said if "succeeded" in m]
            assert len(done) == 1 and f"#{app2.store.runs[job_id].creation_id}" in done[0]
            assert job_id not in app2.poller.active
    finally:
        sim.stop()


async def test_job_that_finished_while_closed_is_announced_once_and_old_ones_not_again(tmp_path, isolated_dirs):
    clock = SimClock()
    sim = slow_sim(clock)
    try:
        app = make_app(sim, tmp_path, key=TEST_KEY)
        async with app.run_test(size=SIZE) as pilot:
            early = await start_job(pilot, "Finished early")
            clock.advance(1000)
            await wait_for(pilot, lambda: app.store.runs[early].run.status == "succeeded", what="early done")
            await pilot.press("f2")
            late = await start_job(pilot, "Finishes while closed")
            await pilot.pause(0.3)
            assert app.store.runs[late].run.status in ("queued", "running")
            await pilot.press("ctrl+q")

        clock.advance(1000)  # the laptop lid is closed: the second job ends meanwhile
        app2 = make_app(sim, tmp_path, key=TEST_KEY)
        said = record_notifications(app2)
        async with app2.run_test(size=SIZE) as pilot:
            await connected_app_on_catalog(pilot)
            await pilot.press("f3")
            await wait_for(pilot, lambda: len(app2.store.runs) == 2, what="both restored")
            assert early not in app2.poller.active  # already finished: shown as it was, not polled
            await wait_for(pilot, lambda: app2.store.runs[late].run.status == "succeeded", what="late done")
            await pilot.pause(0.5)
            table = app2.screen.query_one("#jobs-table")
            assert [cell(table, "status", r) for r in range(2)] == ["✔ succeeded"] * 2 or all(
                "succeeded" in cell(table, "status", r) for r in range(2))
            done = [m for m in said if "succeeded" in m]
            late_cid = app2.store.runs[late].creation_id
            assert len(done) == 1 and f"#{late_cid} " in done[0]  # once, and only for the one that changed

        app3 = make_app(sim, tmp_path, key=TEST_KEY)  # a third start announces nothing at all
        said = record_notifications(app3)
        async with app3.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: len(app3.store.runs) == 2, what="restored again")
            await pilot.pause(0.5)
            assert not [m for m in said if "succeeded" in m] and not app3.poller.active
    finally:
        sim.stop()


async def test_form_draft_survives_a_crash(sim, tmp_path, isolated_dirs):
    app = make_app(sim, tmp_path, key=TEST_KEY)
    draft = "A draft about tides, typed and never sent"
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        screen = await open_type(pilot, "slides_video")
        await paste(pilot, draft)
        assert screen.query_one("#field-prompt").text == draft
        # saved while the app still runs (debounced): a kill -9 from here on keeps it
        await wait_for(pilot, lambda: saved(sim).load(profile_of(sim)).drafts.get("slides_video", {}).get("prompt")
                       == draft, what="draft on disk")
        app.persistence.close = lambda: None  # as if killed: no flush on the way out

    app2 = make_app(sim, tmp_path, key=TEST_KEY)
    async with app2.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        screen = await open_type(pilot, "slides_video")
        assert screen.query_one("#field-prompt").text == draft
        assert draft in screen.query_one("#create-preview").render().plain


async def test_job_the_server_forgot_is_marked_gone_once_and_not_polled_again(tmp_path, isolated_dirs):
    clock = SimClock()
    sim = slow_sim(clock)
    port = sim.port
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        job_id = await start_job(pilot, "Lost in a server reset")
        await pilot.press("ctrl+q")
    sim.stop()

    fresh = slow_sim(clock, port=port)  # same URL, but a server that never heard of the job
    try:
        app2 = make_app(fresh, tmp_path, key=TEST_KEY)
        said = record_notifications(app2)
        async with app2.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: job_id in app2.store.runs, what="restored")
            await wait_for(pilot, lambda: app2.store.runs[job_id].run.status == "failed", what="marked gone")
            await pilot.pause(0.6)
            gone = [m for m in said if "no longer knows" in m]
            assert len(gone) == 1 and str(job_id) in gone[0]
            assert job_id not in app2.poller.active
            polls = [p for (_, p, _) in fresh.request_log if p.endswith(f"/jobs/{job_id}")]
            assert len(polls) == 1
            assert app2.store.runs[job_id].run.error.code == "gone"
        row = {j["job_id"]: j for j in saved(fresh).load(profile_of(fresh)).jobs}[job_id]
        assert row["status"] == "failed" and row["error"]["code"] == "gone"  # the next start will not poll it
    finally:
        fresh.stop()


async def test_demo_runs_do_not_see_each_others_jobs(tmp_path, isolated_dirs):
    from support.app import make_config

    from kgp_tui.app import KGPApp

    clock = SimClock()
    first = slow_sim(clock)
    try:
        app = KGPApp(config=make_config(tmp_path), simulator=first)
        async with app.run_test(size=SIZE) as pilot:
            await start_job(pilot, "Demo job")
            await pilot.press("ctrl+q")
        assert any(p.startswith("demo|") for p in saved(first).profiles())
    finally:
        first.stop()
    second = slow_sim(clock)
    try:
        app2 = KGPApp(config=make_config(tmp_path), simulator=second)
        async with app2.run_test(size=SIZE) as pilot:
            await connected_app_on_catalog(pilot)
            await pilot.pause(0.5)
            assert app2.store.runs == {}
            assert app2.persistence.profile.startswith("demo|") and str(second.port) in app2.persistence.profile
        assert not any(str(first.port) in p for p in saved(second).profiles())  # the old run's rows are gone
    finally:
        second.stop()


async def test_recently_viewed_creation_is_offered_in_the_palette_after_restart(sim, tmp_path, isolated_dirs):
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        job_id = await start_job(pilot, "Coral reefs")
        await wait_for(pilot, lambda: app.store.runs[job_id].run.status == "succeeded", what="done")
        await pilot.press("enter")  # open the creation from the jobs table
        cid = app.store.runs[job_id].creation_id
        await wait_for(pilot, lambda: app.persistence.recent and app.persistence.recent[0][0] == cid, what="recent")

    app2 = make_app(sim, tmp_path, key=TEST_KEY)
    async with app2.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        await wait_for(pilot, lambda: app2.persistence.recent, what="recent restored")
        titles = [c.title for c in app2.get_system_commands(app2.screen)]
        assert any(t.startswith(f"Recent #{cid} ") for t in titles), titles
        await palette_run(pilot, f"Recent #{cid}", f"Recent #{cid} ")
        from kgp_tui.screens.creation import CreationScreen

        await wait_for(pilot, lambda: isinstance(app2.screen, CreationScreen) and app2.screen.creation_id == cid,
                       what="creation opened from the palette")


async def test_jobs_from_disk_while_connecting_and_the_user_stays_where_they_went(tmp_path, isolated_dirs):
    """F3 pressed while /me is still on its way: the jobs are there from disk, and connecting does not yank the
    user back to the catalog."""
    clock = SimClock()
    sim = slow_sim(clock)
    try:
        app = make_app(sim, tmp_path, key=TEST_KEY)
        async with app.run_test(size=SIZE) as pilot:
            job_id = await start_job(pilot, "Rainbows")
            await pilot.press("ctrl+q")

        sim.set_scenario("slow", delay=1.0, times=1, path="/me")
        app2 = make_app(sim, tmp_path, key=TEST_KEY)
        async with app2.run_test(size=SIZE) as pilot:
            await pilot.press("f3")
            screen = await wait_for(pilot, lambda: isinstance(app2.screen, JobsScreen) and app2.screen, what="jobs")
            table = screen.query_one("#jobs-table")
            await wait_for(pilot, lambda: table.row_count == 1, what="the job from disk")
            assert app2.adapter is None  # still connecting: the row came from the state file
            await wait_for(pilot, lambda: app2.adapter is not None and app2.store.offer is not None, what="connected")
            await pilot.pause(0.2)
            assert app2.screen is screen and job_id in app2.store.runs
    finally:
        sim.stop()


async def test_many_jobs_at_once_are_written_in_batches_and_all_come_back(tmp_path, isolated_dirs):
    """2,000 jobs tracked at once held the loop a third of a second in one write: now each write is bounded, and
    every job still reaches the file (and the next start) without waiting for the quit."""
    from kgp_tui.api.domain import Run
    from kgp_tui.resume import FLUSH_BATCH

    jobs = 2 * FLUSH_BATCH + 50
    clock = SimClock()
    sim = slow_sim(clock)
    try:
        ids = [str(j) for j in sim.seed_jobs(jobs)]
        app = make_app(sim, tmp_path, key=TEST_KEY)
        async with app.run_test(size=SIZE) as pilot:
            await connected_app_on_catalog(pilot)
            await wait_for(pilot, lambda: app.persistence.db is not None, what="the state file open")
            batches: list[int] = []
            save = app.persistence.db.save

            def counted(profile, **rows):
                batches.append(sum(len(v) for v in rows.values()))
                return save(profile, **rows)

            app.persistence.db.save = counted
            for job_id in ids:
                app.load_run(Run(surface="v1", id=job_id, creation_id=None))
            await wait_for(pilot, lambda: set(ids) <= {j["job_id"] for j in saved(sim).load(profile_of(sim)).jobs},
                           what="every job in the state file while the app runs")
            assert max(batches) <= FLUSH_BATCH and len(batches) >= 3
            await pilot.press("ctrl+q")

        again = make_app(sim, tmp_path, key=TEST_KEY)
        async with again.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: set(ids) <= set(again.store.runs), what="every job back at the next start")
    finally:
        sim.stop()

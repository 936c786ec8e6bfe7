"""The jobs table with many jobs: a poll reply updates its own row in place, rows off screen are brought up to date
when they scroll into view, and the table is never rebuilt (the cursor stays where the user put it)."""

from __future__ import annotations

from support import TEST_KEY
from support.app import FakeClock, make_config, wait_for

from kgp_tui.api.domain import Run
from kgp_tui.screens.jobs import JobsScreen

SIZE = (100, 30)
JOBS = 60  # twice a screenful


def shown(table, job_id: int, column: str) -> str:
    return table.get_cell(str(job_id), column).plain


async def test_rows_update_in_place_and_off_screen_rows_catch_up_when_scrolled_to(tmp_path):
    from kgp_tui.app import KGPApp
    from kgp_tui.config import Connection
    from kgp_tui.simulator import Simulator

    clock = FakeClock()
    with Simulator(api_key=TEST_KEY, port=0, step_seconds=600.0, clock=clock) as sim:
        ids = sim.seed_jobs(JOBS)
        # a budget for all 60 at once: this test is about the rows, and the default 10/s would take 6 s a round
        app = KGPApp(config=make_config(tmp_path, poll_interval=0.1, requests_per_second=2.0 * JOBS),
                     connection=Connection(sim.base_url, TEST_KEY, "t"), clock=clock)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: app.adapter is not None and app.store.offer is not None, what="connected")
            for job_id in ids:
                app.load_run(Run(surface="v1", id=str(job_id), creation_id=None))
            await pilot.press("f3")
            screen = await wait_for(pilot, lambda: isinstance(app.screen, JobsScreen) and app.screen, what="jobs")
            table = screen.query_one("#jobs-table")
            await wait_for(pilot, lambda: table.row_count == JOBS, what="every job listed")
            await pilot.press("down", "down")
            assert table.cursor_row == 2
            first, last = ids[0], ids[-1]
            assert "succeeded" not in shown(table, first, "status")

            clock.advance(24 * 3600)  # every job is done now, on the server
            await wait_for(pilot, lambda: all(t.run.is_terminal for t in app.store.runs.values()), what="all polled")
            await wait_for(pilot, lambda: "succeeded" in shown(table, first, "status"), what="visible row updated")
            assert table.cursor_row == 2  # updated in place: the cursor did not move
            assert table.row_count == JOBS
            assert "succeeded" not in shown(table, last, "status")  # off screen: not redrawn yet

            await pilot.press("ctrl+end")  # to the last row, as a user would
            await wait_for(pilot, lambda: "succeeded" in shown(table, last, "status"), what="row caught up")
            assert "100%" in shown(table, last, "progress")


async def test_connecting_another_server_clears_the_old_servers_rows(tmp_path):
    """F4 to a different server (another profile): its jobs are not mixed with the old server's rows."""
    from support.app import connected_app_on_catalog, type_into

    from kgp_tui.app import KGPApp
    from kgp_tui.config import Connection
    from kgp_tui.simulator import Simulator

    with Simulator(api_key=TEST_KEY, port=0, step_seconds=600.0) as first, \
            Simulator(api_key=TEST_KEY, port=0, step_seconds=600.0) as second:
        ids = first.seed_jobs(3)
        app = KGPApp(config=make_config(tmp_path, poll_interval=0.1), connection=Connection(first.base_url, TEST_KEY, "t"))
        async with app.run_test(size=SIZE) as pilot:
            await connected_app_on_catalog(pilot)
            for job_id in ids:
                app.load_run(Run(surface="v1", id=str(job_id), creation_id=None))
            await pilot.press("f3")
            table = app.screen.query_one("#jobs-table")
            await wait_for(pilot, lambda: table.row_count == 3, what="the first server's jobs")
            await pilot.press("f4")
            await wait_for(pilot, lambda: app.screen.query("#base-url"), what="the connect form")
            await type_into(pilot, "#base-url", second.base_url)
            await type_into(pilot, "#api-key", TEST_KEY)
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: app.store.session and app.store.session.base_url == second.base_url,
                           what="connected to the second server")
            await pilot.press("f3")
            await wait_for(pilot, lambda: table.row_count == 0, what="old rows gone")
            assert app.screen.query_one("#jobs-empty").display

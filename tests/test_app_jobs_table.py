"""The jobs table with many jobs: a poll reply updates its own row in place, rows off screen are brought up to date
when they scroll into view, and the table is never rebuilt (the cursor stays where the user put it)."""

from __future__ import annotations

from conftest import TEST_KEY
from test_app_helpers import FakeClock, make_config, wait_for

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
        app = KGPApp(config=make_config(tmp_path, poll_interval=0.1),
                     connection=Connection(sim.base_url, TEST_KEY, "t"), clock=clock)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: app.client is not None and app.store.catalog is not None, what="connected")
            for job_id in ids:
                app.load_job(job_id)
            await pilot.press("f3")
            screen = await wait_for(pilot, lambda: isinstance(app.screen, JobsScreen) and app.screen, what="jobs")
            table = screen.query_one("#jobs-table")
            await wait_for(pilot, lambda: table.row_count == JOBS, what="every job listed")
            await pilot.press("down", "down")
            assert table.cursor_row == 2
            first, last = ids[0], ids[-1]
            assert "succeeded" not in shown(table, first, "status")

            clock.advance(24 * 3600)  # every job is done now, on the server
            await wait_for(pilot, lambda: all(t.job.is_terminal for t in app.store.jobs.values()), what="all polled")
            await wait_for(pilot, lambda: "succeeded" in shown(table, first, "status"), what="visible row updated")
            assert table.cursor_row == 2  # updated in place: the cursor did not move
            assert table.row_count == JOBS
            assert "succeeded" not in shown(table, last, "status")  # off screen: not redrawn yet

            await pilot.press("ctrl+end")  # to the last row, as a user would
            await wait_for(pilot, lambda: "succeeded" in shown(table, last, "status"), what="row caught up")
            assert "100%" in shown(table, last, "progress")

"""Errors never show internals (issue 11 item 18): a network worker with no connection says "not connected", and
any worker's unexpected exception becomes one titled, sanitised message and a log line, never raw Python text."""

from __future__ import annotations

import logging

from support import TEST_KEY
from support.app import connected_app_on_catalog, make_app, open_type, submit_prompt, wait_for
from support.clock import FakeClock

from kgp_tui.screens.jobs import JobsScreen
from kgp_tui.simulator import Simulator

SIZE = (120, 40)
INTERNALS = ("NoneType", "attribute", "Traceback", "Error(", "object has no")


def toasts(app) -> list[str]:
    """The notifications on screen now: heading and text, as the user reads them."""
    from textual.widgets._toast import Toast

    shown = []
    for toast in app.screen.query(Toast):
        content = toast.render()
        shown.append(str(getattr(content, "plain", content)))
    return shown


async def test_restart_while_the_server_is_down_then_open_the_restored_job(tmp_path, isolated_dirs):
    clock = FakeClock()
    sim = Simulator(api_key=TEST_KEY, port=0, step_seconds=60.0, clock=clock).start()
    try:
        app = make_app(sim, tmp_path, key=TEST_KEY, clock=clock)
        async with app.run_test(size=SIZE) as pilot:
            await connected_app_on_catalog(pilot)
            await open_type(pilot, "slides_video")
            await submit_prompt(pilot, "Tides and the moon")
            job_id = await wait_for(pilot, lambda: next(iter(app.store.runs), None), what="the job")
            creation_id = app.store.runs[job_id].creation_id
            await pilot.press("ctrl+q")
    finally:
        sim.stop()  # the server is down from here on

    app2 = make_app(sim, tmp_path, key=TEST_KEY, clock=clock)
    async with app2.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for(pilot, lambda: app2.connect_note[0] == "error", timeout=15, what="connect failed")
        await pilot.press("f3")
        screen = await wait_for(pilot, lambda: isinstance(app2.screen, JobsScreen) and app2.screen, what="jobs")
        table = screen.query_one("#jobs-table")
        await wait_for(pilot, lambda: table.row_count == 1, what="the job restored from disk")
        assert app2.adapter is None
        await pilot.press("enter")  # open the restored job's creation
        said = await wait_for(pilot, lambda: [t for t in toasts(app2) if f"#{creation_id}" in t], what="the toast")
        assert any("Not connected" in t and "F4" in t for t in said), said
        for text in toasts(app2):
            for internal in INTERNALS:
                assert internal not in text, text
        await pilot.press("f5")  # refresh with no connection: said, not raised
        await pilot.pause(0.2)
        assert all(w.state.name != "ERROR" for w in app2.workers), list(app2.workers)


async def test_a_submit_without_a_connection_is_refused_plainly(sim, tmp_path):
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        await open_type(pilot, "image")
        app.adapter = None  # the connection went away between the form opening and ctrl+s
        app.submit_create("image", {"type": "image", "prompt": "A fox"})
        await wait_for(pilot, lambda: "image" in app.store.form_results, what="the form's result")
        severity, text, _ = app.store.form_results["image"]
        assert severity == "error" and "Not connected" in text and "may have reached" not in text
        assert not [p for (_, p, _) in sim.request_log if p.rstrip("/").endswith("/creations")]


class Recorder(logging.Handler):
    """Records kgp-tui's own log lines (its logger may not propagate to pytest's caplog, as in the app)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


async def test_an_unexpected_worker_failure_is_a_titled_message_and_a_log_line(sim, tmp_path):
    app = make_app(sim, tmp_path, key=TEST_KEY)
    recorder = Recorder()
    logger = logging.getLogger("kgp_tui.failures")

    async def broken() -> None:
        raise AttributeError("'NoneType' object has no attribute 'creation' \x1b[31m[red]")

    logger.addHandler(recorder)
    try:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await connected_app_on_catalog(pilot)
            app.run_worker(broken(), group="creation", name="load_creation", exit_on_error=False)
            said = await wait_for(pilot, lambda: [t for t in toasts(app) if "failed" in t], what="the toast")
            assert app.is_running  # the app did not exit
    finally:
        logger.removeHandler(recorder)
    assert any(t.startswith("Loading a creation failed") for t in said), said
    assert any("unexpected error inside kgp-tui" in t for t in said), said
    for text in said:
        for internal in (*INTERNALS, "\x1b", "[red]"):
            assert internal not in text, text
    records = [r for r in recorder.records if r.exc_info]
    assert records and "Loading a creation" in records[0].getMessage()
    assert records[0].exc_info[0] is AttributeError  # the details are in the log, where they belong

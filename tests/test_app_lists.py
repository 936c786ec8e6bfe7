"""The Jobs and History lists on screen, driven by keys against the real simulator (issue 11 items 11 and 12).

The app and the simulator each get a FakeClock: time moves only when the test says, so what the time columns
show is exact. Two clocks where the server must stand still while the user waits (a stalled job).
"""

from __future__ import annotations

from support import TEST_KEY
from support.app import cell, connected_app_on_catalog, make_app, open_type, submit_prompt, wait_for
from support.clock import FakeClock

from kgp_tui.api.domain import Run
from kgp_tui.format import UNTITLED, cell_width
from kgp_tui.screens.history import HistoryScreen
from kgp_tui.simulator import Simulator

SIZE = (120, 40)


async def start_job(pilot, prompt: str = "Tides and the moon"):
    app = pilot.app
    await connected_app_on_catalog(pilot)
    await open_type(pilot, "slides_video")
    await submit_prompt(pilot, prompt)
    table = app.screen.query_one("#jobs-table")
    await wait_for(pilot, lambda: table.row_count == 1, what="the job's row")
    return app.screen, table


async def test_elapsed_never_goes_backwards_when_the_job_ends(tmp_path):
    clock = FakeClock()
    with Simulator(api_key=TEST_KEY, port=0, step_seconds=1.0, clock=clock) as sim:
        app = make_app(sim, tmp_path, key=TEST_KEY, clock=clock)
        async with app.run_test(size=SIZE) as pilot:
            _, table = await start_job(pilot)
            job_id = next(iter(app.store.runs))
            clock.advance(2)
            await wait_for(pilot, lambda: cell(table, "elapsed") == "2s", what="2 s running")
            sim.set_scenario("slow", delay=1.5, path="/creations/jobs", times=1)  # the next reply is late
            clock.advance(100)  # the job ends on the server after a few seconds; the reply saying so comes late
            shown = []

            def watch():
                shown.append(cell(table, "elapsed"))
                return app.store.runs[job_id].run.is_terminal and "succeeded" in cell(table, "status")

            await wait_for(pilot, watch, timeout=15, what="succeeded")
            await pilot.pause(1.2)  # a clock tick after the end: the figure stays
            shown.append(cell(table, "elapsed"))
            finished = app.store.runs[job_id].run
            assert finished.finished_at is not None  # the server's own duration is a few seconds: not shown here
            seconds = [_seconds(s) for s in shown if s != "—"]
            assert seconds == sorted(seconds), shown  # never backwards
            assert shown[-1] == "1m 42s"  # stopped where the running count stood when the end was seen
            clock.advance(60)
            await pilot.pause(1.2)
            assert cell(table, "elapsed") == "1m 42s"  # and frozen there


def _seconds(text: str) -> int:
    total = 0
    for part in text.split():
        value, unit = int(part[:-1]), part[-1]
        total += value * {"s": 1, "m": 60, "h": 3600}[unit]
    return total


async def test_left_says_stalled_instead_of_growing_while_progress_stands_still(tmp_path):
    server_clock, app_clock = FakeClock(), FakeClock()
    with Simulator(api_key=TEST_KEY, port=0, step_seconds=10.0, clock=server_clock) as sim:
        app = make_app(sim, tmp_path, key=TEST_KEY, clock=app_clock)
        async with app.run_test(size=SIZE) as pilot:
            _, table = await start_job(pilot)
            job_id = next(iter(app.store.runs))
            server_clock.advance(12)  # one step in
            app_clock.advance(12)
            await wait_for(pilot, lambda: (app.store.runs[job_id].run.progress_pct or 0) > 0, what="progress")
            await wait_for(pilot, lambda: cell(table, "eta") not in ("—", ""), what="an estimate")
            lefts = [cell(table, "eta")]
            while lefts[-1] != "stalled" and len(lefts) < 12:  # the server stands still; the user waits 10 s a time
                app_clock.advance(10)
                before = lefts[-1]
                lefts.append(await wait_for(pilot, lambda before=before: cell(table, "eta") != before and cell(table, "eta"),
                                            what=f"Left after {before}"))
            assert lefts[-1] == "stalled" and len(lefts) <= 8, lefts  # within a minute of standing still
            numbers = [_seconds(v) for v in lefts if v not in ("stalled", "—")]
            assert numbers == sorted(numbers, reverse=True), lefts  # counts down, never grows
            assert "stalled" in app.screen.query_one("#job-detail").render().plain


async def test_a_gone_job_shows_gone_and_its_elapsed_is_frozen(tmp_path, isolated_dirs):
    clock = FakeClock()
    sim = Simulator(api_key=TEST_KEY, port=0, step_seconds=60.0, clock=clock).start()
    port = sim.port
    try:
        app = make_app(sim, tmp_path, key=TEST_KEY, clock=clock)
        async with app.run_test(size=SIZE) as pilot:
            await start_job(pilot)
            clock.advance(5)
            await pilot.press("ctrl+q")
    finally:
        sim.stop()
    with Simulator(api_key=TEST_KEY, port=port, step_seconds=60.0, clock=clock) as fresh:  # it never heard of it
        app2 = make_app(fresh, tmp_path, key=TEST_KEY, clock=clock)
        async with app2.run_test(size=SIZE) as pilot:
            await connected_app_on_catalog(pilot)
            await pilot.press("f3")
            table = app2.screen.query_one("#jobs-table")
            await wait_for(pilot, lambda: table.row_count == 1 and "gone" in cell(table, "status"), timeout=10,
                           what="marked gone")
            assert "failed" not in cell(table, "status")
            frozen = cell(table, "elapsed")
            clock.advance(600)
            await pilot.pause(1.2)  # a clock tick
            assert cell(table, "elapsed") == frozen and cell(table, "eta") == "—"


async def test_type_and_unknown_status_are_not_cut_mid_word_at_120_columns(tmp_path):
    clock = FakeClock()
    with Simulator(api_key=TEST_KEY, port=0, step_seconds=5.0, clock=clock) as sim:
        sim.set_scenario("unknown_status")  # "waiting_for_gpu" during the first running step
        app = make_app(sim, tmp_path, key=TEST_KEY, clock=clock)
        async with app.run_test(size=SIZE) as pilot:
            await connected_app_on_catalog(pilot)
            await open_type(pilot, "interactive_lesson")
            await submit_prompt(pilot, "Fractions with pizza")
            table = app.screen.query_one("#jobs-table")
            widths = {str(key.value): column.width for key, column in table.columns.items()}
            assert cell(table, "type") == "interactive_lesson" and widths["type"] >= cell_width("interactive_lesson")
            clock.advance(6)
            status = await wait_for(pilot, lambda: "waiting" in cell(table, "status") and cell(table, "status"),
                                    what="the undocumented status")
            assert status in ("? waiting_for_gpu", "? waiting…"), status  # whole, or cut after a word
            assert cell_width(status) <= widths["status"]
            clock.advance(3700)
            await pilot.pause(1.2)
            assert cell(table, "updated").endswith(" ago") and cell_width(cell(table, "updated")) <= widths["updated"]


async def test_history_shows_untitled_and_wide_titles_measured_in_cells(sim, tmp_path):
    ids = sim.seed_creations(3)
    cjk = "漢字のタイトルです日本語"  # twelve characters: 24 cells
    store = sim._store  # the simulator's own state: a server whose titles are empty, missing or wide
    store.creations[ids[0]].title = ""
    store.creations[ids[1]].title = None
    store.creations[ids[2]].title = cjk  # (a lone surrogate cannot be sent by the simulator: a unit test has it)
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        await pilot.press("f6")
        screen = await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen) and app.screen, what="history")
        history = screen.query_one("#history-table")
        await wait_for(pilot, lambda: history.row_count == 3, what="rows")
        lines = {}
        for y in range(1, 4):
            strip = history.render_line(y)
            text = "".join(segment.text for segment in strip)
            lines[y] = text
            assert strip.cell_length == history.scrollable_content_region.width  # no row wider than the list
        by_id = {int(row.creation_id): row for row in history.rows}  # the simulator's v1 ids are numbers
        assert by_id[ids[0]].title == UNTITLED and by_id[ids[1]].title == UNTITLED
        assert sum(UNTITLED in line for line in lines.values()) == 2, lines
        wide = next(line for line in lines.values() if "漢字" in line)
        assert cjk in wide and "…" not in wide  # whole: 24 cells fit the title column


async def test_the_palette_and_the_notification_name_an_untitled_creation_untitled(tmp_path):
    clock = FakeClock()
    with Simulator(api_key=TEST_KEY, port=0, step_seconds=5.0, clock=clock) as sim:
        (job_id,) = sim.seed_jobs(1)
        creation_id = sim._store.jobs[job_id].creation_id
        sim._store.creations[creation_id].title = ""  # a server that sends an empty title
        app = make_app(sim, tmp_path, key=TEST_KEY, clock=clock)
        said: list[tuple[str, str]] = []
        notify = app.notify

        def record(message, *args, **kwargs):
            said.append((kwargs.get("title", ""), str(message)))
            return notify(message, *args, **kwargs)

        app.notify = record
        async with app.run_test(size=SIZE) as pilot:
            await connected_app_on_catalog(pilot)
            app.load_run(Run(surface="v1", id=str(job_id), creation_id=None))
            await wait_for(pilot, lambda: str(job_id) in app.store.runs, what="the job")
            titles = [str(command.title) for command in app.get_system_commands(app.screen)]
            assert f"Open #{creation_id} {UNTITLED}" in titles, titles
            clock.advance(3600)  # it finishes: the notification is headed by its title
            await wait_for(pilot, lambda: any("succeeded" in text for _, text in said), what="announced")
            assert any(title == UNTITLED and "succeeded" in text for title, text in said), said

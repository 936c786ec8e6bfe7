"""Hostile server text and bad user input.

Server strings with Rich markup, escape sequences (CSI, OSC 52), control characters, huge titles, emoji and
right-to-left text go through every formatter (hypothesis) and every widget that shows server text (the simulator's
`hostile_text` scenario, over real HTTP): shown literally, nothing escapes to the terminal, tables truncate.
Bad user input gets a clear message at the right place, sends nothing and loses nothing.
"""

from __future__ import annotations

import html
import re
import unicodedata

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import TEST_KEY
from support.app import (
    connected_app_on_catalog,
    make_app,
    open_type,
    palette_hits,
    paste,
    screen_text,
    static_text,
    wait_for,
)

from kgp_tui import format as fmt
from kgp_tui.api import text as api_text
from kgp_tui.api.errors import KGPError, ServerError, clean_text
from kgp_tui.simulator.scenarios import HOSTILE, LONG_TAIL

SIZE = (120, 40)
BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
FRAGMENTS = [
    "[bold]", "[/bold]", "[@click=app.quit]", "[/]", "[link=https://evil.example]x[/link]", "\x1b[2J", "\x1b[31m",
    "\x1b]52;c;aGk=\x07", "\x1b]8;;https://evil.example\x1b\\", "\x1bP1$r\x1b\\", "\x9b2J", "\x9d0;title\x9c",
    "\x00", "\x07", "\x08", "\x7f", "\r", "\n", "\t", "\u202e", "\u2066", "שלום", "مرحبا", "😀", "👩\u200d👧",
    "e\u0301", "\ufeff", "x" * 300,
]
hostile_text = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=20)), max_size=12).map("".join)
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_safe(value: str, *, single_line: bool = False) -> None:
    """No escape, no control character (newline and tab only where lines are allowed), no bidi control."""
    assert isinstance(value, str)
    allowed = "" if single_line else "\n\t"
    bad = [c for c in value if c not in allowed and (unicodedata.category(c) == "Cc" or c in BIDI)]
    assert not bad, (value, bad)


# -- every formatter ---------------------------------------------------------------------------------------------


@FAST
@given(hostile_text, st.integers(min_value=0, max_value=200), st.booleans())
def test_sanitize_strips_everything_dangerous_and_respects_the_bound(text, limit, single_line):
    for sanitize in (fmt.sanitize, api_text.sanitize):
        out = sanitize(text, max_len=limit, single_line=single_line)
        assert_safe(out, single_line=single_line)
        assert len(out) <= limit
        assert sanitize(out, single_line=single_line) == out or len(out) == limit  # idempotent (bar the cut)
    assert "[bold]" in fmt.sanitize("[bold]" + text)  # markup is data: kept literally


@FAST
@given(hostile_text, st.integers(min_value=-5, max_value=100))
def test_truncate_never_exceeds_the_bound(text, limit):
    out = fmt.truncate(text, limit)
    assert len(out) <= max(0, limit)
    assert out == text or out.endswith(fmt.ELLIPSIS) or limit <= 0


values = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), hostile_text,
                   st.lists(st.integers(), max_size=2))


@FAST
@given(values, values)
def test_number_and_time_formatters_never_raise(a, b):
    for out in (fmt.human_size(a), fmt.human_duration(a), fmt.progress_bar(a), fmt.progress_bar(a, width=3)):
        assert_safe(out, single_line=True) and len(out) < 40
    remaining = fmt.estimate_remaining(a if isinstance(a, (int, float)) else None, b)
    assert remaining is None or remaining >= 0
    fmt.parse_time(a)
    fmt.seconds_between(a, b)


@FAST
@given(hostile_text)
def test_markup_literal_shows_exactly_the_sanitised_text(text):
    from textual.content import Content

    assert Content.from_markup(fmt.markup_literal(text)).plain == fmt.sanitize(text, single_line=True)


@FAST
@given(hostile_text)
def test_status_host_and_url_formatters_are_safe_and_bounded(text):
    label = fmt.status_label(text)
    assert_safe(label, single_line=True) and len(label) <= 22
    host = fmt.host_of(f"https://user:pw@{text}/openapi/v1")
    assert_safe(host, single_line=True) and len(host) <= 40 and "pw@" not in host
    api_text.url_host(text)  # never raises


@FAST
@given(hostile_text, hostile_text, st.sampled_from([None, 401, 403, 404, 500]))
def test_error_formatters_are_one_safe_line_without_the_key(message, hint, status):
    error = KGPError(message + TEST_KEY + hint, status=status)
    assert_safe(fmt.error_text(error), single_line=True)
    described = fmt.describe_connect_error(error, "https://h/" + message, "kgp_test_5be1…")
    assert_safe(described)  # lines are allowed: head, server text, hint
    cleaned = clean_text(message + TEST_KEY + message, TEST_KEY, limit=120)
    assert_safe(cleaned, single_line=True) and len(cleaned) <= 120 and TEST_KEY not in cleaned
    assert TEST_KEY not in ServerError(clean_text(message + TEST_KEY, TEST_KEY), status=500).message


@settings(max_examples=40, deadline=None)
@given(hostile_text, hostile_text, st.one_of(st.none(), st.floats(-10, 200)))
def test_widget_cell_builders_render_server_text_literally(title, step, pct):
    """The jobs table and catalog detail build rich Text from server values: nothing escapes, cells are bounded."""
    from kgp_tui.api.domain import Pause, Run
    from kgp_tui.api.models import Catalog, ContentType
    from kgp_tui.api.v1 import product_from_type
    from kgp_tui.screens.catalog import describe_type
    from kgp_tui.screens.jobs import job_cells
    from kgp_tui.store import TrackedRun

    for surface in ("v1", "unified"):
        run = Run(surface=surface, id="1", creation_id="2", status=step or "running", progress_pct=pct, step=step,
                  pause=Pause(step, title) if surface == "unified" else None)
        cells = job_cells(TrackedRun(run=run, title=title, type_name=step), now=1_795_000_000.0)
        for name, cell in cells.items():
            assert_safe(cell.plain, single_line=True)
            assert len(cell.plain) <= 100, name
    ct = ContentType.model_validate({"type": "x", "display_name": title, "description": step, "fields": ["prompt"]})
    assert_safe(describe_type(product_from_type(ct, Catalog())).plain)


# -- every widget, over real HTTP ----------------------------------------------------------------------------------


def rendered_text(app) -> str:
    """What the terminal shows right now (every layer: screens, toasts, palette), from Textual's own export."""
    svg = app.export_screenshot()
    return "".join(html.unescape(part) for part in re.findall(r"<text[^>]*>(.*?)</text>", svg, re.S))


def assert_screen_safe(app, where: str) -> str:
    shown = rendered_text(app) + "\n" + screen_text(app)
    assert "\x1b" not in shown and "\x07" not in shown and "\x9b" not in shown, where
    assert "\u202e" not in shown, where
    assert_safe(shown)
    return shown


async def test_hostile_server_text_in_every_widget(sim, tmp_path):
    sim.step_seconds = 0.05
    sim.set_scenario("hostile_text")
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)  # notification "Connected as <hostile display_name>"
        shown = assert_screen_safe(app, "catalog")
        assert "[bold]B[/bold]" in shown and "[@click=app.quit]Q[/]" in shown  # literal, not markup
        assert "שלום" in shown and "😀" in shown
        notes = [n.message for n in app._notifications]
        assert any("[bold]B[/bold]" in n for n in notes) and all("\x1b" not in n for n in notes)

        await pilot.press("ctrl+p")  # the command palette lists every type by its (hostile) label
        await paste(pilot, "New")
        await wait_for(pilot, lambda: any("[bold]B[/bold]" in hit for hit in palette_hits(app)), what="the hits")
        shown = assert_screen_safe(app, "command palette")
        assert "[bold]B[/bold]" in shown
        await pilot.press("escape")

        screen = await open_type(pilot, "slides_video")
        assert "[bold]B[/bold]" in static_text(app, "#create-title")
        assert_screen_safe(app, "create form")
        await pilot.click("#field-voice_id")  # voice names from the catalog, in the open list
        await wait_for(pilot, lambda: app.screen.query_one("#field-voice_id").expanded, what="the open voice list")
        await pilot.pause()
        assert "[bold]B[/bold]" in assert_screen_safe(app, "voice list")  # option labels are Text, not markup
        await pilot.press("escape")
        screen.query_one("#field-prompt").focus()
        await paste(pilot, "Hostile everywhere")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "101" in app.store.creations, timeout=15, what="creation loaded")
        tracked = app.store.runs[next(iter(app.store.runs))]
        assert len(tracked.title) > 5000  # the store keeps the whole title ...
        table = app.screen.query_one("#jobs-table")
        row = table.get_row_at(0)
        assert all(len(cell.plain) <= 100 for cell in row)  # ... the table truncates it
        assert row[0].plain.endswith("…")
        assert_screen_safe(app, "jobs")

        await pilot.press("enter")
        from kgp_tui.screens.creation import CreationScreen

        await wait_for(pilot, lambda: isinstance(app.screen, CreationScreen) and app.screen.query("#scenes"),
                       what="creation screen")
        await pilot.pause(0.2)
        shown = assert_screen_safe(app, "creation")
        info = static_text(app, "#creation-info")
        assert "[bold]B[/bold]" in info and "long" * 20 in info  # the detail shows (much more of) the title
        assert "[@click=app.quit]Q[/]" in shown
        narration = static_text(app, "#narration")  # the first scene's narration, selected on open
        assert "[bold]B[/bold]" in narration and "שלום" in narration
        await pilot.press("e")  # the narration editor starts from the (sanitised) server text
        await wait_for(pilot, lambda: app.screen.query("#edit-text"), what="narration editor")
        edited = app.screen.query_one("#edit-text").text
        assert "[bold]B[/bold]" in edited and "\x1b" not in edited and "\x07" not in edited
        assert_screen_safe(app, "narration editor")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, CreationScreen), what="back on the creation")
        await pilot.click("#creation-info")
        assert app.is_running  # the embedded @click did nothing

        from kgp_tui import messages as msg

        app.post_message(msg.PollHealth(False, 10**9, HOSTILE + LONG_TAIL))  # a failure reason in the status bar
        await wait_for(pilot, lambda: "reconnecting" in static_text(app, "#status-bar"), what="status bar")
        bar = static_text(app, "#status-bar")
        assert "[bold]B" in bar and len(bar) < 400
        assert_screen_safe(app, "status bar")


async def test_hostile_text_in_a_failed_job_notification(sim, tmp_path):
    """Job errors are server text too: the failure toast shows them literally."""
    sim.step_seconds = 0.05
    sim.set_scenario("job_failure", fail_at_step=2, error_code="\x1b[2J[bold]boom")
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        await open_type(pilot, "image")
        await paste(pilot, "Fail please")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: any("failed" in n.message for n in app._notifications), timeout=10,
                       what="failure toast")
        assert_screen_safe(app, "failure toast")


def test_hostile_text_scenario_keeps_ids_and_marks_text():
    from kgp_tui.simulator.scenarios import with_hostile_text

    reply = {"creation_id": 5, "type": "image", "title": "T", "scenes": [{"scene_id": "sc_5_1", "narration_text": "n"}]}
    out = with_hostile_text(reply)
    assert out["creation_id"] == 5 and out["type"] == "image" and out["scenes"][0]["scene_id"] == "sc_5_1"
    assert out["title"].startswith("T [bold]") and len(out["title"]) > 5000
    assert HOSTILE in out["scenes"][0]["narration_text"] and LONG_TAIL not in out["scenes"][0]["narration_text"]


# -- unknown shapes from the server never crash a screen ------------------------------------------------------------


async def test_extra_fields_and_unknown_shapes_never_crash_a_screen(sim, tmp_path):
    sim.step_seconds = 0.05
    sim.set_scenario("extra_fields")
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        await open_type(pilot, "slides_video")
        await paste(pilot, "Extra fields everywhere")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "101" in app.store.creations, timeout=15, what="creation loaded")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "#101" in static_text(app, "#creation-info"), what="detail")
        sim.set_scenario("sparse_fields", list_shape="bare")
        await pilot.press("escape", "f2", "f3")
        sim.set_scenario("unknown_status")
        await pilot.press("f2")
        screen = await open_type(pilot, "image")
        await paste(pilot, "Odd status")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: len(app.store.runs) == 2 and all(
            t.run.is_terminal for t in app.store.runs.values()), timeout=15, what="both done")
        assert screen is not None and app.is_running
        assert "Traceback" not in screen_text(app)


# -- bad user input: a clear message at the right place, nothing sent, nothing lost ---------------------------------


async def test_bad_form_input_is_refused_next_to_its_field_and_kept(sim, tmp_path):
    from kgp_tui.widgets.form_fields import PROMPT_MAX

    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        screen = await open_type(pilot, "slides_video")
        before = sim.request_count

        await pilot.press("ctrl+s")  # empty required prompt
        assert "required" in static_text(app, "#field-prompt-error")
        assert screen.focused is screen.query_one("#field-prompt")

        long_prompt = "p" * (PROMPT_MAX + 5)
        await paste(pilot, long_prompt)
        await wait_for(pilot, lambda: "-over" in screen.query_one("#field-prompt-count").classes,
                       what="the count turns red (redrawn per frame, not per key)")
        await pilot.press("ctrl+s")
        assert static_text(app, "#field-prompt-error").startswith("✖")
        assert screen.query_one("#field-prompt").text == long_prompt  # nothing lost

        await pilot.press("ctrl+a", "ctrl+k")  # home, delete to the end of the (one) line
        await paste(pilot, "A fine prompt")
        await pilot.click("#field-scene_count")
        await pilot.press("ctrl+a", "ctrl+k", "9", "9")  # the catalog allows 1..20
        await pilot.press("ctrl+s")
        error = static_text(app, "#field-scene_count-error")
        assert error.startswith("✖") and "20" in error
        assert static_text(app, "#field-prompt-error") == ""
        assert screen.query_one("#field-scene_count").value == "99"
        assert sim.request_count == before  # nothing was sent for any of it
        assert not app.store.runs


async def test_malformed_base_url_keeps_what_was_typed(sim, tmp_path):
    from support.app import type_into

    app = make_app(sim, tmp_path, key=None, connect=False)
    async with app.run_test(size=SIZE) as pilot:
        before = sim.request_count
        await type_into(pilot, "#api-key", TEST_KEY)
        await type_into(pilot, "#base-url", "ht!tp:/nowhere")
        await pilot.press("enter")
        assert "Base URL" in static_text(app, "#connect-note")
        assert app.screen.query_one("#base-url").value == "ht!tp:/nowhere"
        assert app.screen.query_one("#api-key").value == TEST_KEY
        assert sim.request_count == before


def test_broken_config_file_is_one_clear_line(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "config.toml"
    path.write_text('[profiles.work]\nbase_url = "https://api.kpainter.ai/openapi/v1"\napi_key = \n')
    done = subprocess.run([sys.executable, "-m", "kgp_tui", "--config", str(path)], capture_output=True, text=True,
                          timeout=30)
    assert done.returncode == 2
    assert str(path) in done.stderr and ":3:" in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) <= 2
    assert path.read_text().endswith("api_key = \n")  # the file is left as the user wrote it

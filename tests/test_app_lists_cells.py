"""The cells of the Jobs and History lists, as pure functions (issue 11 items 11 and 12): one "(untitled)"
placeholder, text measured and cut in terminal cells, and time columns that never contradict themselves."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kgp_tui.api.models import CreationSummary as V1Summary
from kgp_tui.api.models import Job, JobError
from kgp_tui.api.v1 import creation_from_v1, run_from_job
from kgp_tui.format import UNTITLED, ago, cell_width, sanitize, title_text, truncate
from kgp_tui.screens.history_list import cell_texts, fit, row_of
from kgp_tui.screens.jobs import STALLED, columns_for, job_cells, job_elapsed, time_left
from kgp_tui.store import TrackedRun

NOW = 1_795_000_000.0


def CreationSummary(**fields):  # noqa: N802 - reads as the v1 model it wraps
    """A v1 list item as the app holds it: a domain Creation."""
    return creation_from_v1(V1Summary(**fields))


def TrackedJob(job, **fields) -> TrackedRun:  # noqa: N802 - reads as the tracked v1 job it now is
    return TrackedRun(run=run_from_job(job), **fields)
CJK = "漢字のタイトルです日本語中"[:12]  # twelve characters, each two cells wide


def iso(epoch: float) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(epoch, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- one placeholder ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("title", [None, "", "   ", "\x1b[2J", "\t\n", "\u202e"])
def test_a_missing_or_blank_title_is_the_one_placeholder_everywhere(title):
    assert title_text(title) == UNTITLED
    row = row_of(CreationSummary(creation_id=7, type="image", status="ready", title=title))
    assert row.title == UNTITLED
    tracked = TrackedJob(job=Job(job_id=1, creation_id=7, status="running"), title=title or "")
    assert job_cells(tracked, NOW)["creation"].plain == f"#7 {UNTITLED}"


def test_a_blank_title_falls_back_to_the_prompt_in_history():
    row = row_of(CreationSummary(creation_id=7, title="  ", prompt="Tides and the moon"))
    assert row.title == "Tides and the moon"


# -- terminal cells, not code points -------------------------------------------------------------------------------

def test_a_lone_surrogate_is_replaced_before_it_is_measured():
    title = "Hello\ud800world"
    shown = sanitize(title, single_line=True)
    assert shown == "Hello\ufffdworld" and cell_width(shown) == 11
    shown.encode("utf-8")  # what the terminal is sent: no escape, no error
    row = row_of(CreationSummary(creation_id=7, title=title))
    assert "\ud800" not in row.title and cell_width(fit(row.title, 20).plain) == 20


def test_cjk_is_measured_and_cut_in_cells():
    assert cell_width(CJK) == 24
    assert truncate(CJK, 24) == CJK  # it fits: nothing is cut
    cut = truncate(CJK, 23)
    assert cut.endswith("…") and cell_width(cut) == 23  # eleven characters and the ellipsis
    assert cell_width(truncate(CJK, 10)) <= 10
    assert title_text(CJK, max_len=40) == CJK  # 12 characters are not "too long for 40" nor cut to 23


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from(["漢", "é", "\u0301", "👍", "\ud800"])),
       st.integers(min_value=0, max_value=60))
def test_truncate_never_exceeds_its_cells_and_only_cuts_what_is_too_wide(text, width):
    text = sanitize(text, single_line=True)
    cut = truncate(text, width)
    assert cell_width(cut) <= width
    assert len(cut) <= max(width, 0)  # and never more code points than that: zero-width text is bounded too
    if cell_width(text) <= width and len(text) <= width:
        assert cut == text
    elif width == 0:
        assert cut == ""
    else:
        assert cut.endswith("…") and text.startswith(cut[:-1])


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.none(), st.text()), st.integers(min_value=1, max_value=80))
def test_title_text_is_one_line_within_its_cells_and_never_blank(title, width):
    shown = title_text(title, max_len=width)
    assert shown.strip() and "\n" not in shown and cell_width(shown) <= max(width, 0)


# -- the time columns ------------------------------------------------------------------------------------------------

def tracked_job(status="running", progress=None, created=NOW - 100, finished=None, first_seen=NOW - 100,
                received=NOW, error=None) -> TrackedRun:
    job = Job(job_id=1, creation_id=2, status=status, progress_pct=progress, created_at=iso(created),
              finished_at=iso(finished) if finished is not None else None, error=error)
    return TrackedJob(job=job, title="t", first_seen=first_seen, received_at=received)


def test_elapsed_does_not_go_backwards_when_the_job_ends():
    """16 s running, then the reply that says it finished at 14 s arrives: still 16 s, not 14."""
    start = NOW
    running = tracked_job(created=start, received=start + 15)
    shown_running = job_elapsed(running, start + 16)
    assert shown_running == 16
    done = tracked_job(status="succeeded", created=start, finished=start + 14, received=start + 16)
    assert job_elapsed(done, start + 16, ended_at=start + 16) >= shown_running  # seen ending: stops where it stood
    assert job_elapsed(done, start + 99, ended_at=start + 16) == 16  # and stays there
    # a job first seen finished (History, a restart) takes the server's own duration
    assert job_elapsed(done, start + 99) == 14


def test_a_gone_job_is_shown_as_gone_and_its_elapsed_is_frozen():
    gone = tracked_job(status="failed", created=NOW - 30, received=NOW,
                       error=JobError(code="gone", message="The server no longer knows this job."))
    first = job_cells(gone, NOW + 5)
    later = job_cells(gone, NOW + 500)
    assert "gone" in first["status"].plain and "failed" not in first["status"].plain
    assert first["elapsed"].plain == later["elapsed"].plain == "30s"
    assert first["eta"].plain == "—"


def test_left_counts_down_while_progress_stands_still_then_says_stalled():
    # 8 % after 3 s: about 34 s left. Progress then stands still: the estimate must not grow (37 s → 49 s → 1 m).
    assert time_left(8, 3, 0) == "34s"
    shown = [time_left(8, 3 + t, t) for t in (0, 10, 20, 30, 40)]
    assert shown == ["34s", "24s", "14s", "4s", STALLED]
    assert time_left(50, 100, 61) == STALLED  # a minute without progress is stalled whatever the estimate
    assert time_left(None, 10, 0) == "—" and time_left(0, 10, 0) == "—"
    tracked = tracked_job(progress=8, created=NOW - 3, received=NOW)
    assert job_cells(tracked, NOW + 40, moved_at=NOW)["eta"].plain == STALLED


@pytest.mark.parametrize(("seconds", "shown"), [(0, "0s ago"), (59, "59s ago"), (65, "1m ago"), (3599, "59m ago"),
                                                (7300, "2h ago"), (3 * 86400, "3d ago"), (None, "—")])
def test_updated_is_one_unit_so_it_is_never_cut(seconds, shown):
    assert ago(seconds) == shown


def test_at_120_columns_type_status_updated_and_left_fit_their_columns():
    types = ["explainer_video", "slides_video", "vector_animation", "slide_deck", "image", "interactive_lesson",
             "ai_video"]
    widths = {key: width for key, _, width in columns_for(120, max(map(len, types)))}
    assert widths["type"] >= len("interactive_lesson")
    for status in ("queued", "running", "processing", "succeeded", "failed", "cancelled"):
        tracked = tracked_job(status=status, progress=40)
        cells = job_cells(tracked, NOW + 3599)
        assert cell_width(cells["status"].plain) <= widths["status"], status
        assert cell_width(cells["updated"].plain) <= widths["updated"]
    assert len(STALLED) <= widths["eta"] and len("59m 59s") <= widths["elapsed"]
    assert sum(widths.values()) + 2 * len(widths) <= 120
    assert widths["creation"] >= 12 and widths["step"] >= 10


def test_history_cells_keep_a_wide_title_whole_when_it_fits():
    row = row_of(CreationSummary(creation_id=7, title=CJK))
    assert cell_texts(row, NOW)["title"] == CJK
    assert fit(CJK, 24).plain == CJK and fit(CJK, 23).cell_len == 23

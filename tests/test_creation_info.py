"""The creation screen's info block as plain functions (kgp_tui.widgets.creation_info): why a creation ended, what
an empty part says, and long text capped in terminal cells and lines."""

from __future__ import annotations

from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from kgp_tui.api.models import Creation
from kgp_tui.api.models import Job as V1Job
from kgp_tui.api.v1 import creation_from_v1, run_from_job
from kgp_tui.widgets.creation_info import clamp_lines, describe_creation, none_because, outcome, why


def made(status: str, **extra):
    """A v1 creation as the app holds it: a domain Creation."""
    return creation_from_v1(Creation.model_validate({"creation_id": 7, "type": "slides_video", "status": status,
                                                     "latest_job_id": 9, **extra}))


def Job(**fields):  # noqa: N802 - reads as the v1 job it wraps
    return run_from_job(V1Job(**fields))


def test_outcome_is_none_while_a_creation_may_still_be_made():
    for status in ("queued", "processing", "ready", "waiting_for_gpu"):
        assert outcome(made(status)) is None
    assert outcome(made("failed")) == "failed" and outcome(made("invalid")) == "invalid"
    assert outcome(made("failed", error={"code": "cancelled", "message": "x"})) == "cancelled"
    assert outcome(made("failed"), Job(job_id=9, status="cancelled")) == "cancelled"


def test_why_prefers_the_creations_own_error_then_its_latest_job():
    job = Job(job_id=9, status="failed", error={"code": "render_failed", "message": "The renderer crashed."})
    assert why(made("failed", error={"code": "content_policy", "message": "Flagged."}), job) == "content_policy: Flagged."
    assert why(made("failed"), job) == "render_failed: The renderer crashed."
    assert why(made("failed", error="only words"), None) == "only words"
    assert why(made("failed"), None, "asking the server…") == "asking the server…"
    assert why(made("failed"), None) == "the server gave no reason"
    assert "\x1b" not in why(made("failed", error={"message": "bad \x1b[2J news"}), None)


def test_empty_parts_never_say_yet_for_what_will_never_come():
    assert none_because(made("failed"), "failed", "no scenes", "no scenes yet") == "no scenes: the creation failed"
    assert none_because(made("failed"), "cancelled", "none", "not ready yet") == "none: it was cancelled"
    assert none_because(made("ready"), None, "no scenes", "no scenes yet") == "no scenes"
    assert none_because(made("processing"), None, "no scenes", "no scenes yet") == "no scenes yet"


def test_clamp_cuts_to_lines_in_cells_with_an_ellipsis():
    console = Console(width=40)
    short = Text("a short title")
    assert clamp_lines(short, 40, 3, console) is short
    long = Text("寿司 " * 200)  # two cells per character: counted in cells, never code points
    cut = clamp_lines(long, 40, 3, console)
    lines = cut.plain.split("\n")
    assert len(lines) == 3 and lines[-1].endswith("…") and all(cell_len(line) <= 40 for line in lines)
    assert clamp_lines(long, None, 3) is long


def test_the_info_block_of_a_failed_creation_says_why_and_no_yet():
    creation = made("failed", title="Tides", error={"code": "render_failed", "message": "Crashed at step 3."})
    text = describe_creation(creation, None, width=80).plain
    assert "Why" in text and "render_failed: Crashed at step 3." in text
    assert "yet" not in text and "none: the creation failed" in text

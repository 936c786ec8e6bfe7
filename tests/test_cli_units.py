"""Pure parts of the script commands: the poll loop's policy (the app's), exit codes, terminal-safe JSON, FIELD=VALUE
parsing. The poll loop gets a scripted adapter and a recorded sleep: no time passes."""

from __future__ import annotations

import asyncio
import io
import json

import pytest

from kgp_tui.api import domain as d
from kgp_tui.api import errors as e
from kgp_tui.cli import command_of
from kgp_tui.cli.common import CliError, Output, dumps, exit_code_for
from kgp_tui.cli.creations import parse_sets
from kgp_tui.cli.follow import GIVE_UP_AFTER, Progress, follow
from kgp_tui.poll_policy import MAX_BACKOFF


class Scripted:
    """An adapter whose polls answer from a script: a Run, or an exception to raise."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.polls = 0

    async def poll(self, run):
        self.polls += 1
        answer = self.answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer


def _run(status, pct=None):
    return d.Run(surface="v1", id="5001", creation_id="101", status=status, progress_pct=pct, step="Rendering")


def _follow(adapter, out=None):
    slept = []
    clock = [0.0]

    async def sleep(seconds):
        slept.append(round(seconds, 3))
        clock[0] += seconds

    out = out or Output(stdout=io.StringIO(), stderr=io.StringIO(), color=False)
    run = asyncio.run(follow(adapter, _run("queued"), interval=2.0, requests_per_second=10, progress=Progress(out),
                             sleep=sleep, monotonic=lambda: clock[0], jitter=lambda: 1.0))
    return run, slept, out


def test_wait_polls_each_interval_waits_retry_after_and_backs_off_like_the_app():
    adapter = Scripted(_run("running", 10), e.RateLimited("slow down", status=429, retry_after=7),
                       e.ServerError("boom", status=500), e.ServerError("boom", status=500), _run("running", 50),
                       _run("succeeded", 100))
    run, slept, out = _follow(adapter)
    assert run.status == "succeeded" and adapter.polls == 6
    assert slept == [2.0, 2.0, 7.0, 4.0, 8.0, 2.0]  # interval · Retry-After · 2×, 4× the interval · back to normal
    lines = out.stderr.getvalue().splitlines()
    assert lines[0] == "creation 101 (job 5001): ◷ queued · Rendering" and "rate limited" in lines[2]
    assert sum("running 10%" in line for line in lines) == 1  # one line per change, not per poll


def test_wait_gives_up_after_repeated_failures_and_at_once_on_a_refused_key():
    failing = Scripted(*[e.ConnectionFailed("no answer") for _ in range(GIVE_UP_AFTER)])
    with pytest.raises(e.ConnectionFailed):
        _follow(failing)
    assert failing.polls == GIVE_UP_AFTER
    refused = Scripted(e.AuthError("invalid key", status=401))
    with pytest.raises(e.AuthError):
        _follow(refused)
    assert refused.polls == 1


def test_backoff_is_capped_at_the_apps_maximum():
    adapter = Scripted(*[e.ServerError("boom", status=500) for _ in range(GIVE_UP_AFTER - 1)], _run("failed"))
    run, slept, _ = _follow(adapter)
    assert run.status == "failed" and max(slept) == MAX_BACKOFF


@pytest.mark.parametrize(("error", "code"), [
    (e.AuthError("x", status=401), 3), (e.PermissionDenied("x", status=403), 3),
    (e.InsufficientCredits("x", status=402), 4), (e.ValidationFailed("x", status=422), 2),
    (e.NotFound("x", status=404), 2), (e.Conflict("x", status=409), 2), (e.RateLimited("x", status=429), 5),
    (e.ServerError("x", status=502), 5), (e.ConnectionFailed("x"), 5), (e.MalformedResponse("x"), 5),
    (e.NotOnThisSurface("x"), 2),
])
def test_each_client_error_has_its_documented_exit_code(error, code):
    assert exit_code_for(error) == code


def test_json_escapes_what_a_terminal_would_act_on_and_keeps_the_data():
    value = {"title": "Red\x1b[31m \x9b2J \u202eevil\u202c ✓ 日本"}
    text = dumps(value)
    assert not any(ch in text for ch in "\x1b\x9b\u202e\u202c")
    assert "✓ 日本" in text and json.loads(text) == value


def test_output_never_shows_the_key():
    out = Output(stdout=io.StringIO(), stderr=io.StringIO(), secrets=("kgp_live_3f9a77c1d2e0b4a6",), color=False)
    out.json({"echo": "kgp_live_3f9a77c1d2e0b4a6"})
    out.error("refused kgp_live_3f9a77c1d2e0b4a6")
    assert "kgp_live_3f9a77c1d2e0b4a6" not in out.stdout.getvalue() + out.stderr.getvalue()
    assert "kgp_live_3f9a…" in out.stdout.getvalue()


def test_set_pairs_and_the_command_word():
    assert parse_sets(["language=en", "instructions=a=b", "language=fr"]) == {"language": "fr", "instructions": "a=b"}
    with pytest.raises(CliError):
        parse_sets(["language"])
    assert command_of(["--profile", "work", "--surface=v1", "me", "--json"]) == "me"
    assert command_of(["--demo"]) is None and command_of(["locate"]) is None


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_on_a_terminal_progress_is_one_bar_redrawn_in_place():
    out = Output(stdout=io.StringIO(), stderr=Terminal(), color=False)
    progress = Progress(out)
    progress.update(_run("running", 40))
    progress.update(_run("running", 60))
    progress.end()
    text = out.stderr.getvalue()
    assert text.count("\r") == 2 and text.count("\n") == 1 and text.endswith("\n")
    assert "█" in text and "60%" in text.rsplit("\r", 1)[1]


def test_no_color_is_respected(monkeypatch):
    import sys

    monkeypatch.setattr(sys, "stderr", Terminal())
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert Output().color is True
    monkeypatch.setenv("NO_COLOR", "1")
    out = Output()
    out.error("it failed")
    assert out.color is False and "\x1b" not in sys.stderr.getvalue()

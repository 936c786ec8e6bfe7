"""JobPoller unit tests on virtual time: a scripted client and a stand-in App whose timers fire only when the test
moves the clock (`JobPoller(monotonic=...)`), so every delay is checked exactly and nothing waits for real time."""

from __future__ import annotations

from itertools import pairwise

from support.virtual import VirtualApp

from kgp_tui.api.domain import Pause, Run
from kgp_tui.api.errors import NotFound, RateLimited, ServerError
from kgp_tui.messages import PollHealth, RunPollFailed, RunUpdated
from kgp_tui.poller import JobPoller


def job(job_id: int, status: str = "running", pct: float | None = 10, surface: str = "v1", pause=None) -> Run:
    return Run(surface=surface, id=str(job_id), creation_id=None, status=status, progress_pct=pct, pause=pause)


class ScriptedClient:
    """Answers poll(run) from a per-run script of results (a job or an exception); the last one repeats.

    Each reply takes `delay` seconds of the app's virtual time; `times` records when each request was sent.
    """

    def __init__(self, app: VirtualApp, scripts: dict[int, list], delay: float = 0.0) -> None:
        self.app = app
        self.scripts = scripts
        self.delay = delay
        self.calls: list[int] = []
        self.times: list[float] = []
        self.in_flight = 0
        self.max_in_flight = 0

    async def poll(self, run: Run):
        job_id = int(run.id)
        self.calls.append(job_id)
        self.times.append(self.app.now)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.delay:
                await self.app.sleep(self.delay)
            script = self.scripts[job_id]
            result = script.pop(0) if len(script) > 1 else script[0]
            if isinstance(result, BaseException):
                raise result
            return result
        finally:
            self.in_flight -= 1


def poller_for(app: VirtualApp, client: ScriptedClient, **options) -> JobPoller:
    options.setdefault("jitter", lambda: 1.0)
    return JobPoller(app, lambda: client, monotonic=app.monotonic, **options)


async def test_terminal_jobs_are_dropped_and_polls_never_overlap():
    app = VirtualApp()
    client = ScriptedClient(app, {1: [job(1), job(1), job(1, "succeeded", 100)], 2: [job(2)]}, delay=0.03)
    poller = poller_for(app, client, interval=0.05, max_in_flight=2)
    for job_id in (1, 2, 3, 4, 5, 6):
        client.scripts.setdefault(job_id, [job(job_id)])
    for job_id in (1, 2, 3, 4, 5):
        poller.track(job(job_id))
    await app.advance(0.06)  # the first round is in flight (sent at 0.05, the first replies at 0.08)
    assert client.in_flight == 2
    poller.track(job(6))  # neither a new job nor F5 starts a second round beside it
    poller.poll_now()
    await app.advance(0.5)
    assert "1" not in poller.active and "2" in poller.active
    poller.stop()
    assert client.max_in_flight == 2  # never more than max_in_flight requests at once (and it did use both)
    assert client.calls.count(1) == 3  # polled until succeeded, then dropped
    updates = [m for m in app.messages if isinstance(m, RunUpdated) and m.run.id == "1"]
    assert [u.run.status for u in updates][-1] == "succeeded"
    # a round of five or six at two at a time takes three replies of 0.03 s: the next starts only after it
    rounds = sorted(set(client.times))
    assert all(b - a >= 0.03 - 1e-9 for a, b in pairwise(rounds)), rounds


async def test_rate_limit_pauses_polling_for_retry_after():
    app = VirtualApp()
    client = ScriptedClient(app, {7: [RateLimited("slow down", status=429, retry_after=0.3), job(7)]})
    poller = poller_for(app, client, interval=0.05)
    poller.track(job(7))
    await app.advance(0.05 + 0.3 - 0.001)
    assert client.calls == [7]  # the 429 came at 0.05: nothing more before 0.35, whatever the interval says
    health = [m for m in app.messages if isinstance(m, PollHealth)]
    assert health and not health[0].ok and health[0].reason == "rate limited"
    assert abs(health[0].retry_at - (client.times[0] + 0.3)) < 1e-9  # the status bar's "next try" is Retry-After
    await app.advance(0.002)
    poller.stop()
    assert client.calls == [7, 7] and abs(client.times[1] - (client.times[0] + 0.3)) < 1e-9  # polled at once after
    assert isinstance(app.messages[-1], PollHealth) and app.messages[-1].ok  # recovered


async def test_errors_back_off_with_growing_delay_and_recover():
    errors = [ServerError("boom", status=500) for _ in range(3)]
    app = VirtualApp()
    client = ScriptedClient(app, {3: [*errors, job(3)]})
    poller = poller_for(app, client, interval=0.05)
    poller.track(job(3))
    await app.advance(0.05 + 0.1 + 0.2 + 0.4 + 0.01)  # the first poll, three doubling backoffs, then success
    poller.stop()
    health = [m for m in app.messages if isinstance(m, PollHealth)]
    failing = [m for m in health if not m.ok]
    assert len(failing) == 3 and failing[0].reason == "boom"
    gaps = [round(b - a, 9) for a, b in pairwise(client.times)]
    assert gaps == [0.1, 0.2, 0.4]  # interval × 2, × 4, × 8 (no jitter here)
    assert health[-1].ok  # recovered after the failures
    assert client.calls.count(3) == 4


async def test_backoff_is_capped_and_jittered():
    from kgp_tui.poller import MAX_BACKOFF

    app = VirtualApp()
    client = ScriptedClient(app, {3: [ServerError("boom", status=500)]})
    poller = poller_for(app, client, interval=1.0, jitter=lambda: 1.2)
    poller.track(job(3))
    await app.advance(600)
    poller.stop()
    gaps = [round(b - a, 6) for a, b in pairwise(client.times)]
    assert gaps[:3] == [2.4, 4.8, 9.6]  # jitter scales each wait
    assert max(gaps) == round(MAX_BACKOFF * 1.2, 6) and gaps[-1] == max(gaps)  # then it stops growing


async def test_not_found_drops_the_job_and_reports_it():
    app = VirtualApp()
    client = ScriptedClient(app, {9: [NotFound("gone", status=404)]})
    poller = poller_for(app, client, interval=0.05)
    poller.track(job(9))
    await app.advance(0.1)
    poller.stop()
    assert client.calls == [9]
    assert any(isinstance(m, RunPollFailed) and m.run_id == "9" for m in app.messages)
    assert app.pending() == []  # nothing left to poll: no timer keeps the loop alive


async def test_poll_now_polls_immediately_and_long_jobs_slow_down():
    app = VirtualApp()
    client = ScriptedClient(app, {4: [job(4)]})
    poller = poller_for(app, client, interval=10.0)
    poller.track(job(4))
    await app.advance(9.9)
    assert client.calls == []  # first poll is one interval away
    poller.poll_now()
    await app.advance(0.01)
    assert client.calls == [4]
    poller.stop()
    start = poller._first_seen["4"]
    assert poller.interval_for("4", start + 10) == 10.0
    assert poller.interval_for("4", start + 120) == 20.0
    assert poller.interval_for("4", start + 600) == 40.0


async def test_a_job_polled_for_minutes_is_polled_less_often():
    app = VirtualApp()
    client = ScriptedClient(app, {4: [job(4)]})
    poller = poller_for(app, client, interval=3.0)
    poller.track(job(4))
    await app.advance(400)
    poller.stop()
    gaps = [round(b - a, 6) for a, b in pairwise(client.times)]
    assert set(gaps) == {3.0, 6.0, 12.0} and gaps == sorted(gaps)  # × 2 after a minute, × 4 after five


def test_request_budget_is_a_token_bucket():
    from kgp_tui.poller import RequestBudget

    now = [0.0]
    budget = RequestBudget(10, lambda: now[0])
    assert budget.take(500) == 10  # a full bucket: one burst of `rate`
    assert budget.take(5) == 0 and budget.wait_time() == 0.1
    now[0] += 0.55
    assert budget.take(500) == 5  # refills at `rate` per second
    now[0] += 100
    assert budget.take(500) == 10  # never more than one burst, however long it was idle
    slow = RequestBudget(0.5, lambda: now[0])
    assert slow.take(3) == 1  # a budget below 1/s still allows one request at a time


async def test_many_due_jobs_never_exceed_the_request_budget():
    app = VirtualApp()
    jobs = {n: [job(n)] for n in range(1, 201)}
    client = ScriptedClient(app, jobs)
    poller = poller_for(app, client, interval=0.05, requests_per_second=20)
    for n in jobs:
        poller.track(job(n))
    await app.advance(1.0)
    poller.stop()
    # one burst of 20 at 0.05 s, then 20 per second: 200 jobs due every 50 ms would otherwise be ~4,000 polls
    assert 20 + 18 <= len(client.calls) <= 20 + 20 * (1.0 - 0.05) + 1
    assert len(set(client.calls)) == len(client.calls)  # most overdue first: nobody polled twice before all once
    for start in range(len(client.times)):  # in no window of one second more than one burst plus the rate
        window = [t for t in client.times[start:] if t < client.times[start] + 1.0]
        assert len(window) <= 20 + 20


async def test_a_paused_unified_creation_stops_polling_and_says_so():
    """Paused needs the user: polling it again would change nothing, so the poller lets it go (the App says why)."""
    app = VirtualApp()
    paused = job(5, "paused", 40, surface="unified", pause=Pause("insufficient_credits", "Out of credits"))
    client = ScriptedClient(app, {5: [job(5, "generating", 20, surface="unified"), paused]})
    poller = poller_for(app, client, interval=0.05)
    poller.track(job(5, "planning", 0, surface="unified"))
    await app.advance(1.0)
    poller.stop()
    assert client.calls == [5, 5] and "5" not in poller.active  # generating, then paused: no third poll
    updates = [m.run for m in app.messages if isinstance(m, RunUpdated)]
    assert updates[-1].needs_user and updates[-1].stops_polling and not updates[-1].is_terminal


async def test_an_unknown_status_is_polled_again_and_ready_ends_it():
    app = VirtualApp()
    client = ScriptedClient(app, {6: [job(6, "thinking", None, surface="unified"), job(6, "ready", 100, surface="unified")]})
    poller = poller_for(app, client, interval=0.05)
    poller.track(job(6, "planning", 0, surface="unified"))
    await app.advance(1.0)
    poller.stop()
    assert client.calls == [6, 6] and "6" not in poller.active

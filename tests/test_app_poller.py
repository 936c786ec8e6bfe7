"""JobPoller unit tests with a scripted adapter and a minimal stand-in for the App (timers, workers, messages)."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from kgp_tui.api.domain import Pause, Run
from kgp_tui.api.errors import NotFound, RateLimited, ServerError
from kgp_tui.messages import PollHealth, RunPollFailed, RunUpdated
from kgp_tui.poller import JobPoller


class FakeApp:
    def __init__(self) -> None:
        self.messages: list = []
        self.tasks: list[asyncio.Task] = []

    def set_timer(self, delay, callback, name=None):
        handle = asyncio.get_running_loop().call_later(delay, callback)
        return SimpleNamespace(stop=handle.cancel)

    def run_worker(self, coro, **kwargs):
        self.tasks.append(asyncio.ensure_future(coro))

    def post_message(self, message) -> None:
        self.messages.append(message)


def job(job_id: int, status: str = "running", pct: float | None = 10, surface: str = "v1", pause=None):
    return Run(surface=surface, id=str(job_id), creation_id=None, status=status, progress_pct=pct, pause=pause)


class ScriptedClient:
    """Answers poll(run) from a per-run script of results (a run or an exception); the last one repeats."""

    def __init__(self, scripts: dict[int, list], delay: float = 0.0) -> None:
        self.scripts = scripts
        self.delay = delay
        self.calls: list[int] = []
        self.in_flight = 0
        self.max_in_flight = 0

    async def poll(self, run: Run):
        job_id = int(run.id)
        self.calls.append(job_id)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.delay)
            script = self.scripts[job_id]
            result = script.pop(0) if len(script) > 1 else script[0]
            if isinstance(result, BaseException):
                raise result
            return result
        finally:
            self.in_flight -= 1


async def test_terminal_jobs_are_dropped_and_polls_never_overlap():
    client = ScriptedClient({1: [job(1), job(1), job(1, "succeeded", 100)], 2: [job(2)]}, delay=0.03)
    app = FakeApp()
    poller = JobPoller(app, lambda: client, interval=0.01, max_in_flight=2)
    for job_id in (1, 2, 3, 4, 5):
        client.scripts.setdefault(job_id, [job(job_id)])
        poller.track(job(job_id))
    await asyncio.sleep(0.5)
    assert "1" not in poller.active and "2" in poller.active
    poller.stop()
    assert client.max_in_flight <= 2  # never more than max_in_flight requests at once
    assert client.calls.count(1) == 3  # polled until succeeded, then dropped
    updates = [m for m in app.messages if isinstance(m, RunUpdated) and m.run.id == "1"]
    assert [u.run.status for u in updates][-1] == "succeeded"


async def test_rate_limit_pauses_polling_for_retry_after():
    client = ScriptedClient({7: [RateLimited("slow down", status=429, retry_after=0.3), job(7)]})
    app = FakeApp()
    poller = JobPoller(app, lambda: client, interval=0.01)
    poller.track(job(7))
    await asyncio.sleep(0.15)
    assert client.calls == [7]  # paused after the 429
    health = [m for m in app.messages if isinstance(m, PollHealth)]
    assert health and not health[0].ok and health[0].reason == "rate limited"
    await asyncio.sleep(0.35)
    poller.stop()
    assert len(client.calls) >= 2
    assert isinstance(app.messages[-1], (RunUpdated, PollHealth))
    assert any(isinstance(m, PollHealth) and m.ok for m in app.messages)  # recovered


async def test_errors_back_off_with_growing_delay_and_recover():
    errors = [ServerError("boom", status=500) for _ in range(3)]
    client = ScriptedClient({3: [*errors, job(3)]})
    app = FakeApp()
    poller = JobPoller(app, lambda: client, interval=0.05, jitter=lambda: 1.0)
    poller.track(job(3))
    await asyncio.sleep(1.0)  # 0.05 + 0.1 + 0.2 + 0.4 of backoff, then success
    poller.stop()
    health = [m for m in app.messages if isinstance(m, PollHealth)]
    failing = [m for m in health if not m.ok]
    assert len(failing) == 3 and failing[0].reason == "boom"
    waits = [b.retry_at - a.retry_at for a, b in zip(failing, failing[1:])]
    assert waits[1] > waits[0] > 0  # the delay doubles
    assert health[-1].ok  # recovered after the failures
    assert client.calls.count(3) >= 4


async def test_not_found_drops_the_job_and_reports_it():
    client = ScriptedClient({9: [NotFound("gone", status=404)]})
    app = FakeApp()
    poller = JobPoller(app, lambda: client, interval=0.01)
    poller.track(job(9))
    await asyncio.sleep(0.1)
    poller.stop()
    assert client.calls == [9]
    assert any(isinstance(m, RunPollFailed) and m.run_id == "9" for m in app.messages)


async def test_poll_now_polls_immediately_and_long_jobs_slow_down():
    client = ScriptedClient({4: [job(4)]})
    app = FakeApp()
    poller = JobPoller(app, lambda: client, interval=10.0)
    poller.track(job(4))
    await asyncio.sleep(0.05)
    assert client.calls == []  # first poll is one interval away
    poller.poll_now()
    await asyncio.sleep(0.05)
    assert client.calls == [4]
    poller.stop()
    start = poller._first_seen["4"]
    assert poller.interval_for("4", start + 10) == 10.0
    assert poller.interval_for("4", start + 120) == 20.0
    assert poller.interval_for("4", start + 600) == 40.0


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
    jobs = {n: [job(n)] for n in range(1, 201)}
    client = ScriptedClient(jobs)
    app = FakeApp()
    poller = JobPoller(app, lambda: client, interval=0.05, requests_per_second=20, jitter=lambda: 1.0)
    for n in jobs:
        poller.track(job(n))
    await asyncio.sleep(1.0)
    poller.stop()
    # one burst of 20, then 20 per second: 200 jobs due every 50 ms would otherwise be ~4,000 polls
    assert 5 <= len(client.calls) <= 20 + 20 * 1.0 + 2
    assert len(set(client.calls)) == len(client.calls)  # most overdue first: nobody polled twice before all once


async def test_a_paused_unified_creation_stops_polling_and_says_so():
    """Paused needs the user: polling it again would change nothing, so the poller lets it go (the App says why)."""
    paused = job(5, "paused", 40, surface="unified", pause=Pause("insufficient_credits", "Out of credits"))
    client = ScriptedClient({5: [job(5, "generating", 20, surface="unified"), paused]})
    app = FakeApp()
    poller = JobPoller(app, lambda: client, interval=0.01)
    poller.track(job(5, "planning", 0, surface="unified"))
    await asyncio.sleep(0.3)
    poller.stop()
    assert client.calls == [5, 5]  # generating, then paused: no third poll
    updates = [m.run for m in app.messages if isinstance(m, RunUpdated)]
    assert updates[-1].needs_user and updates[-1].stops_polling and not updates[-1].is_terminal


async def test_unknown_statuses_keep_polling():
    client = ScriptedClient({6: [job(6, "thinking", None, surface="unified"), job(6, "ready", 100, surface="unified")]})
    app = FakeApp()
    poller = JobPoller(app, lambda: client, interval=0.01)
    poller.track(job(6, "planning", 0, surface="unified"))
    await asyncio.sleep(0.3)
    poller.stop()
    assert client.calls == [6, 6] and "6" not in poller.active  # an unknown status is polled again, ready ends it

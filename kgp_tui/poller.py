"""JobPoller: the one background loop that polls every active run and posts what it learns.

A run is a v1 job or a unified creation being processed; `adapter.poll(run)` asks the surface for its state.
The next cycle is scheduled only after the last one finished (no pile-ups); each run has its own due time,
so long-running runs are polled less often; at most `max_in_flight` requests run at once. A 429 pauses
everything for Retry-After; other failures (a refused key too) back off exponentially with jitter, capped.
A run stops being polled when it ends or needs the user (a paused unified creation).
The intervals and backoff are `poll_policy`'s, shared with the CLI's `--wait`.
The poller never touches the store or a widget: it posts `RunUpdated`, `RunPollFailed` and `PollHealth` to the App.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable, KeysView
from typing import TYPE_CHECKING, Any

from kgp_tui.messages import PollHealth, RunPollFailed, RunUpdated
from kgp_tui.poll_policy import (  # re-exported: the app and its tests know them from here
    MAX_BACKOFF,
    RequestBudget,
    backoff_delay,
    interval_for_age,
    rate_limited_wait,
)

if TYPE_CHECKING:
    from kgp_tui.api.domain import Run
    from kgp_tui.api.surface import SurfaceAdapter

__all__ = ["MAX_BACKOFF", "JobPoller", "RequestBudget"]

log = logging.getLogger("kgp_tui.poller")
log.addHandler(logging.NullHandler())  # without the log file (unwritable dir, tests) nothing goes to stderr


class JobPoller:
    def __init__(
        self,
        app: Any,
        adapter_getter: Callable[[], SurfaceAdapter | None],
        *,
        interval: float = 3.0,
        max_in_flight: int = 3,
        requests_per_second: float = 10.0,
        monotonic: Callable[[], float] = time.monotonic,
        jitter: Callable[[], float] = lambda: random.uniform(0.8, 1.2),
    ) -> None:
        self.app = app
        self._adapter = adapter_getter
        self.interval = max(0.05, float(interval))
        self.max_in_flight = max(1, int(max_in_flight))
        self._now = monotonic
        self._jitter = jitter
        self.budget = RequestBudget(requests_per_second, monotonic)
        self._due: dict[str, float] = {}
        self._runs: dict[str, Run] = {}  # what is polled: the last state of each active run
        self._first_seen: dict[str, float] = {}
        self._seen: dict[str, tuple[Any, ...]] = {}  # (status, progress, step) of the last reply
        self._changed_at: dict[str, float] = {}  # when that last changed
        self._timer: Any = None
        self._in_flight = False
        self._failures = 0
        self._paused_until = 0.0
        self._healthy = True
        self.requests_made = 0

    # -- public --------------------------------------------------------------------------------------

    @property
    def active(self) -> KeysView[str]:
        """The runs being polled (a live view: `run_id in poller.active` costs O(1), not a copy per reply)."""
        return self._due.keys()

    def track(self, run: Run) -> None:
        """Start polling a run (first poll after one interval: the create reply is already fresh)."""
        now = self._now()
        self._runs[run.id] = run
        if run.id not in self._due:
            self._first_seen.setdefault(run.id, now)
            self._due[run.id] = now + self.interval
        self._ensure_scheduled()

    def forget(self, run_id: str) -> None:
        self._due.pop(run_id, None)
        self._runs.pop(run_id, None)
        self._seen.pop(run_id, None)
        self._changed_at.pop(run_id, None)

    def _note(self, job_id: str, run: Run) -> None:
        state = (run.status, run.progress_pct, run.step)
        before = self._seen.get(job_id)
        self._seen[job_id] = state
        if before is not None and before != state:
            self._changed_at[job_id] = self._now()

    def _head_start(self, job_id: str, now: float) -> float:
        """When the budget cannot poll every due job: those nearest to done, then those that just moved, go first.

        A bounded head start on the due time rather than a strict rank, so no job waits for ever behind others.
        """
        seen = self._seen.get(job_id)
        progress = seen[1] if seen else None
        if isinstance(progress, (int, float)) and progress >= 80:
            return self.interval
        if now - self._changed_at.get(job_id, -1e9) <= 2 * self.interval:
            return self.interval / 2
        return 0.0

    def poll_now(self) -> None:
        """Manual refresh: every active job is due now (unless a 429 pause is still running)."""
        now = self._now()
        for job_id in self._due:
            self._due[job_id] = now
        if self._in_flight:
            return
        self._cancel_timer()
        self._schedule(max(0.0, self._paused_until - now))

    def stop(self) -> None:
        self._cancel_timer()
        self._due.clear()
        self._runs.clear()

    def interval_for(self, job_id: str, now: float) -> float:
        """Jobs that have run long are polled less often: x2 after a minute, x4 after five."""
        return interval_for_age(self.interval, now - self._first_seen.get(job_id, now))

    # -- scheduling ------------------------------------------------------------------------------------

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def _ensure_scheduled(self) -> None:
        if self._in_flight or self._timer is not None or not self._due:
            return
        now = self._now()
        wake = max(min(self._due.values()), self._paused_until, now + self.budget.wait_time())
        self._schedule(max(0.0, wake - now))

    def _schedule(self, delay: float) -> None:
        self._cancel_timer()
        # Textual's Timer divides by its interval: never hand it a zero delay.
        self._timer = self.app.set_timer(max(0.001, delay), self._start_cycle, name="job-poller")

    def _start_cycle(self) -> None:
        self._timer = None
        if self._in_flight or not self._due:
            return
        self._in_flight = True
        # The method, not a coroutine: a worker the closing app never starts must leave nothing un-awaited behind.
        self.app.run_worker(self._cycle, group="poll", exit_on_error=False, name="poll jobs")

    async def _cycle(self) -> None:
        try:
            await self._poll_due()
        finally:
            self._in_flight = False
            self._ensure_scheduled()

    async def _poll_due(self) -> None:
        from kgp_tui.api.errors import KGPError, NotFound, RateLimited

        adapter = self._adapter()
        now = self._now()
        due = [job_id for job_id, when in self._due.items() if when <= now]
        if adapter is None:  # not connected (yet): look again in one interval rather than spin
            for job_id in due:
                self._due[job_id] = now + self.interval
            return
        if now < self._paused_until:
            return
        # Most overdue first; what the request budget does not allow now stays due for the next round.
        due.sort(key=lambda job_id: self._due[job_id] - self._head_start(job_id, now))
        due = due[: self.budget.take(len(due))]
        if not due:
            return
        gate = asyncio.Semaphore(self.max_in_flight)
        rate_limited: list[float] = []
        transient: list[str] = []

        async def poll_one(job_id: str) -> None:
            asked = self._runs.get(job_id)
            if asked is None:
                return
            async with gate:
                self.requests_made += 1
                try:
                    run = await adapter.poll(asked)
                except RateLimited as error:
                    rate_limited.append(rate_limited_wait(error.retry_after, self.interval))
                    return
                except NotFound as error:
                    self.forget(job_id)
                    self.app.post_message(RunPollFailed(job_id, error, adapter))
                    return
                except KGPError as error:
                    # 401/403 included: a key refused for a while (revoked, then restored) must not drop the job;
                    # the status bar says why and polls back off like any other failure.
                    transient.append(getattr(error, "message", "") or type(error).__name__)
                    return
                except Exception as error:  # noqa: BLE001 - a poll must never kill the loop
                    transient.append(type(error).__name__)
                    return
            self._note(job_id, run)
            self.app.post_message(RunUpdated(run, adapter=adapter))
            if run.stops_polling:
                self.forget(job_id)
            elif job_id in self._due:
                self._runs[job_id] = run
                self._due[job_id] = self._now() + self.interval_for(job_id, self._now())

        await asyncio.gather(*(poll_one(job_id) for job_id in due))
        now = self._now()
        if rate_limited:
            wait = max(rate_limited)
            self._paused_until = now + wait
            self._report(False, now + wait, "rate limited")
        elif transient:
            self._failures += 1
            delay = backoff_delay(self.interval, self._failures, self._jitter())
            for job_id in due:
                if job_id in self._due:
                    self._due[job_id] = now + delay
            self._report(False, now + delay, transient[0])
        else:
            self._failures = 0
            self._report(True)

    def _report(self, ok: bool, retry_at: float | None = None, reason: str = "") -> None:
        if ok and self._healthy:
            return
        if ok:
            log.info("job polls answer again")
        else:
            log.warning("job polls failing (%s); next try in %.1f s", reason, max(0.0, (retry_at or 0) - self._now()))
        self._healthy = ok
        self.app.post_message(PollHealth(ok, retry_at, reason))

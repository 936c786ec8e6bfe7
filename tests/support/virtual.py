"""Virtual time for the poller's unit tests: timers fire when the test moves the clock, never on their own."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

QUIET_TURNS = 20  # loop turns with nothing new before the app counts as idle (no I/O: a handful is enough)


class VirtualApp:
    """Stands in for the App: `set_timer` on a virtual clock, `run_worker` as a task, messages kept in a list.

    Give its `monotonic` to `JobPoller(monotonic=...)`; `await app.advance(s)` moves the clock by `s`, firing each
    timer that falls due (in order) and letting every worker run until it waits on virtual time again.
    """

    def __init__(self) -> None:
        self.now = 0.0
        self.messages: list[Any] = []
        self.tasks: list[asyncio.Future] = []
        self._timers: list[list[Any]] = []  # [when, order, callback, active]
        self._order = 0

    def monotonic(self) -> float:
        return self.now

    def set_timer(self, delay: float, callback: Callable[[], Any], name: str | None = None) -> SimpleNamespace:
        entry = [self.now + delay, self._order, callback, True]
        self._order += 1
        self._timers.append(entry)
        return SimpleNamespace(stop=lambda: entry.__setitem__(3, False))

    def run_worker(self, work: Any, **kwargs: Any) -> None:
        self.tasks.append(asyncio.ensure_future(work() if callable(work) else work))

    def post_message(self, message: Any) -> None:
        self.messages.append(message)

    async def sleep(self, seconds: float) -> None:
        """A wait in virtual time (a slow reply, say): over when the clock has moved by `seconds`."""
        done = asyncio.get_running_loop().create_future()
        self.set_timer(seconds, lambda: done.done() or done.set_result(None))
        await done

    def pending(self) -> list[float]:
        """When the timers still to fire will fire."""
        return sorted(when for when, _, _, active in self._timers if active)

    async def advance(self, seconds: float) -> None:
        end = self.now + seconds
        await self.idle()
        while True:
            due = [t for t in self._timers if t[3] and t[0] <= end]
            if not due:
                break
            timer = min(due, key=lambda t: (t[0], t[1]))
            timer[3] = False
            self.now = max(self.now, timer[0])
            timer[2]()
            await self.idle()
        self.now = end
        self._timers = [t for t in self._timers if t[3]]

    async def idle(self) -> None:
        """Run the event loop until nothing changes for a while: every worker waits on virtual time or is done."""
        quiet = 0
        before = self._signature()
        while quiet < QUIET_TURNS:
            await asyncio.sleep(0)
            now = self._signature()
            quiet = quiet + 1 if now == before else 0
            before = now
        for task in self.tasks:
            if task.done() and not task.cancelled() and task.exception() is not None:
                raise task.exception()

    def _signature(self) -> tuple[int, int, int]:
        return len(self.messages), sum(t.done() for t in self.tasks), self._order

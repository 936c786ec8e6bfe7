"""One-shot timers that always fire.

Textual's ``set_timer`` makes a one-shot ``Timer`` with ``skip=True``. Its loop reads the clock twice before it
waits (``textual/timer.py``, ``Timer._run``): when more than the timer's delay passes between those two reads
(the process preempted on a busy machine, another thread holding the GIL for its 5 ms switch interval), it
"skips" the missed tick — and a one-shot has no later tick, so its callback is never called. A short delay makes
that likelier: the job poller schedules its next round in a few milliseconds when it is busy, and a lost round
stopped every poll for good (the jobs table froze under load until the user pressed r).

``ReliableTimers`` is an App with a ``set_timer`` whose one-shots run late rather than never (``skip=False``).
Everything else about them is Textual's: the callback goes through ``call_next``, ``stop()`` cancels it, and the
app stops it on exit. Repeating timers (``set_interval``) keep Textual's skipping, which is right for them.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from textual.app import App
from textual.timer import Timer, TimerCallback

__all__ = ["ReliableTimers"]


class ReliableTimers(App[Any]):
    """An App whose ``set_timer(delay, callback)`` never loses its callback (subclass it instead of ``App``)."""

    def set_timer(self, delay: float, callback: TimerCallback | None = None, *, name: str | None = None,
                  pause: bool = False) -> Timer:
        if callback is None:  # Textual's own use: a Timer event to the target, as upstream
            return super().set_timer(delay, callback, name=name, pause=pause)
        timer = Timer(self, delay, name=name or f"set_timer#{Timer._timer_count}",
                      callback=partial(self.call_next, callback), repeat=0, skip=False, pause=pause)
        timer._start()  # what MessagePump.set_timer does (Textual is pinned exactly: see pyproject.toml)
        self._timers.add(timer)  # stopped with the app, as upstream
        return timer

"""How often a running job is polled, and how polls back off: the rules the app's poller and the CLI's ``--wait``
share. Stdlib only (the CLI imports it without Textual).

Every run is polled each ``interval`` seconds, less often once it has run long; a 429 waits its Retry-After (the
client parsed it, ``api.retry_after``); other failures back off exponentially with jitter, capped; a token bucket
keeps the request rate under ``requests_per_second``.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["MAX_BACKOFF", "RequestBudget", "backoff_delay", "interval_for_age", "rate_limited_wait"]

MAX_BACKOFF = 30.0  # a long outage costs one poll round per 30 s, and recovery is seen within 30 s


def interval_for_age(interval: float, age: float) -> float:
    """Runs that have run long are polled less often: x2 after a minute, x4 after five."""
    if age > 300:
        return interval * 4
    if age > 60:
        return interval * 2
    return interval


def backoff_delay(interval: float, failures: int, jitter: float) -> float:
    """The wait after ``failures`` failed rounds in a row: doubling from the interval, capped, times ``jitter``."""
    return min(MAX_BACKOFF, interval * 2.0 ** failures) * jitter


def rate_limited_wait(retry_after: float | None, interval: float) -> float:
    """A 429's wait: its Retry-After, else one interval."""
    return float(retry_after or interval)


class RequestBudget:
    """A token bucket: on average at most `rate` polls per second, in bursts of at most `rate` (at least 1)."""

    def __init__(self, rate: float, monotonic: Callable[[], float]) -> None:
        self.rate = max(0.1, float(rate))
        self.capacity = max(1.0, self.rate)
        self.tokens = self.capacity
        self._now = monotonic
        self._last = monotonic()

    def _refill(self) -> None:
        now = self._now()
        self.tokens = min(self.capacity, self.tokens + (now - self._last) * self.rate)
        self._last = now

    def take(self, wanted: int) -> int:
        """Spend up to `wanted` tokens; returns how many were granted."""
        self._refill()
        granted = min(wanted, int(self.tokens))
        self.tokens -= granted
        return granted

    def wait_time(self) -> float:
        """Seconds until one token is there."""
        self._refill()
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

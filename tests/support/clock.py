"""One wall clock for the app and the simulator, moved only by the test."""

from __future__ import annotations


class FakeClock:
    """One wall clock for the app and the simulator, moved only by the test: fixed timings in snapshots."""

    def __init__(self, start: float = 1_795_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

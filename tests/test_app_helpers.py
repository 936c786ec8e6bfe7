"""Helpers shared by the app's Pilot flow and snapshot tests (not a test module itself)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any, Callable

from kgp_tui.config import Config, Connection


class FakeClock:
    """One wall clock for the app and the simulator, moved only by the test: fixed timings in snapshots."""

    def __init__(self, start: float = 1_795_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def make_config(tmp_path: Path, poll_interval: float = 0.1) -> Config:
    return Config(path=tmp_path / "config.toml", poll_interval=poll_interval, request_timeout=5.0, env={})


def make_app(sim: Any, tmp_path: Path, key: str | None = None, clock: Any = None, connect: bool = True):
    from kgp_tui.app import KGPApp

    connection = Connection(base_url=sim.base_url, api_key=key, profile="test") if connect and key else None
    return KGPApp(config=make_config(tmp_path), connection=connection, clock=clock)


async def wait_for(pilot: Any, predicate: Callable[[], Any], timeout: float = 8.0, what: str = "") -> Any:
    """Let the app run until `predicate()` is truthy; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        await pilot.pause(0.03)
    raise AssertionError(f"timed out waiting for {what or predicate}")


def screen_text(app: Any) -> str:
    """Everything the current screen shows, as plain text (widgets' rendered lines)."""
    from textual.widgets import DataTable, Static

    parts: list[str] = []
    for widget in app.screen.query("*"):
        if not widget.display:
            continue
        if isinstance(widget, DataTable):
            for row_key in widget.rows:
                parts.append(" | ".join(str(getattr(c, "plain", c)) for c in widget.get_row(row_key)))
        elif isinstance(widget, Static):
            content = widget.render()
            parts.append(str(getattr(content, "plain", content)))
    return "\n".join(parts)


def static_text(app: Any, selector: str) -> str:
    widget = app.screen.query_one(selector)
    content = widget.render()
    return str(getattr(content, "plain", content))


async def settle(pilot: Any, seconds: float = 0.05) -> None:
    await pilot.pause(seconds)
    await asyncio.sleep(0)

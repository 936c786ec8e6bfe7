"""``--wait`` and ``kgp-tui wait``: follow one run to its end as the app's poller does, then report the creation.

The intervals, the request budget, the backoff and Retry-After are ``poll_policy``'s (the app's rules). Progress
goes to stderr: a bar redrawn in place on a terminal, one line per change otherwise. The creation's detail is the
result: one JSON document (v1: as the server gave it; unified: the creation with its ``outputs``) or a summary.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from kgp_tui.format import progress_bar, status_label
from kgp_tui.poll_policy import RequestBudget, backoff_delay, interval_for_age, rate_limited_wait

from .common import DONE, FAILED, STOPPED, Output, Session, shown

if TYPE_CHECKING:
    from kgp_tui.api import domain as d
    from kgp_tui.api.surface import SurfaceAdapter

GIVE_UP_AFTER = 6  # failed polls in a row (about two minutes of backoff) before a script is told: exit 5


class Progress:
    """What a run is doing, on stderr: redrawn in place on a terminal, else a line only when something changed."""

    def __init__(self, out: Output) -> None:
        self.out = out
        self._last: tuple[Any, ...] | None = None
        self._drawn = False

    def update(self, run: d.Run) -> None:
        pct = run.progress_pct
        state = (run.status, None if pct is None else int(pct), run.step)
        if self.out.tty:
            bar = progress_bar(pct, 20) if pct is not None else " " * 20
            self.out.note(f"\r{bar} {describe(run)}\x1b[K", end="")
            self._drawn = True
        elif state != self._last:
            self.out.note(describe(run))
        self._last = state

    def say(self, text: str) -> None:
        self.end()
        self.out.note(f"kgp-tui: {text}")

    def end(self) -> None:
        if self._drawn:
            self.out.note("")
            self._drawn = False


def describe(run: d.Run) -> str:
    """``creation 12 (job 34): processing 40% · rendering scenes``: one line, server text sanitized."""
    cid = run.creation_id or run.id
    job = f" (job {shown(run.id, 40)})" if run.id != cid else ""
    pct = f" {run.progress_pct:.0f}%" if run.progress_pct is not None else ""
    step = f" · {shown(run.step, 80)}" if run.step else ""
    return f"creation {shown(cid, 40)}{job}: {shown(status_label(run.status), 40)}{pct}{step}"


async def follow(
    adapter: SurfaceAdapter, run: d.Run, *, interval: float, requests_per_second: float, progress: Progress,
    poll_first: bool = False, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    monotonic: Callable[[], float] = time.monotonic, jitter: Callable[[], float] = lambda: random.uniform(0.8, 1.2),
) -> d.Run:
    """Poll ``run`` until it ends or needs the user. A refused key or a vanished run raises at once; other
    failures back off and raise after ``GIVE_UP_AFTER`` in a row; a 429 waits its Retry-After."""
    from kgp_tui.api.errors import AuthError, KGPError, NotFound, PermissionDenied, RateLimited

    budget = RequestBudget(requests_per_second, monotonic)
    started = monotonic()
    failures = 0
    delay = 0.0 if poll_first else interval  # the create reply is fresh: the first poll comes one interval later
    progress.update(run)
    while not run.stops_polling:
        await sleep(max(delay, budget.wait_time()))
        budget.take(1)
        try:
            polled = await adapter.poll(run)
        except RateLimited as error:
            delay = rate_limited_wait(error.retry_after, interval)
            progress.say(f"rate limited: next poll in {delay:.0f} s")
            continue
        except (AuthError, PermissionDenied, NotFound):
            progress.end()
            raise
        except KGPError as error:
            failures += 1
            if failures >= GIVE_UP_AFTER:
                progress.end()
                raise
            delay = backoff_delay(interval, failures, jitter())
            progress.say(f"{shown(error.message or type(error).__name__, 200)} (poll {failures} of {GIVE_UP_AFTER - 1} "
                         f"retries; next in {delay:.0f} s)")
            continue
        failures = 0
        run = polled
        progress.update(run)
        delay = interval_for_age(interval, monotonic() - started)
    progress.end()
    return run


def outcome(run: d.Run | None, creation: d.Creation) -> int:
    """0 ready, 1 failed or cancelled, 4 paused for the user (a creation still running counts as done asking)."""
    status = run.status if run is not None else creation.status
    if run is not None and run.needs_user or status == "paused":
        return STOPPED
    if status in ("failed", "cancelled", "invalid"):
        return FAILED
    return DONE


async def detail(s: Session, creation_id: str) -> tuple[d.Creation, dict[str, Any]]:
    """The creation and its JSON document: v1 the detail as given; unified the creation with its ``outputs``
    (asked for once it has a usable delivery)."""
    creation = await s.adapter.creation(creation_id, retries=2)
    document = dict(creation.raw)
    if s.surface == "unified" and (creation.status == "ready" or (creation.run and creation.run.has_usable_delivery)):
        results = await s.adapter.outputs(creation.id)
        document["outputs"] = [dict(r.raw) for r in results]
        creation = replace(creation, results=results)
    return creation, document


async def finish(s: Session, run: d.Run | None, creation_id: str, out: Output, as_json: bool) -> int:
    """After a wait: the detail on stdout, why it stopped on stderr, and the exit code."""
    creation, document = await detail(s, creation_id)
    code = outcome(run, creation)
    if as_json:
        out.json(document)
    else:
        print_creation(out, creation)
    if code == STOPPED:
        stopped = run or creation.run
        pause = stopped.pause if stopped is not None else None
        why = shown(pause.message or pause.reason) if pause is not None else "it waits for you"
        actions = ",".join(stopped.available_actions) if stopped is not None else ""
        out.note(f"kgp-tui: creation {shown(creation.id, 40)} is paused: {why}"
                 + (f" — see: kgp-tui act {shown(creation.id, 40)} {{{actions}}}" if actions else ""))
    elif code == FAILED:
        error = (run.error if run is not None else None) or (creation.run.error if creation.run else None)
        said = shown(error.message or error.code) if error is not None else ""
        out.note(f"kgp-tui: creation {shown(creation.id, 40)} {shown(status_label(creation.status), 40)}"
                 + (f": {said}" if said else "."))
    return code


def print_creation(out: Output, creation: d.Creation) -> None:
    """A creation for a person: id, type, status, title, URL, results, scenes, what can be done next."""
    out.line(f"#{shown(creation.id, 40)} · {shown(creation.type or '?', 40)} · {shown(status_label(creation.status))}")
    if creation.title:
        out.line(f"title:  {shown(creation.title, 200)}")
    if creation.main_url:
        out.line(f"url:    {shown(creation.main_url, 2000)}")
    for result in creation.results:
        label = shown(result.label or result.kind or result.id or "result", 60)
        out.line(f"  {label}: {shown(result.url or '(no URL yet)', 2000)}")
    if creation.scenes:
        out.line(f"scenes: {len(creation.scenes)}")
        for scene in creation.scenes:
            out.line(f"  {shown(scene.id, 40)}  {shown(scene.title or '', 80)}")
    steps = creation.next_steps()
    if steps:
        out.line("next:   " + ", ".join(shown(step.name, 40) + (" (spends credits)" if step.costs_money else "")
                                        for step in steps))

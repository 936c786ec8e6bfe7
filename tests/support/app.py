"""Driving the app as a person would: Pilot helpers shared by the flow and snapshot tests."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kgp_tui.config import Config, Connection
from kgp_tui.screens.catalog import CatalogScreen
from kgp_tui.screens.create import CreateScreen
from kgp_tui.screens.jobs import JobsScreen
from support import patience
from support.clock import FakeClock  # noqa: F401 - re-exported for the app tests

SIZE = (120, 40)
SIZES = [(80, 24), (120, 40)]  # every snapshot at both
FIXED_HOST = "127.0.0.1:8765"


def make_config(tmp_path: Path, poll_interval: float = 0.1, **settings: Any) -> Config:
    return Config(path=tmp_path / "config.toml", poll_interval=poll_interval, request_timeout=5.0, env={}, **settings)


def make_app(sim: Any, tmp_path: Path, key: str | None = None, clock: Any = None, connect: bool = True,
             css_cache: Path | None = None):
    from kgp_tui.app import KGPApp

    connection = Connection(base_url=sim.base_url, api_key=key, profile="test") if connect and key else None
    return KGPApp(config=make_config(tmp_path), connection=connection, clock=clock, css_cache=css_cache)


async def wait_for(pilot: Any, predicate: Callable[[], Any], timeout: float = 8.0, what: str = "") -> Any:
    """Let the app run until `predicate()` is truthy; fail with `what` after `timeout` (scaled) seconds.

    A widget the predicate queries that is not mounted yet (NoMatches) counts as "not yet".
    """
    from textual.css.query import NoMatches

    deadline = time.monotonic() + patience(timeout)
    missing: NoMatches | None = None
    while True:
        try:
            value = predicate()
        except NoMatches as error:
            value, missing = None, error
        if value:
            return value
        if time.monotonic() >= deadline:
            break
        await pilot.pause(0.03)
    raise AssertionError(f"timed out waiting for {what or predicate}" + (f" (last: {missing})" if missing else ""))


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


BACKSPACE = "\b"


def burst(app, keys) -> None:
    """Queue every key at once, as a terminal delivers a burst (a fast typist, SSH, tmux send-keys): a string is
    typed letter by letter, '\\b' is Backspace, '\\r' Enter; a list names keys."""
    from textual import events

    names = {"/": "slash", BACKSPACE: "backspace", "\r": "enter", " ": "space"}
    for key in keys:
        if len(key) == 1:
            printable = key not in (BACKSPACE, "\r")
            app.post_message(events.Key(names.get(key, key), key if printable else None))
        else:
            app.post_message(events.Key(key, None))


async def settle(pilot: Any, seconds: float = 0.05) -> None:
    await pilot.pause(seconds)
    await asyncio.sleep(0)


def cell(table, column: str, row: int = 0) -> str:
    row_key = table.coordinate_to_cell_key((row, 0)).row_key
    return table.get_cell(row_key, column).plain


async def paste(pilot, text: str) -> None:
    """What a terminal sends when the user pastes: one bracketed-paste event to the focused widget."""
    from textual import events

    pilot.app.post_message(events.Paste(text))  # as the terminal driver delivers it
    await pilot.pause()


async def type_into(pilot, selector: str, text: str) -> None:
    """Click the field and type into it, as a person does: once it is laid out (a click on a field just mounted,
    before its first layout, lands elsewhere) and once it has the focus."""
    app = pilot.app
    field = await wait_for(pilot, lambda: app.screen.query_one(selector).region.area and app.screen.query_one(selector),
                           what=f"{selector} on screen")
    await pilot.click(selector)
    await wait_for(pilot, lambda: field.has_focus, what=f"{selector} focused")
    await pilot.press("ctrl+a", "ctrl+k")  # Input: home, then delete to the end
    if text:
        await paste(pilot, text)


async def tab_to(pilot, selector: str, most: int = 30) -> Any:
    """Move the focus to the field with Tab, as a person does who never touches the mouse (a click by position can
    land on another widget while the form is still scrolling to the field that took the focus)."""
    screen = pilot.app.screen
    field = screen.query_one(selector)
    for _ in range(most):
        if field.has_focus:
            return field
        await pilot.press("tab")
    raise AssertionError(f"Tab never reached {selector}; the focus is on {screen.focused!r}")


async def connected_app_on_catalog(pilot) -> None:
    app = pilot.app
    await wait_for(
        pilot,
        # connected: on a second start the catalog kept from last time is listed before the connect is done
        lambda: app.adapter is not None and isinstance(app.screen, CatalogScreen) and app.screen.query("#types")
        and app.screen.query_one("#types").row_count,
        what="catalog",
    )


def form_on_screen(app) -> CreateScreen | None:
    """The create form once it is on screen whole: pushed and composed (not merely pushed: a test that stops at the
    push tears the app down while the form is still mounting). A read-only key's form has no fields to focus."""
    screen = app.screen
    composed = screen.is_mounted and screen.query("Footer, #footer-placeholder")  # compose's last widget is there
    return screen if isinstance(screen, CreateScreen) and composed else None


async def open_type(pilot, type_name: str) -> CreateScreen:
    """From the catalog: filter with '/', go to the table, Enter opens the create form."""
    app = pilot.app
    await pilot.press("slash")
    await paste(pilot, type_name)
    await pilot.press("enter")
    table = app.screen.query_one("#types")
    await wait_for(pilot, lambda: table.row_count == 1 and app.screen.focused is table, what="filtered table")
    await pilot.press("enter")
    return await wait_for(pilot, lambda: form_on_screen(app), what="create form")


async def submit_prompt(pilot, prompt: str) -> None:
    app = pilot.app
    area = app.screen.query_one("#field-prompt")
    assert app.screen.focused is area  # the prompt has focus when the form opens
    await paste(pilot, prompt)
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: isinstance(app.screen, JobsScreen), what="jobs screen after submit")


async def steady(pilot) -> None:
    """No toasts, no blinking cursors: what is left is the screen itself (with its footer, which the first screen
    gets once the keys pause after the first frame)."""
    app = pilot.app
    from kgp_tui.screens.base import KGPScreen

    await wait_for(pilot, lambda: not isinstance(app.screen, KGPScreen)
                   or (app.screen.query("FooterKey") and not app.screen.query("#footer-placeholder")),
                   what="the footer in place, its keys listed")
    await pilot.pause()
    app.clear_notifications()
    for widget in app.screen.query("Input, TextArea"):
        widget.cursor_blink = False
        # Redraw from scratch: TextArea caches its lines by blink phase, so the cursor would show or not by chance.
        widget.notify_style_update()
        widget.refresh()
    await pilot.pause()


async def submitted(pilot) -> None:
    """Catalog → slides_video form → a prompt → ctrl+s; ends on the jobs screen with job 5001 tracked."""
    from textual import events

    app = pilot.app
    await connected_app_on_catalog(pilot)
    await pilot.press("down", "enter")
    await wait_for(pilot, lambda: isinstance(app.screen, CreateScreen), what="form")
    app.post_message(events.Paste("Explain how transformer attention works in 6 pages"))
    await pilot.pause()
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: isinstance(app.screen, JobsScreen) and app.store.runs, what="jobs")


def palette_hits(app: Any) -> list[str]:
    """The command palette's hits, top first, as plain text (empty while it is still searching)."""
    from textual.command import CommandList

    found = app.screen.query(CommandList)
    if not found:
        return []
    hits = found.first()
    return [str(getattr(hits.get_option_at_index(i).prompt, "plain", hits.get_option_at_index(i).prompt))
            for i in range(hits.option_count)]


async def palette_run(pilot, text: str, expect: str) -> None:
    """ctrl+p, type `text`, wait until the top hit shows `expect` (the search runs in a worker), then Enter."""
    await pilot.press("ctrl+p")
    await paste(pilot, text)
    await wait_for(pilot, lambda: (hits := palette_hits(pilot.app)) and expect in hits[0],
                   what=f"{expect!r} at the top of the palette")
    await pilot.press("enter")


async def open_from_history(pilot, creation_id: int | str) -> Any:
    """F6, move to the row of `creation_id`, Enter: the creation screen once that creation is loaded."""
    from kgp_tui.screens.creation import CreationScreen
    from kgp_tui.screens.history import HistoryScreen

    app = pilot.app
    creation_id = str(creation_id)  # ids are text in the app, whatever the surface
    await pilot.press("f6")
    screen = await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen) and app.screen, what="history")
    await wait_for(pilot, lambda: screen.fetching is None and screen.total is not None, what="first page")
    row = next(i for i, r in enumerate(screen.rows) if r.creation_id == creation_id)
    for _ in range(row):
        await pilot.press("down")
    await pilot.press("enter")
    return await wait_for(pilot, lambda: isinstance(app.screen, CreationScreen) and creation_id in app.store.creations
                          and app.screen, what=f"creation #{creation_id}")

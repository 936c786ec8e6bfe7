"""A tiny App that mounts one widget, for driving a widget by keys on its own, and records what it posts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import App, ComposeResult
from textual.message import Message
from textual.widget import Widget


class WidgetHarness(App):
    """Mounts `widget`, focuses what `focus` picks from it (the widget itself by default), and keeps every message
    of the `record` types that reaches the app in `posted`."""

    def __init__(self, widget: Widget, record: tuple[type[Message], ...],
                 focus: Callable[[Any], Widget] | None = None) -> None:
        super().__init__()
        self.widget = widget
        self.record = record
        self.focus_on = focus
        self.posted: list[Message] = []

    def compose(self) -> ComposeResult:
        yield self.widget

    def on_mount(self) -> None:
        (self.focus_on(self.widget) if self.focus_on else self.widget).focus()

    async def _on_message(self, message: Message) -> None:
        if isinstance(message, self.record):
            self.posted.append(message)
        await super()._on_message(message)

"""Typing widgets whose bound keys keep their place in a burst of keys (fast typing, SSH, tmux send-keys).

Their own module: the catalog's filter, on the first frame, needs them and not the form's TextArea (importing it
cost the first frame ~10 ms)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import events
from textual.binding import Binding
from textual.widgets import Input

__all__ = ["KeysInOrder", "ListFilter", "OrderedInput", "after_keys_typed"]


def after_keys_typed(screen: Any, action: Callable[[], object]) -> None:
    """Run `action` (a priority key's: ctrl+s) once the keys typed before that key have reached their field.

    A priority binding acts as soon as the App reads its key, while the letters typed ahead of it still wait in the
    focused widget's queue: "type the key, ctrl+s" in one burst (SSH, tmux, a paste) sent an empty or cut field.
    Queued behind them instead, it sees the whole text."""
    target = screen.focused
    if target is not None and target.is_attached:
        target.call_later(action)
    else:
        action()


class KeysInOrder:
    """Mixed into a widget that takes typing: a bound key (Backspace, ctrl+k, Esc …) acts here, in its place.

    Textual runs a non-priority binding only once its key has bubbled up to the App, a queue per widget later, by
    when the letters typed after it are in already: `abc` Backspace `ZY` became `abcZ`. Run from this widget's own
    queue instead, it keeps its order. A key that arrives after focus moved on (Tab, Enter) goes where focus is now.
    """

    async def _on_key(self, event: events.Key) -> None:
        screen = self.screen  # type: ignore[attr-defined]
        app = self.app  # type: ignore[attr-defined]
        target = screen.focused
        # handed on only when the focus left this widget: a key bubbling up from a focused part of it (a Select's
        # open list) is where it belongs
        if screen is app.screen and target is not None and target is not self and self not in target.ancestors:
            event.stop()
            event.prevent_default()
            # a priority key (ctrl+s) read while the focus was still here missed the bindings of where it is now
            # (the message box's pane): they act now, behind the keys already handed on
            if not await app._check_bindings(event.key, priority=True):
                target._forward_event(events.Key(event.key, event.character))
            return
        await super()._on_key(event)  # type: ignore[misc]
        event.prevent_default()  # the widget's own key handling ran just now: not again further down its classes
        if not event._stop_propagation and screen is app.screen and await app._check_bindings(event.key):
            event.stop()


class OrderedInput(KeysInOrder, Input):
    """An Input whose bound keys keep their place in a burst of typing."""


class ListFilter(OrderedInput):
    """A filter or search box above a list: Enter or ↓ hands the list the focus at once (on the row under its
    cursor, the first match), so the keys typed right after it (↓, Enter) act on the list, as in k9s or fzf.

    Enter still posts `Input.Submitted` (a screen may want to search now instead of after its debounce)."""

    BINDINGS = [Binding("down", "to_list", "To the list", show=False)]

    def __init__(self, *args: object, list_id: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.list_id = list_id

    def action_to_list(self) -> None:
        self.screen.set_focus(self.screen.query_one(f"#{self.list_id}"))

    async def action_submit(self) -> None:
        await super().action_submit()
        self.action_to_list()

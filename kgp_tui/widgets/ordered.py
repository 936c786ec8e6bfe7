"""Typing widgets whose bound keys keep their place in a burst of keys (fast typing, SSH, tmux send-keys).

Their own module: the catalog's filter, on the first frame, needs them and not the form's TextArea (importing it
cost the first frame ~10 ms)."""

from __future__ import annotations

from textual import events
from textual.widgets import Input

__all__ = ["KeysInOrder", "OrderedInput"]


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
        if screen is app.screen and target is not None and target is not self:
            event.stop()
            event.prevent_default()
            target._forward_event(events.Key(event.key, event.character))
            return
        await super()._on_key(event)  # type: ignore[misc]
        event.prevent_default()  # the widget's own key handling ran just now: not again further down its classes
        if not event._stop_propagation and screen is app.screen and await app._check_bindings(event.key):
            event.stop()


class OrderedInput(KeysInOrder, Input):
    """An Input whose bound keys keep their place in a burst of typing."""

"""Textual's Linux/macOS driver, with an input thread that sleeps while nothing is typed.

Textual's input thread waits for the terminal with a 0.1 s timeout, so it wakes ten times a second all day: at rest,
with nothing on screen changing, that was two of the three clock ticks kgp-tui spent in ten seconds (0.2 % of a
core of the 0.3 %; issue 15's goal is below 0.3 %). The timeout is there for two things only: to see the exit flag,
and to let the key parser time out a lone Escape (is it the Escape key or the start of a sequence?). Here the thread
waits with no timeout at all, unless the parser is waiting for the rest of a sequence (then exactly until the
parser's deadline), and the exit flag wakes it through a pipe when it is set.

Only the input loop differs from Textual's `LinuxDriver.run_input_thread` (Textual is pinned exactly, see
pyproject.toml): the keys, mouse events and pastes it sends are the same ones.
"""

from __future__ import annotations

import os
import selectors
import threading
import weakref
from codecs import getincrementaldecoder
from typing import Any

from textual._loop import loop_last
from textual._parser import ParseError
from textual._time import get_time
from textual._xterm_parser import XTermParser
from textual.drivers.linux_driver import LinuxDriver

__all__ = ["QuietLinuxDriver", "parser_wait"]


class _WakingEvent(threading.Event):
    """The driver's exit flag: setting it also wakes the input thread, which may be waiting with no timeout."""

    def __init__(self) -> None:
        super().__init__()
        self.wake_read, self._wake_write = os.pipe()
        os.set_blocking(self._wake_write, False)
        os.set_blocking(self.wake_read, False)
        # open for the driver's whole life: a suspend (SIGTSTP, App.suspend) closes the driver and starts it again
        weakref.finalize(self, _close, self.wake_read, self._wake_write)

    def set(self) -> None:
        super().set()
        try:
            os.write(self._wake_write, b"x")
        except OSError:  # the pipe is full (it is already readable) or closed: the thread is awake or gone
            pass

    def drain(self) -> None:
        try:
            while os.read(self.wake_read, 512):
                pass
        except OSError:  # nothing left to read
            pass


def _close(*fds: int) -> None:
    for fd in fds:
        try:
            os.close(fd)
        except OSError:
            pass


def parser_wait(parser: Any, now: float) -> float | None:
    """How long the input thread may wait for the terminal: until the parser's own timeout (a lone Escape becomes the
    Escape key then), or without limit when the parser waits for nothing. A parser without the timeout this reads
    (another Textual) gets Textual's 0.1 s."""
    if not hasattr(parser, "_timeout_time"):
        return 0.1
    deadline = parser._timeout_time
    if deadline is None:
        return None
    return max(0.0, deadline - now)


class QuietLinuxDriver(LinuxDriver):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.exit_event = _WakingEvent()

    def run_input_thread(self) -> None:
        """Wait for input and dispatch events (Textual's loop, with the waits described in the module's text)."""
        exit_event = self.exit_event
        assert isinstance(exit_event, _WakingEvent)  # made in __init__
        selector = selectors.SelectSelector()
        selector.register(self.fileno, selectors.EVENT_READ)
        selector.register(exit_event.wake_read, selectors.EVENT_READ)

        fileno = self.fileno
        EVENT_READ = selectors.EVENT_READ

        parser = XTermParser(self._debug)
        feed = parser.feed
        tick = parser.tick

        decode = getincrementaldecoder("utf-8")().decode
        read = os.read

        def process_selector_events(selector_events: list[tuple[selectors.SelectorKey, int]],
                                    final: bool = False) -> None:
            for last, (selector_key, mask) in loop_last(selector_events):
                if selector_key.fd != fileno:  # the wake pipe: the loop's condition sees the flag
                    # emptied here, so a byte an earlier stop left in it (disable_input clears the flag, not the
                    # pipe) costs one turn of this loop, never a wait that returns at once every time
                    exit_event.drain()
                    continue
                if mask & EVENT_READ:
                    unicode_data = decode(read(fileno, 1024 * 4), final=final and last)
                    if not unicode_data:
                        # This can occur if the stdin is piped
                        break
                    for event in feed(unicode_data):
                        self.process_message(event)
            for event in tick():
                self.process_message(event)

        try:
            while not exit_event.is_set():
                process_selector_events(selector.select(parser_wait(parser, get_time())))
            selector.unregister(self.fileno)
            selector.unregister(exit_event.wake_read)
            process_selector_events(selector.select(0.1), final=True)
        finally:
            selector.close()
            try:
                for _event in feed(""):
                    pass
            except (EOFError, ParseError):
                pass

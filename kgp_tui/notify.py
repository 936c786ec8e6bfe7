"""A word when work ends: the terminal bell, a desktop notification (OSC 9 and OSC 777) and an optional command,
once per state change of a run (succeeded, failed, cancelled, paused), never once per poll.

Modes (config ``notify``):
- ``auto``: bell and desktop notification, only while the terminal says it is not focused (Textual's AppBlur);
- ``bell`` / ``osc``: only that one, focused or not (for terminals that never report focus);
- ``off``: nothing outside the app. The in-app toast is the app's and always stays.

``notify_command`` (an argument list) runs without a shell whenever a notification goes out; ``{title}``,
``{status}`` and ``{url}`` are replaced inside single arguments, so server text can never become a second one.
Stdlib only: imported with the app.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kgp_tui.config import NOTIFY_MODES
from kgp_tui.format import sanitize, title_text

if TYPE_CHECKING:
    from kgp_tui.store import TrackedRun

PLACEHOLDERS = ("title", "status", "url")
_PLACEHOLDER = re.compile(r"\{(title|status|url)\}")
_ANY_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
URL_WAIT = 20.0  # seconds a success's command waits for the creation's URL (it is loaded after the run ends)
COMMAND_TIMEOUT = 60.0  # a notify_command still running after this is killed: it must not pile up
log = logging.getLogger("kgp_tui.notify")


def check_command(value: object) -> tuple[str, ...]:
    """A valid ``notify_command`` as a tuple, or ValueError saying what is wrong with it."""
    if isinstance(value, str):
        raise ValueError('notify_command must be a list of arguments like ["notify-send", "{title}", "{status}"], '
                         "not a string: it is run without a shell")
    if not isinstance(value, list) or not value or not all(isinstance(arg, str) for arg in value):
        raise ValueError('notify_command must be a non-empty list of strings like ["notify-send", "{title}"]')
    if not value[0].strip():
        raise ValueError("notify_command: the first argument (the program) is empty")
    for arg in value:
        for name in _ANY_PLACEHOLDER.findall(arg):
            if name not in PLACEHOLDERS:
                known = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
                raise ValueError(f"notify_command: unknown placeholder {{{name}}} (known: {known})")
    return tuple(value)


def command_args(command: Sequence[str], title: str, status: str, url: str) -> list[str]:
    """The argument list with the placeholders filled in one pass: text that looks like a placeholder stays."""
    values = {"title": title, "status": status, "url": url}
    return [_PLACEHOLDER.sub(lambda m: values[m.group(1)], arg) for arg in command]


def _osc_text(text: str, max_len: int) -> str:
    # ';' separates OSC 777 fields; control characters (BEL, ESC, ST) would end the sequence early
    return sanitize(text, single_line=True, max_len=max_len).replace(";", ",")


def osc_notification(title: str, body: str, *, tmux: bool = False) -> str:
    """OSC 9 (iTerm2, kitty, WezTerm, Windows Terminal) and OSC 777 (VTE, foot, Ghostty, urxvt) for one message."""
    title, body = _osc_text(title, 80), _osc_text(body, 200)
    message = f"{title}: {body}"
    if message[:1].isdigit():  # ConEmu reads "OSC 9 ; <digit>" as one of its own commands
        message = " " + message
    sequences = [f"\x1b]9;{message}\x07", f"\x1b]777;notify;{title};{body}\x07"]
    if tmux:  # tmux drops OSCs it does not know unless passed through (allow-passthrough on)
        sequences = [f"\x1bPtmux;{s.replace(chr(27), chr(27) * 2)}\x1b\\" for s in sequences]
    return "".join(sequences)


@dataclass(frozen=True)
class Ended:
    """A run's new state, in words fit for outside the app."""

    run_id: str
    creation_id: str | None
    title: str
    status: str
    url: str
    succeeded: bool

    @property
    def body(self) -> str:
        what = f"#{self.creation_id}" if self.creation_id else f"job {self.run_id}"
        return f"creation {what}: {self.status}"


class Notifier:
    """Tells the user outside the app when a run's state changes; the app calls `run_changed` once per change."""

    def __init__(self, app: Any, mode: str = "auto", command: Sequence[str] = (),
                 run: Callable[[list[str]], None] | None = None) -> None:
        self.app = app
        self.mode = mode if mode in NOTIFY_MODES else "auto"
        self.command = tuple(command)
        self._run = run or _run_detached
        self._told: dict[str, str] = {}  # run id -> the state last told: a repeat of it is not a change
        self._waiting: dict[str, Ended] = {}  # creation id -> a success whose command waits for the URL
        self._unsubscribe: Callable[[], None] | None = None

    def run_changed(self, tracked: TrackedRun) -> None:
        run = tracked.run
        state = f"{run.status}:{run.kind}:{run.action or ''}"
        if self._told.get(run.id) == state:
            return
        self._told[run.id] = state
        if not self._wanted():
            return
        ended = self._ended(tracked)
        self._signal(ended)
        if self.command:
            if ended.succeeded and not ended.url and ended.creation_id:
                self._wait_for_url(ended)
            else:
                self._spawn(ended)

    def _wanted(self) -> bool:
        if self.mode == "off":
            return False
        return self.mode != "auto" or not getattr(self.app, "app_focus", True)

    def _ended(self, tracked: TrackedRun) -> Ended:
        run = tracked.run
        creation = self.app.store.creations.get(tracked.creation_id) if tracked.creation_id else None
        title = title_text((creation.title if creation is not None else None) or tracked.title, max_len=80)
        url = (creation.main_url if creation is not None else None) or ""
        status = sanitize(run.status, single_line=True, max_len=20) or "unknown"
        return Ended(run.id, tracked.creation_id, title, status, sanitize(url, single_line=True), bool(run.succeeded))

    def _signal(self, ended: Ended) -> None:
        parts = []
        if self.mode in ("auto", "bell"):
            parts.append("\x07")
        if self.mode in ("auto", "osc"):
            parts.append(osc_notification(f"kgp-tui: {ended.title}", ended.body, tmux=bool(os.environ.get("TMUX"))))
        driver = getattr(self.app, "_driver", None)
        if driver is not None and parts:
            driver.write("".join(parts))  # through the driver, between frames: never a bare print
            driver.flush()

    # -- notify_command ---------------------------------------------------------------------------------

    def _wait_for_url(self, ended: Ended) -> None:
        """A v1 creation's URL comes with its detail, loaded just after the run ends: the command waits for it."""
        assert ended.creation_id is not None
        self._waiting[ended.creation_id] = ended
        if self._unsubscribe is None:
            self._unsubscribe = self.app.store.subscribe(self._on_store)
        self.app.set_timer(URL_WAIT, lambda: self._give_up(ended))

    def _on_store(self, topic: str, key: Any) -> None:
        if topic != "creations" or key not in self._waiting:
            return
        creation = self.app.store.creations.get(key)
        if creation is not None and creation.main_url:
            ended = self._waiting.pop(key)
            title = title_text(creation.title, max_len=80) if creation.title else ended.title  # the server's own
            self._spawn(Ended(ended.run_id, ended.creation_id, title, ended.status,
                              sanitize(creation.main_url, single_line=True), ended.succeeded))

    def _give_up(self, ended: Ended) -> None:
        if ended.creation_id is not None and self._waiting.get(ended.creation_id) is ended:
            del self._waiting[ended.creation_id]
            self._spawn(ended)  # no URL came: the command still hears of the success

    def _spawn(self, ended: Ended) -> None:
        args = command_args(self.command, ended.title, ended.status, ended.url)
        threading.Thread(target=self._run_guarded, args=(args,), name="notify-command", daemon=True).start()

    def _run_guarded(self, args: list[str]) -> None:
        try:
            self._run(args)
        except Exception as error:  # noqa: BLE001 - a broken command is told once, in words, never raised
            log.warning("notify_command %r could not run: %s", args[0], error)
            program = sanitize(args[0], single_line=True, max_len=60)
            why = sanitize(getattr(error, "strerror", None) or type(error).__name__, single_line=True, max_len=80)
            try:
                self.app.call_from_thread(self.app.notify, f"notify_command {program!r} could not run: {why}",
                                          severity="warning", markup=False)
            except RuntimeError:  # the app is closing
                pass


def _run_detached(args: list[str]) -> None:
    """Run the command without a shell, its output discarded; one that hangs is killed after COMMAND_TIMEOUT."""
    import subprocess  # only when a command is configured and due

    with subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                          start_new_session=True) as process:
        try:
            process.wait(COMMAND_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

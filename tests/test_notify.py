"""kgp_tui.notify without the app: one word per state change, what it writes, the command's arguments, and the
config keys `notify` / `notify_command` with clear messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from kgp_tui.api.domain import Run
from kgp_tui.config import ConfigError, parse_config
from kgp_tui.notify import Notifier, command_args, osc_notification
from kgp_tui.store import Store, TrackedRun


class Driver:
    def __init__(self) -> None:
        self.written: list[str] = []

    def write(self, data: str) -> None:
        self.written.append(data)

    def flush(self) -> None:
        pass


class FakeApp:
    """What the notifier needs of the app: its store, its driver and whether the terminal has focus."""

    def __init__(self, focused: bool) -> None:
        self.app_focus = focused
        self.store = Store()
        self._driver = Driver()


def tracked(status: str, run_id: str = "5001", surface: str = "v1") -> TrackedRun:
    return TrackedRun(run=Run(surface=surface, id=run_id, creation_id="101", status=status), title="Tides")


def signals(app: FakeApp) -> list[str]:
    return list(app._driver.written)


def test_one_word_per_state_change_however_often_it_is_reported():
    app = FakeApp(focused=False)
    notifier = Notifier(app, "auto")
    for _ in range(5):
        notifier.run_changed(tracked("succeeded"))
    assert len(signals(app)) == 1
    written = signals(app)[0]
    assert written.startswith("\x07")
    assert "\x1b]9;kgp-tui: Tides: creation #101: succeeded\x07" in written
    assert "\x1b]777;notify;kgp-tui: Tides;creation #101: succeeded\x07" in written


def test_a_new_state_of_the_same_run_is_a_new_word():
    app = FakeApp(focused=False)
    notifier = Notifier(app, "bell")
    for status in ("paused", "paused", "generating", "paused", "ready", "ready"):
        notifier.run_changed(tracked(status, surface="unified"))
    assert signals(app) == ["\x07"] * 4  # paused, generating, paused again, ready


def test_auto_says_nothing_while_the_terminal_is_focused_bell_and_osc_always_do():
    focused = FakeApp(focused=True)
    Notifier(focused, "auto").run_changed(tracked("failed"))
    assert signals(focused) == []
    for mode, expected in (("bell", "\x07"), ("osc", "\x1b]9;")):
        app = FakeApp(focused=True)
        Notifier(app, mode).run_changed(tracked("failed"))
        assert len(signals(app)) == 1 and signals(app)[0].startswith(expected)
        assert ("\x07" == signals(app)[0]) == (mode == "bell")
    off = FakeApp(focused=False)
    Notifier(off, "off").run_changed(tracked("failed"))
    assert signals(off) == []


def test_server_text_cannot_end_the_escape_sequence_or_add_fields():
    hostile = "Tides\x07\x1b]52;c;ZXZpbA==\x07; more\x9c"
    sequence = osc_notification(hostile, "done")
    assert sequence.count("\x07") == 2  # each OSC's own terminator, nothing from the title
    assert "\x1b]52" not in sequence and "\x9c" not in sequence
    assert sequence.count(";") == 1 + 3  # "9;" and "777;notify;title;body": the title's own ';' became ','
    assert osc_notification("7 tides", "x").startswith("\x1b]9; 7 tides")  # not a ConEmu "OSC 9;7" command


def test_under_tmux_the_notification_is_passed_through():
    sequence = osc_notification("Tides", "done", tmux=True)
    assert sequence.startswith("\x1bPtmux;\x1b\x1b]9;Tides: done\x07\x1b\\")


def test_placeholders_fill_single_arguments_in_one_pass():
    args = command_args(["notify", "{title}", "--", "{status}: {url}", "{other}"],
                        title="a b; $(rm -rf ~) {url}", status="failed", url="https://x/y?a=1&b=2")
    assert args == ["notify", "a b; $(rm -rf ~) {url}", "--", "failed: https://x/y?a=1&b=2", "{other}"]


def config(text: str):
    return parse_config(text, Path("/tmp/kgp-tui-test.toml"), env={})


def test_notify_settings_parse():
    parsed = config('notify = "osc"\nnotify_command = ["notify-send", "{title}", "{status} {url}"]\n')
    assert parsed.notify == "osc"
    assert parsed.notify_command == ("notify-send", "{title}", "{status} {url}")
    assert config("").notify == "auto" and config("").notify_command == ()


@pytest.mark.parametrize(("text", "said"), [
    ('poll_interval = 2\nnotify = "loud"\n', "2: notify must be one of auto, bell, osc, off, not 'loud'"),
    ("notify = true\n", "1: notify must be a string, not bool"),
    ('notify_command = "notify-send {title}"\n', "1: notify_command must be a list of arguments like"),
    ("notify_command = []\n", "1: notify_command must be a non-empty list of strings"),
    ('notify_command = ["x", 3]\n', "1: notify_command must be a non-empty list of strings"),
    ('notify_command = ["", "{title}"]\n', "1: notify_command: the first argument (the program) is empty"),
    ('notify_command = ["x", "{titel}"]\n', "1: notify_command: unknown placeholder {titel} (known: {title}, "
                                            "{status}, {url})"),
])
def test_bad_notify_settings_are_refused_with_their_line(text, said):
    with pytest.raises(ConfigError) as caught:
        config(text)
    assert said in str(caught.value)

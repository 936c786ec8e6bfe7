"""kgp_tui.driver: the input thread sleeps while nothing is typed, and still delivers every key, a lone Escape,
the exit and a stop/continue of the process. A real Textual app on a real pseudo-terminal, in its own process."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from kgp_tui.driver import QuietLinuxDriver, parser_wait

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the Linux/macOS driver")

CHILD = """
import os
from textual.app import App
from textual.widgets import Static
from kgp_tui.driver import QuietLinuxDriver

out = int(os.environ["OUT_FD"])

class KeysApp(App):
    def get_driver_class(self):
        return QuietLinuxDriver

    def compose(self):
        yield Static("keys")

    def on_ready(self):
        os.write(out, b"ready\\n")

    def on_key(self, event):
        os.write(out, f"key {event.key}\\n".encode())
        if event.key == "q":
            self.exit()

KeysApp().run()
os.write(out, b"exited\\n")
"""


class KeysChild:
    """The app above on a 80×24 pseudo-terminal; `lines` is what it said on its pipe."""

    def __init__(self) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        self._read, write = os.pipe()
        env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TEXTUAL_DRIVER")}
        env.update(OUT_FD=str(write), TERM="xterm-256color",
                   PYTHONPATH=str(Path(__file__).resolve().parent.parent))
        self.proc = subprocess.Popen([sys.executable, "-c", CHILD], stdin=slave, stdout=slave, stderr=slave,
                                     env=env, pass_fds=(write,), start_new_session=True)
        os.close(slave)
        os.close(write)
        self.lines: list[str] = []
        self._buffer = b""
        self.screen = b""

    def pump(self, timeout: float) -> None:
        ready, _, _ = select.select([self.master, self._read], [], [], timeout)
        if self.master in ready:
            try:
                self.screen = (self.screen + os.read(self.master, 65536))[-20000:]
            except OSError:
                pass
        if self._read in ready:
            self._buffer += os.read(self._read, 4096)
            *lines, self._buffer = self._buffer.split(b"\n")
            self.lines += [line.decode() for line in lines]

    def wait_for(self, line: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while line not in self.lines:
            if time.monotonic() > deadline:
                raise AssertionError(f"no {line!r} from the app; it said {self.lines}, its screen ended "
                                     f"{self.screen[-800:]!r}")
            self.pump(0.05)

    def type(self, data: bytes) -> None:
        os.write(self.master, data)

    def drain(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            self.pump(min(left, 0.05))

    def voluntary_switches(self) -> int:
        """Every thread's voluntary context switches so far: one each time a thread went to sleep (woke from a
        timeout or an event). Load on the machine adds involuntary ones only."""
        total = 0
        for task in Path(f"/proc/{self.proc.pid}/task").iterdir():
            try:
                status = (task / "status").read_text()
            except OSError:  # a thread that just ended
                continue
            for line in status.splitlines():
                if line.startswith("voluntary_ctxt_switches:"):
                    total += int(line.split()[1])
        return total

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for fd in (self.master, self._read):
            os.close(fd)


@pytest.fixture
def child():
    keys = KeysChild()
    try:
        keys.wait_for("ready")
        yield keys
    finally:
        keys.close()


def test_keys_a_lone_escape_and_the_exit_all_arrive(child: KeysChild) -> None:
    child.type(b"a\x1b[B")
    child.wait_for("key a")
    child.wait_for("key down")
    child.type(b"\x1b")  # nothing follows: only the parser's timeout makes it the Escape key
    child.wait_for("key escape")
    child.type(b"q")
    child.wait_for("exited")  # the exit flag woke the input thread, which waits with no timeout
    assert child.proc.wait(timeout=30) == 0


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads /proc")
def test_at_rest_the_input_thread_sleeps_instead_of_waking_ten_times_a_second(child: KeysChild) -> None:
    child.type(b"x")
    child.wait_for("key x")
    child.drain(0.5)  # whatever the key set going has settled
    before = child.voluntary_switches()
    child.drain(2.0)
    woke = child.voluntary_switches() - before
    assert woke < 8, f"the app's threads went to sleep {woke} times in 2 s at rest (Textual's input thread: 20)"
    child.type(b"y")
    child.wait_for("key y")


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads /proc")
def test_a_stopped_and_continued_app_reads_keys_again(child: KeysChild) -> None:
    """SIGTSTP stops the input thread (the exit flag, so the wake pipe) and SIGCONT starts a new one: the byte
    left in the pipe by the stop must not end the new thread at once."""
    child.proc.send_signal(signal.SIGTSTP)
    deadline = time.monotonic() + 30
    while Path(f"/proc/{child.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "T":
        assert time.monotonic() < deadline, "the app never stopped"
        child.pump(0.05)
    child.proc.send_signal(signal.SIGCONT)
    child.drain(0.3)
    child.type(b"z")
    child.wait_for("key z")
    child.type(b"q")
    child.wait_for("exited")


def test_the_wait_is_the_parsers_deadline_or_none() -> None:
    class Parser:
        _timeout_time: float | None = None

    parser = Parser()
    assert parser_wait(parser, now=100.0) is None  # nothing pending: no timeout at all
    parser._timeout_time = 100.25
    assert parser_wait(parser, now=100.0) == pytest.approx(0.25)
    assert parser_wait(parser, now=101.0) == 0.0  # past due: at once, so tick() sends the Escape
    assert parser_wait(object(), now=100.0) == 0.1  # another parser: Textual's own timeout


def test_kgp_tui_runs_on_it_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    from textual.drivers.linux_driver import LinuxDriver

    from kgp_tui.app import KGPApp

    monkeypatch.delenv("TEXTUAL_DRIVER", raising=False)
    app = KGPApp()
    assert issubclass(QuietLinuxDriver, LinuxDriver)
    assert app.get_driver_class() is QuietLinuxDriver


def test_the_exit_flag_wakes_through_its_pipe_and_drains_it() -> None:
    import selectors

    from kgp_tui.driver import _WakingEvent

    flag = _WakingEvent()
    with selectors.SelectSelector() as selector:
        selector.register(flag.wake_read, selectors.EVENT_READ)
        assert selector.select(0) == []  # nothing to wake for yet
        flag.set()
        assert flag.is_set()
        assert [key.fd for key, _ in selector.select(0)] == [flag.wake_read]  # a thread waiting with no timeout wakes
        flag.clear()
        flag.drain()
        assert selector.select(0) == []  # no byte left behind to make every later wait return at once

"""Spawn a benchmark child on a real pseudo-terminal, talk to it over two pipes, and read its CPU time and RSS.

The child gets `BENCH_FD` (it writes JSON lines: events and results) and `BENCH_CMD` (it reads command lines).
The parent keeps the terminal drained so the child never blocks writing a frame, and can type keys into it.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time
from typing import Any

CLOCK_TICK = os.sysconf("SC_CLK_TCK")
KEYS = {"down": b"\x1b[B", "up": b"\x1b[A", "end": b"\x1b[F", "ctrl+q": b"\x11"}


class Child:
    def __init__(self, argv: list[str], env: dict[str, str], size: tuple[int, int] = (100, 30)) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
        self._events_read, events_write = os.pipe()
        cmd_read, self._cmd_write = os.pipe()
        self.spawned_at = time.time()
        self.proc = subprocess.Popen(
            argv, stdin=slave, stdout=slave, stderr=slave, start_new_session=True,
            env={**env, "BENCH_FD": str(events_write), "BENCH_CMD": str(cmd_read)},
            pass_fds=(events_write, cmd_read),
        )
        os.close(slave)
        os.close(events_write)
        os.close(cmd_read)
        self._buffer = b""
        self.events: list[dict[str, Any]] = []
        self.screen_bytes = 0
        self.tail = b""

    # -- talking ------------------------------------------------------------------------------------------

    def pump(self, timeout: float = 0.05) -> None:
        """Drain the terminal and collect events for up to `timeout` seconds (returns early on an event)."""
        ready, _, _ = select.select([self.master, self._events_read], [], [], timeout)
        if self.master in ready:
            try:
                chunk = os.read(self.master, 1 << 16)
            except OSError:
                chunk = b""
            self.screen_bytes += len(chunk)
            self.tail = (self.tail + chunk)[-65536:]  # what a child that died last wrote (a traceback)
        if self._events_read in ready:
            chunk = os.read(self._events_read, 1 << 16)
            self._buffer += chunk
            *lines, self._buffer = self._buffer.split(b"\n")
            self.events += [json.loads(line) for line in lines if line.strip()]

    def wait_event(self, name: str, timeout: float = 60.0) -> dict[str, Any]:
        deadline = time.time() + timeout
        while time.time() < deadline:
            for event in self.events:
                if event.get("event") == name:
                    self.events.remove(event)
                    return event
            if self.proc.poll() is not None:
                self.pump(0.0)
                if not any(e.get("event") == name for e in self.events):
                    raise RuntimeError(f"the child exited ({self.proc.returncode}) before {name!r}; it wrote last:\n"
                                       + self.tail.decode(errors="replace")[-6000:])
            self.pump()
        raise TimeoutError(f"no {name!r} from the child within {timeout:g} s")

    def sleep(self, seconds: float) -> None:
        """Wait while keeping the terminal drained."""
        deadline = time.time() + seconds
        while (left := deadline - time.time()) > 0:
            self.pump(min(left, 0.05))

    def command(self, text: str) -> None:
        try:
            os.write(self._cmd_write, text.encode() + b"\n")
        except BrokenPipeError:
            self.pump(0.2)
            raise RuntimeError(f"the child exited before {text!r}; it wrote last:\n"
                               + self.tail.decode(errors="replace")[-6000:]) from None

    def key(self, name: str) -> float:
        sent = time.time()
        os.write(self.master, KEYS[name])
        return sent

    # -- measuring ----------------------------------------------------------------------------------------

    def cpu_seconds(self) -> float:
        with open(f"/proc/{self.proc.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICK  # utime + stime

    def rss_mb(self) -> float:
        with open(f"/proc/{self.proc.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return float("nan")

    def __enter__(self) -> Child:
        return self

    def __exit__(self, kind: object, *_: object) -> None:
        # A measurement that failed must not leave its app running: it has its own session, so nothing else ends it
        self.close(timeout=0.0 if kind is not None else 10.0)

    def close(self, timeout: float = 10.0) -> None:
        deadline = time.time() + timeout
        while self.proc.poll() is None and time.time() < deadline:
            self.pump()
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for fd in (self.master, self._events_read, self._cmd_write):
            try:
                os.close(fd)
            except OSError:
                pass


def probe(mode: str, env: dict[str, str], size: tuple[int, int] = (100, 30)) -> Child:
    """Start `python -m benchmarks.probe MODE` on a pseudo-terminal."""
    return Child([sys.executable, "-m", "benchmarks.probe", mode], env, size)

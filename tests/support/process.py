"""Reading a subprocess's first lines without letting a silent process hang the test."""

from __future__ import annotations

import queue
import subprocess
import threading


def first_lines(process: subprocess.Popen, count: int, timeout: float = 10) -> list[str]:
    """The first lines the process prints, read on a thread so a silent process cannot hang the test."""
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(process.stdout.readline()) for _ in range(count)],
                     daemon=True).start()
    try:
        return [lines.get(timeout=timeout).rstrip("\n") for _ in range(count)]
    except queue.Empty:
        raise AssertionError("the simulator did not print its first lines in time") from None


def default_signals() -> None:
    """A child's SIGINT as a terminal gives it (pass as ``preexec_fn``). A suite started in the background of a
    non-interactive shell (`nohup pytest &`, some CI runners) has SIGINT ignored, and a child inherits that: Ctrl+C
    tests then wait for an exit that never comes."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)

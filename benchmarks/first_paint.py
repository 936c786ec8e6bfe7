"""Time to first paint of `kgp-tui` (connected via env to a running simulator) against a bare Textual app.

Both run the same way, in the same run: a fresh Python process on a real pseudo-terminal (100×30), timed from just
before the process is spawned until its first frame is written (at Textual's `Ready`, or just after it: FIRST_FRAME).
Prints the median, min and max of each and the ratio of the medians. Usage: python -m benchmarks.first_paint [-n 7]
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import select
import statistics
import struct
import subprocess
import sys
import termios
import time

# Both stamp the first frame: at Textual's Ready when a frame was written before it (Textual sends Ready once the
# first frame is on screen), else at the first frame written after it (a first layout made inside Textual's mount
# batch sends Ready before the batch's frame is drawn). On the class, so that each app's own Ready runs too.
FIRST_FRAME = """
import os, time
def _stamp(app):
    os.write(int(os.environ["BENCH_FD"]), repr(time.time()).encode())
    app.exit()
class FirstFrame:
    _frames = 0
    _waiting = False
    def _display(self, screen, renderable):
        wrote = (renderable is not None and not self._batch_count and self._running and not self._closed
                 and self._driver is not None)
        super()._display(screen, renderable)
        if wrote:
            self._frames += 1
            if self._waiting:
                self._waiting = False
                _stamp(self)
    def on_ready(self):
        if self._frames:
            _stamp(self)
        else:
            self._waiting = True
"""

BARE = FIRST_FRAME + """
from textual.app import App
from textual.widgets import Static
class Bare(FirstFrame, App):
    def compose(self):
        yield Static("hello")
Bare().run()
"""

KGP = FIRST_FRAME + """
import sys
import kgp_tui.app as appmod
class Probe(FirstFrame, appmod.KGPApp):
    pass
appmod.KGPApp = Probe
from kgp_tui.__main__ import main
sys.exit(main([]))
"""


def time_one(code: str, env: dict[str, str]) -> float:
    """Seconds from spawn to the child's first frame (see FIRST_FRAME), with the child on a 100×30 pseudo-terminal."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    read_end, write_end = os.pipe()
    started = time.time()
    child = subprocess.Popen(
        [sys.executable, "-c", code], stdin=slave, stdout=slave, stderr=slave,
        env={**env, "BENCH_FD": str(write_end)}, pass_fds=(write_end,), start_new_session=True,
    )
    os.close(slave)
    os.close(write_end)
    stamp = b""
    deadline = time.time() + 30
    while child.poll() is None and time.time() < deadline:
        ready, _, _ = select.select([master, read_end], [], [], 0.1)
        if master in ready:
            try:
                os.read(master, 65536)  # keep the terminal drained so the child never blocks writing
            except OSError:
                break
        if read_end in ready:
            stamp += os.read(read_end, 64)
    if child.poll() is None:
        child.kill()
    child.wait()
    os.close(master)
    os.close(read_end)
    if not stamp:
        raise RuntimeError("the child never reached its first paint")
    return float(stamp) - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=7, help="runs of each (default 7)")
    args = parser.parse_args(argv)

    from kgp_tui.simulator import Simulator

    with Simulator(step_seconds=1.0) as sim:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KGP_")}
        env.update(TERM="xterm-256color", KGP_BASE_URL=sim.base_url, KGP_API_KEY=sim.api_key,
                   XDG_CONFIG_HOME="/tmp/kgp-bench/config", XDG_STATE_HOME="/tmp/kgp-bench/state",
                   XDG_DATA_HOME="/tmp/kgp-bench/data")
        env.pop("NO_COLOR", None)
        results: dict[str, list[float]] = {"bare Textual app": [], "kgp-tui": []}
        for _ in range(args.n):  # interleaved, so both see the same machine load
            results["bare Textual app"].append(time_one(BARE, env))
            results["kgp-tui"].append(time_one(KGP, env))
    print(f"{'first paint':<18}{'median':>10}{'min':>10}{'max':>10}   (n={args.n}, ms)")
    for name, values in results.items():
        print(f"{name:<18}{statistics.median(values) * 1000:>10.0f}{min(values) * 1000:>10.0f}"
              f"{max(values) * 1000:>10.0f}")
    ratio = statistics.median(results["kgp-tui"]) / statistics.median(results["bare Textual app"])
    print(f"ratio kgp-tui / bare: {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

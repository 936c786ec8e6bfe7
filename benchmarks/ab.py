"""Interleaved A/B of the start-up: two (or more) checkouts of kgp-tui, started in turn on the same simulator.

    python -m benchmarks.ab v1 12 before:/work/wt/old after:/work/wt/new after-60fps:/work/wt/new,TEXTUAL_FPS=60
    python -m benchmarks.ab unified 12 bare: main:.

Each config is `name:PATH[,VAR=value…]`: a checkout (a git worktree) and environment variables for its runs; `bare:`
is the bare Textual app of `first_paint` (the usable-screen baseline). Every config gets its own warm state made by
its own code (an untimed start: bytecode cached, the catalog kept), then the configs take turns, N rounds. It prints
the medians of the first frame, ↓ moved and answered (after the key) and usable (from spawn), the share of first
frames that said where they connect, and usable over the bare app's first paint when `bare:` is given.

The child runs with the checkout as its working directory and on PYTHONPATH: `python -m` puts the working directory
first on `sys.path`, so a child started from another checkout imports that one's kgp_tui whatever PYTHONPATH says
(the A/Bs of issue 15's fifth round were run that way from the main checkout: both sides ran main's code).
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.child import Child
from benchmarks.first_paint import BARE, time_one
from benchmarks.run import Settings, child_env, start_to_usable


def parse(spec: str) -> tuple[str, Path | None, dict[str, str]]:
    name, _, rest = spec.partition(":")
    path, *pairs = rest.split(",") if rest else [""]
    env = dict(pair.split("=", 1) for pair in pairs if pair)
    return name, (Path(path).resolve() if path else None), env


def main(argv: list[str]) -> int:
    if len(argv) < 3:
        print(__doc__)
        return 2
    surface, rounds, specs = argv[0], int(argv[1]), [parse(spec) for spec in argv[2:]]
    from kgp_tui.simulator import Simulator

    settings = Settings(quick=True, runs=1)
    tmp = Path(tempfile.mkdtemp(prefix="kgp-ab-"))
    rows: dict[str, list[dict[str, float]]] = {name: [] for name, _, _ in specs}
    here = os.getcwd()

    def env_for(folder: Path, sim: Any, checkout: Path, extra: dict[str, str]) -> dict[str, str]:
        env = child_env(folder, sim, settings.interval, settings.budget) | {"BENCH_SURFACE": surface} | extra
        env["PYTHONPATH"] = str(checkout)
        env["PYTHONPYCACHEPREFIX"] = str(tmp / f"pycache-{checkout.name}")
        return env

    try:
        with Simulator(step_seconds=3600.0, surface=surface) as sim:
            warm: dict[str, Path] = {}
            for name, checkout, extra in specs:
                if checkout is None:
                    continue
                warm[name] = tmp / f"warm-{name}"
                os.chdir(checkout)
                with Child([sys.executable, "-m", "benchmarks.probe", "kgp-warm"],
                           env_for(warm[name], sim, checkout, extra)) as child:
                    child.close(timeout=60)
            for turn in range(rounds):
                for name, checkout, extra in specs:
                    folder = tmp / f"{name}-{turn}"
                    if checkout is None:  # the bare app
                        os.chdir(here)
                        paint = time_one(BARE, env_for(folder, sim, Path(here), extra))
                        rows[name].append({"first": paint, "usable": paint})
                        continue
                    shutil.copytree(warm[name], folder)
                    os.chdir(checkout)
                    with Child([sys.executable, "-m", "benchmarks.probe", "kgp-live"],
                               env_for(folder, sim, checkout, extra)) as child:
                        usable = start_to_usable(child)
                        rows[name].append({key: float(usable[key]) for key in
                                           ("first", "moved", "answered", "usable", "says_where")})
                        child.proc.kill()
    finally:
        os.chdir(here)
        shutil.rmtree(tmp, ignore_errors=True)
    bare = statistics.median(r["usable"] for r in rows["bare"]) if rows.get("bare") else None
    for name, runs in rows.items():
        keys = [k for k in ("first", "moved", "answered", "usable") if all(k in r for r in runs)]
        line = ", ".join(f"{k} {1000 * statistics.median(r[k] for r in runs):.0f} ms" for k in keys)
        if "says_where" in runs[0]:
            line += f", says where {sum(r['says_where'] for r in runs):.0f}/{len(runs)}"
        if bare and name != "bare":
            line += f", usable / bare first paint {statistics.median(r['usable'] for r in runs) / bare:.2f}"
        print(f"{name:>12} (n={len(runs)}): {line}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

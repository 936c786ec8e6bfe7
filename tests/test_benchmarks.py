"""The benchmark suite must not rot: its quick mode runs end to end and produces every figure.

No timing is asserted here (a busy CI machine would make that flaky); the figures and their goals are read from
`python -m benchmarks` and recorded in benchmarks/README.md.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_quick_benchmarks_run_and_produce_every_figure(tmp_path):
    from benchmarks.run import FIGURES

    env = {k: v for k, v in os.environ.items() if k != "BENCH_PROFILE"}
    result = subprocess.run(
        # one tiny run per figure: every code path of the benchmarks still runs, in a fifth of --quick's time
        [sys.executable, "-m", "benchmarks", "--smoke", "--out", str(tmp_path)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    data = json.loads((tmp_path / "latest.json").read_text())
    assert set(data["surfaces"]) == {"v1", "unified"}  # both surfaces by default
    for surface, measured in data["surfaces"].items():
        assert set(measured["figures"]) == set(FIGURES), surface
        for name, figure in measured["figures"].items():
            value = figure["value"]
            assert value["n"] >= 1 and value["median"] is not None, (surface, name)
            assert value["min"] <= value["median"] <= value["max"], (surface, name)
            assert figure.get("baseline", {}).get("median") is not None, f"{surface} {name} has no baseline"
        # the history really held what was seeded (10,000 in a full run)
        assert measured["figures"]["rss"]["history"]["rows"] >= data["settings"]["creations"], surface
        keys = measured["keys"]
        assert all(seen == sent for seen, sent in zip(keys["seen"], keys["sent"])), surface  # no key lost
        assert isinstance(measured["figures"]["usable_screen"]["first_frame_says_where"], bool)
        assert measured["figures"]["usable_screen"]["connected_at"]["median"] is not None, surface
        assert f"surface {surface}" in result.stdout
    assert all(name in result.stdout for name in FIGURES)  # the table printed them
    assert data["machine"]["cpus"] and data["machine"]["python"]


@pytest.mark.slow
def test_the_ab_helper_runs_each_side_from_its_own_checkout(tmp_path):
    """`python -m benchmarks.ab`: one round of the bare app and of this checkout, each figure printed; the side it
    starts is this tree's code even from another working directory (the cwd is first on a `python -m` child's path)."""
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.ab", "v1", "1", "bare:", f"this:{ROOT}"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    lines = {line.split("(")[0].strip(): line for line in result.stdout.splitlines() if "(n=1)" in line}
    assert set(lines) == {"bare", "this"}, result.stdout
    this = lines["this"]
    for figure in ("first", "moved", "answered", "usable", "says where 1/1", "usable / bare first paint"):
        assert figure in this, this

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
        # one run per figure: every code path of the benchmarks still runs, in half the time of --quick's three
        [sys.executable, "-m", "benchmarks", "--quick", "--runs", "1", "--out", str(tmp_path)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    data = json.loads((tmp_path / "latest.json").read_text())
    assert set(data["figures"]) == set(FIGURES)
    for name, figure in data["figures"].items():
        value = figure["value"]
        assert value["n"] >= 1 and value["median"] is not None, name
        assert value["min"] <= value["median"] <= value["max"], name
        assert figure.get("baseline", {}).get("median") is not None, f"{name} has no baseline"
        assert name in result.stdout  # the table printed it
    assert data["figures"]["rss"]["history"]["rows"] >= 10_000  # the history really held ten thousand
    assert all(seen == sent for seen, sent in zip(data["keys"]["seen"], data["keys"]["sent"]))  # no key lost
    assert data["machine"]["cpus"] and data["machine"]["python"]

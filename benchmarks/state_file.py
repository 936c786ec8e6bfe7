"""What the local state file (kgp_tui.persist) costs: one job update written, and restoring N jobs.

- write: a flush of one changed job on the main thread, as the app does it (model → row → one transaction), median
  over many updates of the same job; also a flush of 20 changed jobs (a poll round) in one transaction.
- restore: reading N jobs for a profile and rebuilding them as models (the worker-thread part), then the App
  putting them in the store (the main-thread part), and the jobs screen drawing them, in a headless app.
Usage: python -m benchmarks.state_file [--jobs 500] [--updates 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path


def make_job(job_id: int, progress: float):
    from kgp_tui.api.models import Job
    from kgp_tui.store import TrackedJob

    job = Job(job_id=job_id, creation_id=job_id - 4900, kind="create", status="running", progress_pct=progress,
              current_step="Rendering scenes", created_at="2026-01-01T10:00:00Z", updated_at="2026-01-01T10:01:00Z")
    return TrackedJob(job=job, type_name="slides_video", title=f"Benchmark job {job_id}", received_at=1.0,
                      first_seen=1.0)


def measure_writes(path: Path, updates: int) -> tuple[float, float]:
    from kgp_tui.persist import LocalStore
    from kgp_tui.resume import job_row

    db = LocalStore.open(path)
    single = []
    for n in range(updates):
        tracked = make_job(5001, n % 100)
        started = time.perf_counter()
        db.save("bench", jobs=[job_row(tracked)])
        single.append(time.perf_counter() - started)
    batch = []
    for n in range(updates // 20):
        rows = [make_job(6000 + i, n % 100) for i in range(20)]
        started = time.perf_counter()
        db.save("bench", jobs=[job_row(t) for t in rows])
        batch.append(time.perf_counter() - started)
    db.close()
    return statistics.median(single), statistics.median(batch)


def measure_load(path: Path, jobs: int) -> tuple[float, float]:
    from kgp_tui.persist import LocalStore
    from kgp_tui.resume import job_row, tracked_from_row

    db = LocalStore.open(path)
    db.save("restore", jobs=[job_row(make_job(10_000 + n, 50.0)) for n in range(jobs)])
    started = time.perf_counter()
    snapshot = db.load("restore")
    read = time.perf_counter() - started
    rebuilt = [tracked_from_row(row) for row in snapshot.jobs]
    total = time.perf_counter() - started
    assert len(rebuilt) == jobs
    db.close()
    return read, total


async def measure_apply(path: Path, jobs: int) -> tuple[float, float]:
    """Main-thread part: StateRestored handled (store filled, polls scheduled), then the jobs table drawn."""
    from kgp_tui.app import KGPApp
    from kgp_tui.config import Config
    from kgp_tui.messages import StateRestored
    from kgp_tui.persist import LocalStore
    from kgp_tui.resume import tracked_from_row

    snapshot = LocalStore.open(path).load("restore")
    tracked = [tracked_from_row(row) for row in snapshot.jobs]
    app = KGPApp(config=Config(path=path.parent / "config.toml", env={}))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.2)
        app.persistence.profile = "restore"
        started = time.perf_counter()
        app.persistence.apply(StateRestored("restore", tracked, [], {}, []))
        applied = time.perf_counter() - started
        await pilot.pause(0.1)
        started = time.perf_counter()
        app.switch_mode("jobs")
        await pilot.pause()
        drawn = time.perf_counter() - started
        assert app.screen.query_one("#jobs-table").row_count == jobs
        app.poller.stop()
    return applied, drawn


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=500)
    parser.add_argument("--updates", type=int, default=2000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        single, batch = measure_writes(Path(tmp) / "w.sqlite3", args.updates)
        read, total = measure_load(Path(tmp) / "r.sqlite3", args.jobs)
        applied, drawn = asyncio.run(measure_apply(Path(tmp) / "r.sqlite3", args.jobs))
    print(f"write one job update (model → row → commit), median of {args.updates}: {single * 1e6:.0f} µs")
    print(f"write 20 job updates in one transaction, median: {batch * 1e6:.0f} µs ({batch * 1e6 / 20:.0f} µs/job)")
    print(f"restore {args.jobs} jobs, worker thread: read {read * 1e3:.1f} ms, read + rebuild models {total * 1e3:.1f} ms")
    print(f"restore {args.jobs} jobs, main thread: into the store, polls scheduled {applied * 1e3:.1f} ms")
    print(f"then the jobs screen's first draw with {args.jobs} rows (screens/jobs.py): {drawn * 1e3:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Requests per second the app sends while it watches N active jobs, counted at the simulator.

The app runs headless against an in-process simulator whose jobs stay running for the whole measurement. Jobs are
created over real HTTP and handed to the app the way a 202 from the create form is (a CreateSubmitted message).
Usage: python -m benchmarks.poll_rate [--jobs 20 500] [--seconds 15] [--interval 3] [--budget 10]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path


async def measure(jobs: int, seconds: float, interval: float, budget: float) -> float:
    from kgp_tui import messages as msg
    from kgp_tui.api.client import KGPClient
    from kgp_tui.app import KGPApp
    from kgp_tui.config import Config, Connection
    from kgp_tui.simulator import Simulator

    with Simulator(step_seconds=3600.0) as sim:  # nobody finishes during the measurement
        config = Config(path=Path(tempfile.mkdtemp()) / "config.toml", poll_interval=interval,
                        requests_per_second=budget, env={})
        app = KGPApp(config=config, connection=Connection(sim.base_url, sim.api_key, "bench"))
        async with app.run_test(size=(120, 40)) as pilot:
            while app.store.catalog is None:
                await pilot.pause(0.05)
            async with KGPClient(sim.base_url, sim.api_key) as client:
                for n in range(jobs):
                    payload = {"type": "slides_video", "prompt": f"Benchmark job {n}"}
                    app.post_message(msg.CreateSubmitted("slides_video", payload, await client.create(payload)))
            await pilot.pause(interval + 0.5)  # let the first round of polls start
            before, started = sim.request_count, time.monotonic()
            await asyncio.sleep(seconds)
            return (sim.request_count - before) / (time.monotonic() - started)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, nargs="+", default=[20, 500])
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--interval", type=float, default=3.0, help="poll_interval setting (default 3)")
    parser.add_argument("--budget", type=float, default=10.0, help="requests_per_second setting (default 10)")
    args = parser.parse_args(argv)
    print(f"{'active jobs':>12}{'requests/s':>12}{'naive (jobs/interval)':>24}   "
          f"(interval {args.interval:g} s, budget {args.budget:g}/s, {args.seconds:g} s)")
    for jobs in args.jobs:
        rate = asyncio.run(measure(jobs, args.seconds, args.interval, args.budget))
        print(f"{jobs:>12}{rate:>12.2f}{jobs / args.interval:>24.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

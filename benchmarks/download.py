"""Download throughput on loopback: kgp-tui's engine against a bare httpx stream of the same file, same run.

The simulator (unified surface, its media host unpaced) makes one video; its main output (~46 MiB) is fetched
`--runs` times by `kgp_tui.downloads.engine.fetch` (into NAME.part, sha256, fsync, then published) and, interleaved
with those, by a bare `httpx` stream into a file (no hash, no fsync): the baseline. Prints the medians in MB/s
and the ratio. Usage: python -m benchmarks.download [--runs 7]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path


async def measure(runs: int) -> dict[str, object]:
    import httpx

    from kgp_tui.downloads import http_client
    from kgp_tui.downloads.engine import fetch, publish
    from kgp_tui.simulator import Simulator

    with Simulator(step_seconds=0.01, surface="unified") as sim, tempfile.TemporaryDirectory() as tmp:
        auth = {"Authorization": f"Bearer {sim.api_key}"}
        async with httpx.AsyncClient(base_url=sim.base_url + "/", headers=auth) as api:
            made = await api.post("creations", json={"type": "video", "prompt": "Download benchmark", "video": {}})
            creation_id = made.raise_for_status().json()["creation_id"]
            while (await api.get(f"creations/{creation_id}")).json().get("status") != "ready":
                await asyncio.sleep(0.05)
            outputs = (await api.get(f"creations/{creation_id}/outputs")).json()
        video = next(o for o in outputs["outputs"] if o["kind"] == "video")
        url, size = video["url"], int(video["size_bytes"])
        engine, bare = [], []
        async with http_client() as http, httpx.AsyncClient() as plain:
            for n in range(runs + 1):  # the first of each warms the connection pool and the page cache
                started = time.perf_counter()
                fetched = await fetch(http, url, Path(tmp) / f"e{n}.mp4.part", expected_size=size)
                await asyncio.to_thread(publish, Path(tmp) / f"e{n}.mp4.part", Path(tmp) / f"e{n}.mp4")
                engine.append(time.perf_counter() - started)
                assert fetched.size == size
                started = time.perf_counter()
                with open(Path(tmp) / f"b{n}.mp4", "wb") as out:
                    async with plain.stream("GET", url) as response:
                        async for chunk in response.aiter_raw():
                            out.write(chunk)
                bare.append(time.perf_counter() - started)
        engine, bare = engine[1:], bare[1:]
        mb = size / 1e6
        return {"size_mb": round(mb, 1), "runs": runs,
                "engine_mb_s": round(mb / statistics.median(engine), 1),
                "engine_range_mb_s": [round(mb / max(engine), 1), round(mb / min(engine), 1)],
                "bare_mb_s": round(mb / statistics.median(bare), 1),
                "ratio": round(statistics.median(engine) / statistics.median(bare), 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.download", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    result = asyncio.run(measure(args.runs))
    print(f"{result['size_mb']} MB, {result['runs']} runs: kgp-tui's engine {result['engine_mb_s']} MB/s "
          f"(range {result['engine_range_mb_s'][0]}–{result['engine_range_mb_s'][1]}), bare httpx "
          f"{result['bare_mb_s']} MB/s; time ratio engine/bare {result['ratio']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

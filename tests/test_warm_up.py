"""`api.surface.warm_up` (run on a thread before the connect) leaves nothing for the connect to import on the event
loop: the first request's own imports (httpcore, h11, anyio: 67 modules) held the loop ~80 ms at start-up."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = """
import asyncio, json, sys
from kgp_tui.api.surface import connect, warm_up
from kgp_tui.simulator import Simulator

surface = sys.argv[1]
warm_up((surface,))
with Simulator(api_key="kgp_test_abcdefghijklmnop0123456789", surface=surface) as sim:
    before = set(sys.modules)

    async def main():
        connection = await connect(sim.base_url, sim.api_key, surface)
        await connection.adapter.aclose()
        return connection.offer.products

    products = asyncio.run(main())
    print(json.dumps({"products": len(products), "imported": sorted(set(sys.modules) - before)}))
"""


@pytest.mark.parametrize("surface", ["v1", "unified"])
def test_a_connect_after_the_warm_up_imports_nothing(surface):
    import json

    done = subprocess.run([sys.executable, "-c", SCRIPT, surface], capture_output=True, text=True, timeout=120,
                          cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["products"] > 0  # it did connect and read the offer
    assert result["imported"] == []

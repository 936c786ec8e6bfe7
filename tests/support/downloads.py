"""Downloads against the simulator: a creation's results as the real client reads them, and what they should be."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

from kgp_tui.api.domain import Result
from kgp_tui.simulator import Simulator


async def results_of(sim: Simulator, creation_id: str | None = None) -> tuple[str, tuple[Result, ...]]:
    """(creation id, its results) through the client's own adapter; a seeded creation unless one is named."""
    from kgp_tui.api.surface import connect

    if creation_id is None:
        creation_id = str(sim.seed_creations(1)[0])
    session = await connect(sim.base_url, sim.api_key, sim.surface, timeout=5.0)
    try:
        creation = await session.adapter.creation(creation_id)
        results = creation.results
        if not results:
            results = await session.adapter.outputs(creation_id)
    finally:
        await session.adapter.aclose()
    return creation_id, tuple(results)


def expected_bytes(sim: Simulator, url: str) -> bytes:
    """What the media host holds at `url` (what a download must end up byte-identical to)."""
    from kgp_tui.simulator.media import file_bytes

    path = urlsplit(url).path
    found = sim._media.resolve(path)
    assert found is not None, f"the media host does not serve {path}"
    return file_bytes(found)


def smallest(results: tuple[Result, ...], n: int = 1) -> list[Result]:
    return sorted(results, key=lambda r: r.size_bytes or 0)[:n]


def biggest_under(results: tuple[Result, ...], limit: int = 3_000_000) -> Result:
    """A file big enough to drop mid-body but cheap on a shared machine."""
    fitting = [r for r in results if (r.size_bytes or 0) <= limit]
    return max(fitting, key=lambda r: r.size_bytes or 0)


def relabel(result: Result, label: str) -> Result:
    return replace(result, label=label)


def files_in(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.rglob("*") if path.is_file())

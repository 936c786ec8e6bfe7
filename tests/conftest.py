"""Shared fixtures: every integration test talks real HTTP to the project's simulator on loopback."""

from __future__ import annotations

import os
import sys

import pytest

# This machine (and CI) set PYTHONDONTWRITEBYTECODE=1: then every test process and every kgp-tui the tests start
# compiled kgp_tui, and every worker rewrote each test file's asserts, from source (a fifth of a CLI test's CPU).
# The suite writes bytecode: a user's installed kgp-tui has it too. The files are in __pycache__ (not in git).
sys.dont_write_bytecode = False
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)

# NO_COLOR changes every snapshot and every rendered colour: the suite always runs with colour.
os.environ.pop("NO_COLOR", None)
# The user's own environment must never leak into tests.
for _name in ("KGP_BASE_URL", "KGP_API_KEY", "KGP_TUI_CONFIG", "KGP_TUI_PROFILE"):
    os.environ.pop(_name, None)

from support import TEST_KEY  # noqa: E402 - after the environment is cleaned
from support.app import FIXED_HOST  # noqa: E402
from support.clock import FakeClock  # noqa: E402
from support.css_cache import install as _parse_css_once  # noqa: E402

_parse_css_once()


def _draw_at_most_12_frames_a_second() -> None:
    """A headless test app still draws every frame (60 a second), though nobody sees them: a quarter of a Pilot
    test's CPU. At 12 a second each frame still draws every widget that changed since the last, so a widget that
    cannot draw still fails its test, and the final screen (what a snapshot or a screenshot reads) is whole."""
    import textual.screen

    textual.screen.UPDATE_PERIOD = 1 / 12


_draw_at_most_12_frames_a_second()


@pytest.fixture
def sim():
    """A fresh simulator on a free loopback port with fast jobs; stopped after the test."""
    from kgp_tui.simulator import Simulator

    server = Simulator(api_key=TEST_KEY, port=0, step_seconds=0.05)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["v1", "unified"])
def surface_sim(request):
    """A fresh simulator with fast jobs, once per surface: a flow test that applies to both runs on both."""
    from kgp_tui.simulator import Simulator

    server = Simulator(api_key=TEST_KEY, port=0, step_seconds=0.05, surface=request.param)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def uclocked():
    """A unified simulator whose time moves only when the test says: (simulator, clock)."""
    from support.unified_http import unified_clocked

    with unified_clocked() as pair:
        yield pair


@pytest.fixture
async def uclocked_adapter(uclocked):
    """A real UnifiedAdapter talking HTTP to the `uclocked` simulator."""
    from kgp_tui.api.unified import UnifiedAdapter

    sim, _clock = uclocked
    opened = UnifiedAdapter.open(sim.base_url, TEST_KEY, timeout=5.0)
    try:
        yield opened
    finally:
        await opened.aclose()


@pytest.fixture
def clocked():
    """A simulator whose time moves only when the test says: 1 s per step."""
    from kgp_tui.simulator import Simulator

    clock = FakeClock()
    with Simulator(api_key=TEST_KEY, step_seconds=1.0, clock=clock) as server:
        yield server, clock


@pytest.fixture
def frozen(monkeypatch):
    """A simulator on a frozen clock; the status bar shows a fixed host (the real port changes every run)."""
    from kgp_tui.simulator import Simulator

    monkeypatch.setattr("kgp_tui.widgets.status_bar.host_of", lambda _url: FIXED_HOST)
    from kgp_tui.simulator.content import CDN

    clock = FakeClock()
    # URLs on a fixed origin: the media host's port changes every run, and snapshots show URLs
    server = Simulator(api_key=TEST_KEY, port=0, step_seconds=4.0, clock=clock, media_origin=CDN).start()
    try:
        yield server, clock
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path, monkeypatch):
    """Every test gets its own data and cache dirs: the app's local state file (kgp_tui.persist), its offer cache and
    its previews never touch the user's, and no test restores another test's jobs or starts on its catalog."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


@pytest.fixture
def isolated_dirs(tmp_path, monkeypatch):
    """Point every platformdirs path (config, data, logs) into the test's own tmp dir."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path


def pytest_collection_modifyitems(items):
    """The slow tests first: while the workers that took them run the benchmarks and the fault matrix, the others run
    the rest, instead of everyone waiting for them at the end."""
    items.sort(key=lambda item: 0 if item.get_closest_marker("slow") else 1)

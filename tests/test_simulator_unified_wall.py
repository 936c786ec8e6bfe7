"""The simulator's wall: both surfaces are written from their contracts, never from the client's code."""

from __future__ import annotations

import ast
import pathlib
import subprocess
import sys

import kgp_tui.simulator

PACKAGE = pathlib.Path(kgp_tui.simulator.__file__).parent
# The only client-side module the simulator may use: the loopback rule (no wire format crosses with it).
ALLOWED_OUTSIDE = {"kgp_tui.config"}


def _imports(path: pathlib.Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_no_simulator_module_imports_client_code():
    offenders = {}
    for path in sorted(PACKAGE.glob("*.py")):
        outside = {name for name in _imports(path) if name.split(".")[0] in ("kgp_tui", "textual", "httpx", "pydantic")
                   and not name.startswith("kgp_tui.simulator") and name not in ALLOWED_OUTSIDE}
        if outside:
            offenders[path.name] = sorted(outside)
    assert offenders == {}


def test_serving_the_unified_surface_loads_no_client_module():
    code = ("import sys\nfrom kgp_tui.simulator import Simulator\n"
            "with Simulator(surface='unified') as sim:\n    sim.seed_creations(3)\n"
            "bad = sorted(m for m in sys.modules if m.startswith(('kgp_tui.api', 'kgp_tui.app', 'kgp_tui.screens', "
            "'textual', 'httpx', 'pydantic')))\nprint(bad)")
    done = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"

"""Importing the app must stay cheap and offline: no httpx, no simulator, no sqlite, no pydantic models."""

from __future__ import annotations

import subprocess
import sys


def test_import_app_pulls_in_no_network_or_simulator_modules():
    code = (
        "import sys, kgp_tui.app\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('httpx', 'sqlite3', 'pydantic')"
        " or m.startswith('kgp_tui.simulator') or m.startswith('kgp_tui.api.client'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip() == ""

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


def test_the_kept_catalog_needs_only_the_offer_half_of_the_domain():
    """What the first frame needs (the app, the offer cache read, the catalog screen) loads no run classes: their
    dataclass code is made on first use (kgp_tui.api.domain), which still finds every name."""
    code = (
        "import sys, kgp_tui.app, kgp_tui.__main__, kgp_tui.offer_cache, kgp_tui.screens.catalog\n"
        "from kgp_tui.api.domain.codec import account_from_dict, offer_from_dict\n"
        "print('runs' if 'kgp_tui.api.domain.runs' in sys.modules else 'offer only')\n"
        "from kgp_tui.api.domain import Run, filter_locally\n"
        "import kgp_tui.api.domain as domain\n"
        "print(Run.__module__, all(hasattr(domain, name) for name in domain.__all__))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.split("\n")[:2] == ["offer only", "kgp_tui.api.domain.runs True"]

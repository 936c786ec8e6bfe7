"""kgp_tui.downloads imports no Textual (the CLI and scripts use it as the app does), and importing the package
loads nothing: httpx comes only when a download starts."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "kgp_tui" / "downloads"


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level:
            found.add(node.module or "")
    return found


@pytest.mark.parametrize("path", sorted(PACKAGE.glob("*.py")), ids=lambda p: p.name)
def test_no_textual_in_the_download_engine(path):
    assert {m for m in _imports(path) if m.split(".")[0] == "textual" or m.startswith("kgp_tui.screens")} == set()


def test_importing_the_package_loads_no_httpx_or_textual():
    code = ("import sys, kgp_tui.downloads, kgp_tui.downloads.naming\n"
            "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in ('httpx', 'textual', 'sqlite3'))))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip() == ""

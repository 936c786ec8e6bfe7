"""The suite's own layout: helpers live in conftest.py and tests/support/, and no test module imports another."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).parent


def _imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_no_test_module_imports_another_or_conftest():
    offenders = {
        path.name: sorted(name for name in _imported_modules(path) if name.startswith("test_") or name == "conftest")
        for path in sorted(TESTS.glob("test_*.py"))
    }
    assert {name: mods for name, mods in offenders.items() if mods} == {}


def test_support_is_not_collected_as_tests():
    assert not list((TESTS / "support").glob("test_*.py"))

"""The walls, checked on the source and on what an import really loads (STYLE.md "two walls", issue 12).

- ``kgp_tui.api`` imports no Textual, anywhere (also inside functions), and Rich only inside a function (cell widths);
- ``kgp_tui.simulator`` imports nothing of the client (``kgp_tui.api``), so a wire-shape mistake cannot hide on
  both sides at once;
- the domain core and the adapter protocol load neither pydantic nor httpx (they are free to import).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "kgp_tui"


def imported_modules(path: Path, *, top_level_only: bool = False) -> set[str]:
    """Every module a file imports, absolute, including imports inside functions and TYPE_CHECKING blocks
    (``top_level_only``: only what runs when the module is imported, outside functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found: set[str] = set()
    nodes = _outside_functions(tree) if top_level_only else ast.walk(tree)
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def _outside_functions(tree: ast.AST):
    for node in ast.iter_child_nodes(tree):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node
            yield from _outside_functions(node)


def _sources(folder: str) -> list[Path]:
    files = sorted((PACKAGE / folder).rglob("*.py"))
    assert files, folder
    return files


def test_imported_modules_resolves_relative_imports(tmp_path):
    # The checker itself: a relative import of the client from the simulator must be seen as kgp_tui.api.
    assert "kgp_tui.api.models" in imported_modules(PACKAGE / "api" / "payload.py")
    assert "kgp_tui.api" in {m.rsplit(".", 1)[0] for m in imported_modules(PACKAGE / "api" / "v1.py")}


@pytest.mark.parametrize("path", _sources("api"), ids=lambda p: p.name)
def test_the_client_imports_no_textual(path):
    bad = {m for m in imported_modules(path) if m.split(".")[0] == "textual"}
    assert not bad, f"{path.name} imports {sorted(bad)}"
    # Rich only for measuring text in terminal cells, and only inside the function that needs it (text.py)
    eager_rich = {m for m in imported_modules(path, top_level_only=True) if m.split(".")[0] == "rich"}
    assert not eager_rich, f"{path.name} imports {sorted(eager_rich)} at import time"


@pytest.mark.parametrize("path", _sources("simulator"), ids=lambda p: p.name)
def test_the_simulator_imports_no_client_code(path):
    bad = {m for m in imported_modules(path) if m == "kgp_tui.api" or m.startswith("kgp_tui.api.")}
    assert not bad, f"{path.name} imports {sorted(bad)}"


@pytest.mark.parametrize("path", [*_sources("api/domain"), PACKAGE / "api" / "wire.py"], ids=lambda p: p.name)
def test_the_domain_core_source_imports_no_pydantic_or_httpx(path):
    bad = {m for m in imported_modules(path) if m.split(".")[0] in ("pydantic", "httpx")}
    assert not bad


@pytest.mark.parametrize("statement", [
    "import kgp_tui.api.domain",
    "import kgp_tui.api.surface",
    "from kgp_tui.api import domain, surface, wire",
])
def test_importing_the_domain_core_loads_no_pydantic_httpx_or_textual(statement):
    code = (f"import sys; {statement}\n"
            "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in ('pydantic', 'httpx', 'textual'))))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True,
                            cwd=ROOT)
    assert result.stdout.strip() == ""


def test_the_first_screens_load_no_text_area():
    """The catalog (the first frame once an offer is kept) and the connect screen need no TextArea (the form's
    prompt box): its import, its document model and its themes cost the first frame ~10 ms."""
    code = ("import sys, kgp_tui.app, kgp_tui.screens.catalog, kgp_tui.screens.connect\n"
            "print(','.join(sorted(m for m in sys.modules if m.startswith(('textual.widgets._text_area', "
            "'textual.document')))))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True,
                            cwd=ROOT)
    assert result.stdout.strip() == ""

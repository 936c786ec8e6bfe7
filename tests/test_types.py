"""The type checker and the linter run in the suite: mypy (strict on the domain core, both surface adapters and the
app's store, poller and messages, as ``[tool.mypy]`` in pyproject.toml says) and ruff on the same modules."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STRICT = ["domain", "domain.offer", "domain.runs", "domain.codec", "surface", "v1", "unified", "unified_models", "form_values",
          "unified_offer", "unified_payload", "wire", "tls"]
APP_STRICT = ["store", "poller", "messages", "poll_policy", "notify", "preview_cache", "timers"]  # kgp_tui/<name>.py
# whole packages without Textual: kgp_tui/<package>/<module>.py ("__init__" for the package itself)
PACKAGE_STRICT = {
    "cli": ["__init__", "account", "common", "completion", "creations", "follow", "follow_up"],
    "downloads": ["__init__", "cli", "engine", "manager", "naming"],
}


@pytest.mark.skipif(importlib.util.find_spec("mypy") is None, reason="mypy is not installed (pip install -e '.[test]')")
def test_mypy_strict_on_the_domain_core_and_adapters_finds_nothing(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "mypy-cache"), "--no-error-summary"],
        capture_output=True, text=True, timeout=600, cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_config_names_every_strict_module():
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]
    strict = {m for o in config["overrides"] if o.get("strict") for m in o["module"]}
    packaged = {(pkg, mod) for pkg, mods in PACKAGE_STRICT.items() for mod in mods}
    assert strict == ({f"kgp_tui.api.{name}" for name in STRICT} | {f"kgp_tui.{name}" for name in APP_STRICT}
                      | {f"kgp_tui.{pkg}" if mod == "__init__" else f"kgp_tui.{pkg}.{mod}" for pkg, mod in packaged})
    assert set(config["files"]) == ({_path(name) for name in STRICT} | {f"kgp_tui/{n}.py" for n in APP_STRICT}
                                    | {f"kgp_tui/{pkg}/{mod}.py" for pkg, mod in packaged})


def test_every_module_of_a_strict_package_is_named():
    for package, modules in PACKAGE_STRICT.items():
        assert sorted(p.stem for p in (ROOT / "kgp_tui" / package).glob("*.py")) == sorted(modules), package


def _path(module: str) -> str:
    """``domain`` → kgp_tui/api/domain/__init__.py, ``domain.offer`` → kgp_tui/api/domain/offer.py."""
    parts = module.split(".")
    package = ROOT / "kgp_tui" / "api" / parts[0]
    if len(parts) == 1:
        return f"kgp_tui/api/{parts[0]}/__init__.py" if package.is_dir() else f"kgp_tui/api/{parts[0]}.py"
    return "kgp_tui/api/" + "/".join(parts) + ".py"


def _ruff() -> str | None:
    found = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    return found


@pytest.mark.skipif(_ruff() is None, reason="ruff is not installed (pip install -e '.[test]')")
def test_ruff_passes_on_the_domain_core_adapters_and_their_tests():
    files = [_path(name) for name in STRICT] + [f"kgp_tui/{name}.py" for name in APP_STRICT]
    files += [str(p.relative_to(ROOT)) for p in sorted((ROOT / "tests").glob("test_*.py"))
              if p.name.startswith(("test_domain", "test_unified", "test_surface_detect", "test_types",
                                    "test_import_walls", "test_app_surfaces"))]
    result = subprocess.run([_ruff(), "check", "--no-cache", *files], capture_output=True, text=True, timeout=120,
                            cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr

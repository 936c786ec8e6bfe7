"""Running ``kgp-tui COMMAND …`` as a script does: a subprocess with the key in the environment, its own config
dirs (polls every 0.05 s), against a simulator on loopback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from support import TEST_KEY, patience
from support.process import default_signals

ROOT = Path(__file__).resolve().parents[2]  # the checkout under test, whatever the venv has installed


def cli_env(sim: Any, tmp_path: Path, key: str | None = TEST_KEY, **extra: str) -> dict[str, str]:
    """The environment of a script: KGP_BASE_URL/KGP_API_KEY, private XDG dirs, a config that polls fast."""
    config = tmp_path / "xdg-config" / "kgp-tui"
    config.mkdir(parents=True, exist_ok=True)
    (config / "config.toml").write_text("poll_interval = 0.05\nrequest_timeout = 10.0\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KGP_", "XDG_")) and k != "NO_COLOR"}
    env.update(PYTHONPATH=str(ROOT), KGP_BASE_URL=sim.base_url, XDG_CONFIG_HOME=str(tmp_path / "xdg-config"),
               XDG_DATA_HOME=str(tmp_path / "xdg-data"), XDG_STATE_HOME=str(tmp_path / "xdg-state"),
               XDG_CACHE_HOME=str(tmp_path / "xdg-cache"))
    if key is not None:
        env["KGP_API_KEY"] = key
    env.update(extra)
    return env


def run_cli(env: dict[str, str], *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """``python -m kgp_tui ARGS`` to its end; stdin is closed (no terminal: nothing can be asked)."""
    return subprocess.run([sys.executable, "-m", "kgp_tui", *args], env=env, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=patience(timeout))


def start_cli(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "kgp_tui", *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, preexec_fn=default_signals)


def one_json(result: subprocess.CompletedProcess[str]) -> Any:
    """stdout as exactly one JSON document (json.loads refuses anything after it)."""
    return json.loads(result.stdout)


def clean(result: subprocess.CompletedProcess[str], key: str = TEST_KEY) -> None:
    """Nothing a user must not see: the full key, a traceback, a terminal escape."""
    for stream in (result.stdout, result.stderr):
        assert key not in stream
        assert "Traceback" not in stream
        assert "\x1b" not in stream and "\x9b" not in stream

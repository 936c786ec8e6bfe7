"""`kgp-tui simulator --surface unified` as a user runs it, and the unified flow with curl and Bearer auth."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from support.process import default_signals, first_lines

from kgp_tui.simulator.cli import build_parser

CLI_KEY = "kgp_live_3f9a77c1d2e0b4a6"
CURL = "/usr/bin/curl"


@pytest.fixture
def unified_cli():
    """`python -m kgp_tui simulator --surface unified` in a subprocess; yields (process, env from its first lines)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "kgp_tui", "simulator", "--surface", "unified", "--port", "0", "--api-key", CLI_KEY,
         "--step-seconds", "0.05"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=default_signals)
    try:
        lines = first_lines(process, 3)
        env = dict(line.split("=", 1) for line in lines[:2])
        assert list(env) == ["KGP_BASE_URL", "KGP_API_KEY"] and env["KGP_API_KEY"] == CLI_KEY
        assert "surface unified" in lines[2]
        yield process, env
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=5)


def test_the_surface_option_defaults_to_v1():
    assert build_parser().parse_args([]).surface == "v1"
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--surface", "v3"])


@pytest.mark.skipif(not os.path.exists(CURL), reason="no /usr/bin/curl")
def test_the_unified_flow_with_curl_and_bearer_auth(unified_cli, tmp_path):
    process, printed = unified_cli
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    env = {**os.environ, **printed, "NOTES": str(notes)}

    def curl(command: str) -> dict:
        done = subprocess.run(["bash", "-c", command], check=False, env=env, capture_output=True, text=True, timeout=10)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    auth = '-H "Authorization: Bearer $KGP_API_KEY"'
    caps = curl(f'curl -sS {auth} "$KGP_BASE_URL/capabilities"')
    assert caps["account"]["key_prefix"] == "kgp_live_3f9a" and caps["products"][0]["type"] == "video"
    created = curl(
        f'curl -sS -X POST "$KGP_BASE_URL/creations" {auth} -H "Content-Type: application/json" '
        '-d \'{"type": "video", "prompt": "Explain attention", "video": {"duration_seconds": 120, '
        '"aspect_ratio": "16:9"}}\'')
    assert created["status"] == "planning"
    env["CREATION_ID"] = created["creation_id"]
    deadline = time.monotonic() + 10
    creation = curl(f'curl -sS {auth} "$KGP_BASE_URL/creations/$CREATION_ID"')
    while creation["status"] not in ("ready", "failed", "paused") and time.monotonic() < deadline:
        time.sleep(0.05)
        creation = curl(f'curl -sS {auth} "$KGP_BASE_URL/creations/$CREATION_ID"')
    assert creation["status"] == "ready" and creation["has_usable_delivery"] is True
    outputs = curl(f'curl -sS {auth} "$KGP_BASE_URL/creations/$CREATION_ID/outputs"')
    assert outputs["outputs"][0]["mime_type"] == "video/mp4"
    uploaded = curl(f'curl -sS {auth} -F "file=@$NOTES;type=text/plain" "$KGP_BASE_URL/files"')
    assert uploaded["file_id"].startswith("file_") and uploaded["size_bytes"] == 5
    assert uploaded["mime_type"] == "text/plain"
    me = subprocess.run(["bash", "-c", f'curl -s -o /dev/null -w "%{{http_code}}" {auth} "$KGP_BASE_URL/me"'],
                        check=False, env=env, capture_output=True, text=True, timeout=10)
    assert me.stdout == "404"
    process.send_signal(signal.SIGINT)
    process.wait(timeout=5)
    assert process.returncode == 0 and "Traceback" not in process.stderr.read()

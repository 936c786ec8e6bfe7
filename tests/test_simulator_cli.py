"""The standalone simulator as a user runs it: `python -m kgp_tui.simulator`, and the Quickstart's curl commands."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from support.http import QUICKSTART_BODY, call, wait_job
from support.process import default_signals, first_lines

from kgp_tui.simulator import SCENARIOS
from kgp_tui.simulator.cli import run

CLI_KEY = "kgp_live_3f9a77c1d2e0b4a6"
CURL = "/usr/bin/curl"


@pytest.fixture
def cli_sim():
    """`python -m kgp_tui.simulator` in a subprocess; yields (process, env vars from its first two lines, help)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "kgp_tui.simulator", "--port", "0", "--api-key", CLI_KEY, "--step-seconds", "0.05"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=default_signals)
    try:
        lines = first_lines(process, 4)
        env = dict(line.split("=", 1) for line in lines[:2])
        assert list(env) == ["KGP_BASE_URL", "KGP_API_KEY"]
        yield process, env, "\n".join(lines[2:])
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=5)


def _target(env: dict) -> SimpleNamespace:
    url = urlsplit(env["KGP_BASE_URL"])
    assert url.path == "/openapi/v1" and url.hostname == "127.0.0.1"
    return SimpleNamespace(host=url.hostname, port=url.port, api_key=env["KGP_API_KEY"])


def _stop(process: subprocess.Popen, signum: int) -> tuple[str, str]:
    process.send_signal(signum)
    process.wait(timeout=5)
    out, err = process.stdout.read(), process.stderr.read()
    assert process.returncode == 0, err
    assert "Traceback" not in err and "Traceback" not in out
    return out, err


def test_cli_serves_the_documented_flow_and_stops_on_ctrl_c(cli_sim):
    process, env, help_text = cli_sim
    assert env["KGP_API_KEY"] == CLI_KEY
    assert f"{CLI_KEY}_ro" in help_text and f"{CLI_KEY}_nocredit" in help_text and "Ctrl+C" in help_text
    target = _target(env)
    assert call(target, "GET", "/me").json()["key_prefix"] == "kgp_live_3f9a"
    assert call(target, "GET", "/catalog").json()["content_types"]
    reply = call(target, "POST", "/creations", QUICKSTART_BODY).json()
    assert wait_job(target, reply["job"]["job_id"])[-1]["status"] == "succeeded"
    detail = call(target, "GET", f"/creations/{reply['creation_id']}").json()
    assert detail["main_url"] and len(detail["scenes"]) == 6
    out, _ = _stop(process, signal.SIGINT)
    assert "stopped" in out


def test_cli_stops_cleanly_on_sigterm(cli_sim):
    process, env, _ = cli_sim
    assert call(_target(env), "GET", "/health").status == 200
    _stop(process, signal.SIGTERM)


def test_cli_lists_scenarios(capsys):
    assert run(["--list-scenarios"]) == 0
    out = capsys.readouterr().out
    assert [line.split()[0] for line in out.splitlines()] == list(SCENARIOS)


def test_cli_refuses_a_non_loopback_host_and_bad_parameters(capsys):
    assert run(["--host", "0.0.0.0"]) == 2
    assert run(["--scenario", "slow", "--param", "delai=3"]) == 2
    err = capsys.readouterr().err
    assert "loopback" in err and "delai" in err


@pytest.mark.skipif(not os.path.exists(CURL), reason="no /usr/bin/curl")
def test_quickstart_curl_commands_verbatim(sim):
    env = {**os.environ, "KGP_BASE_URL": sim.base_url, "KGP_API_KEY": sim.api_key}

    def curl(command: str) -> dict:
        done = subprocess.run(["bash", "-c", command], env=env, capture_output=True, text=True, timeout=10)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    me = curl('curl -sS -H "X-KGP-Api-Key: $KGP_API_KEY" "$KGP_BASE_URL/me"')
    assert me["can_create"] is True
    created = curl(
        'curl -sS -X POST "$KGP_BASE_URL/creations" -H "X-KGP-Api-Key: $KGP_API_KEY" '
        '-H "Content-Type: application/json" -d \'{"type": "slides_video", "prompt": "Explain how transformer '
        'attention works in 6 pages", "language": "en", "aspect_ratio": "16:9", "scene_count": 6}\'')
    env["JOB_ID"], env["CREATION_ID"] = str(created["job"]["job_id"]), str(created["creation_id"])
    deadline = time.monotonic() + 10
    job = curl('curl -sS -H "X-KGP-Api-Key: $KGP_API_KEY" "$KGP_BASE_URL/creations/jobs/$JOB_ID"')
    while job["status"] not in ("succeeded", "failed", "cancelled") and time.monotonic() < deadline:
        time.sleep(0.05)
        job = curl('curl -sS -H "X-KGP-Api-Key: $KGP_API_KEY" "$KGP_BASE_URL/creations/jobs/$JOB_ID"')
    assert job["status"] == "succeeded"
    detail = curl('curl -sS -H "X-KGP-Api-Key: $KGP_API_KEY" "$KGP_BASE_URL/creations/$CREATION_ID"')
    assert detail["status"] == "ready" and detail["main_url"] and detail["artifacts"]
    assert len(detail["scenes"]) == 6
    assert shutil.which("curl")  # the same binary a user's shell finds

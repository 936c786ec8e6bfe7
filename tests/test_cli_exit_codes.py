"""Every documented exit code of `kgp-tui COMMAND`, each from the real condition on the simulator, on both surfaces
where it exists there; every failure is one line on stderr without a traceback or the key."""

from __future__ import annotations

import signal

import pytest
from support import TEST_KEY, patience
from support.cli import clean, cli_env, one_json, run_cli, start_cli

PRODUCT = {"v1": "slides_video", "unified": "video"}


def _create(sim, env, *extra):
    return run_cli(env, "create", PRODUCT[sim.surface], "--prompt", "Explain attention", *extra)


def test_usage_and_config_errors_exit_2_and_send_nothing(surface_sim, tmp_path):
    env = cli_env(surface_sim, tmp_path)
    results = [
        run_cli(env, "create", "no_such_type", "--prompt", "x"),
        _create(surface_sim, env, "--set", "language=tlh"),  # not an allowed choice
        _create(surface_sim, env, "--set", "no_such_field=1"),
        run_cli(env, "get", "999999"),  # no such creation
    ]
    _all_exit_2(results)
    assert "no_such_type" in results[0].stderr
    assert "language" in results[1].stderr and "nothing sent" in results[1].stderr
    assert "no_such_field" in results[2].stderr
    assert [entry for entry in surface_sim.request_log if entry[0] == "POST"] == []


def test_no_key_a_broken_config_or_a_bad_flag_exit_2(sim, tmp_path):
    env = cli_env(sim, tmp_path)
    results = [
        run_cli(cli_env(sim, tmp_path, key=None), "me"),
        run_cli(env, "me", "--no-such-flag"),
        run_cli(env, "create", "slides_video", "--prompt", "x", "--set", "language"),  # FIELD=VALUE without '='
    ]
    broken = tmp_path / "xdg-config" / "kgp-tui" / "config.toml"
    broken.write_text("poll_interval = 'often'\n", encoding="utf-8")
    results.append(run_cli(env, "me"))
    _all_exit_2(results)
    assert "no API key" in results[0].stderr and "FIELD=VALUE" in results[2].stderr
    assert "config error" in results[3].stderr and "config.toml:1" in results[3].stderr
    assert sim.request_count == 0


def _all_exit_2(results):
    for result in results:
        assert result.returncode == 2, (result.args, result.stderr)
        assert result.stdout == "" and result.stderr.startswith(("kgp-tui:", "  ", "usage:"))
        clean(result)


def test_a_refused_or_read_only_key_exits_3(surface_sim, tmp_path):
    refused = run_cli(cli_env(surface_sim, tmp_path, key="kgp_live_0000deadbeef0000"), "me")
    assert refused.returncode == 3 and "not valid" in refused.stderr
    clean(refused, "kgp_live_0000deadbeef0000")
    read_only = _create(surface_sim, cli_env(surface_sim, tmp_path, key=f"{TEST_KEY}_ro"))
    assert read_only.returncode == 3 and "cannot create" in read_only.stderr
    assert [entry for entry in surface_sim.request_log if entry[0] == "POST"] == []


def test_no_credits_exits_4(surface_sim, tmp_path):
    surface_sim.set_scenario("no_credits")
    result = _create(surface_sim, cli_env(surface_sim, tmp_path), "--wait")
    assert result.returncode == 4 and "credits" in result.stderr.lower()
    clean(result)


def test_a_creation_paused_for_the_user_exits_4_and_says_how_to_go_on(tmp_path, request):
    from kgp_tui.simulator import Simulator

    with Simulator(api_key=TEST_KEY, port=0, step_seconds=0.05, surface="unified") as usim:
        usim.set_scenario("credits_run_out", at_step=2)
        result = _create(usim, cli_env(usim, tmp_path), "--wait", "--json")
    assert result.returncode == 4, result.stderr
    assert one_json(result)["status"] == "paused"
    assert "paused" in result.stderr and "kgp-tui act" in result.stderr and "resume_after_recharge" in result.stderr
    clean(result)


@pytest.mark.parametrize("scenario", ["job_failure", "cancel"])
def test_a_failed_or_cancelled_creation_exits_1_with_its_detail(surface_sim, tmp_path, scenario):
    surface_sim.set_scenario(scenario)
    result = _create(surface_sim, cli_env(surface_sim, tmp_path), "--wait", "--json")
    assert result.returncode == 1, result.stderr
    assert one_json(result)["status"] in ("failed", "cancelled")
    assert "failed" in result.stderr or "cancelled" in result.stderr
    clean(result)


def test_a_server_that_keeps_failing_exits_5_after_retries(surface_sim, tmp_path):
    env = cli_env(surface_sim, tmp_path)
    surface_sim.set_scenario("server_error")
    result = run_cli(env, "me")
    assert result.returncode == 5
    assert result.stderr.count("retry") >= 2  # the retries are said, then the failure
    surface_sim.set_scenario("server_error", method="POST")
    sent = _create(surface_sim, env, "--wait")
    assert sent.returncode == 5
    posts = [entry for entry in surface_sim.request_log if entry[0] == "POST"]
    assert len(posts) == 1  # a POST is never resent
    clean(result), clean(sent)


def test_ctrl_c_while_waiting_exits_130(surface_sim, tmp_path):
    surface_sim.step_seconds = 5.0  # the job outlives the test
    process = start_cli(cli_env(surface_sim, tmp_path), "create", PRODUCT[surface_sim.surface], "--prompt",
                        "Explain attention", "--wait")
    try:
        first = process.stderr.readline()  # the first progress line: it is polling
        assert first.startswith("creation "), first
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=patience(10))
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130
    assert "interrupted" in err and "Traceback" not in err and TEST_KEY not in out + err

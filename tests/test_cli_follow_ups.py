"""After a create: an ambiguous POST during --wait is looked up, never resent; edit (v1), message and act
(unified) from a script, with --wait following the new run."""

from __future__ import annotations

from support import TEST_KEY
from support.cli import clean, cli_env, one_json, run_cli

PRODUCT = {"v1": "slides_video", "unified": "video"}


def _creates(sim) -> int:
    return sum(1 for method, path, _ in sim.request_log if method == "POST" and path.rstrip("/").endswith("/creations"))


def test_an_ambiguous_create_during_wait_is_found_and_followed_not_resent(surface_sim, tmp_path):
    surface_sim.set_scenario("drop_after_create", times=1)
    result = run_cli(cli_env(surface_sim, tmp_path), "create", PRODUCT[surface_sim.surface], "--prompt",
                     "Explain attention, once", "--wait", "--json")
    assert result.returncode == 0, result.stderr
    assert "reply was lost" in result.stderr and "nothing was resent" in result.stderr
    detail = one_json(result)
    assert detail["status"] == "ready" and detail["prompt"] == "Explain attention, once"
    assert _creates(surface_sim) == 1
    clean(result)


def test_an_ambiguous_create_with_nothing_to_find_exits_5_and_says_so(surface_sim, tmp_path):
    surface_sim.set_scenario("drop_connection", method="POST", times=1)  # dropped before it was handled
    result = run_cli(cli_env(surface_sim, tmp_path), "create", PRODUCT[surface_sim.surface], "--prompt", "Lost",
                     "--wait")
    assert result.returncode == 5
    assert "nothing was resent" in result.stderr.lower() and "kgp-tui list" in result.stderr
    assert _creates(surface_sim) == 1 and result.stdout == ""
    clean(result)


def test_edit_a_scene_narration_and_wait_for_it(sim, tmp_path):
    env = cli_env(sim, tmp_path)
    made = one_json(run_cli(env, "create", "slides_video", "--prompt", "Explain attention", "--wait", "--json"))
    scene = made["scenes"][2]["scene_id"]
    result = run_cli(env, "edit", str(made["creation_id"]), "--action", "update_scene_narration", "--scene", scene,
                     "--text", "Attention weighs every word against every other.", "--wait", "--json")
    assert result.returncode == 0, result.stderr
    detail = one_json(result)
    changed = next(s for s in detail["scenes"] if s["scene_id"] == scene)
    assert changed["narration_text"] == "Attention weighs every word against every other."
    assert "job" in result.stderr
    refused = run_cli(env, "edit", str(made["creation_id"]), "--action", "iterate", "--text", "x")
    assert refused.returncode == 2 and "iterate" in refused.stderr
    clean(result), clean(refused)


def test_message_and_act_exist_only_on_unified(sim, tmp_path):
    env = cli_env(sim, tmp_path)
    for args in (("message", "101", "Shorter, please"), ("act", "101", "retry", "--yes")):
        result = run_cli(env, *args)
        assert result.returncode == 2 and "unified" in result.stderr
    assert not [entry for entry in sim.request_log if entry[0] == "POST"]


def test_a_message_reruns_the_video_and_wait_follows_it(tmp_path):
    from kgp_tui.simulator import Simulator

    with Simulator(api_key=TEST_KEY, port=0, step_seconds=0.05, surface="unified") as usim:
        env = cli_env(usim, tmp_path)
        made = one_json(run_cli(env, "create", "video", "--prompt", "Explain attention", "--wait", "--json"))
        result = run_cli(env, "message", made["creation_id"], "Make the intro shorter", "--wait", "--json")
        edit = run_cli(env, "edit", made["creation_id"], "--action", "regenerate_scene", "--scene", "s1")
    assert result.returncode == 0, result.stderr
    detail = one_json(result)
    assert detail["status"] == "ready" and detail["outputs"]
    assert any(m["content"] == "Make the intro shorter" for m in detail["messages"])
    assert edit.returncode == 2 and "v1" in edit.stderr
    clean(result), clean(edit)


def test_act_asks_before_spending_then_acts_once_with_yes(tmp_path):
    from kgp_tui.simulator import Simulator

    with Simulator(api_key=TEST_KEY, port=0, step_seconds=0.05, surface="unified") as usim:
        env = cli_env(usim, tmp_path)
        usim.set_scenario("over_budget", at_step=2, times=1)
        paused = run_cli(env, "create", "video", "--prompt", "Explain attention", "--max-credits", "40", "--wait",
                         "--json")
        creation_id = one_json(paused)["creation_id"]
        asked = run_cli(env, "act", creation_id, "approve_overage")  # no terminal to ask on: not sent
        actions_before = [e for e in usim.request_log if e[0] == "POST" and e[1].endswith("/actions")]
        usim.set_scenario("server_error", method="POST", path="/creations", times=1)  # the first send fails
        acted = run_cli(env, "act", creation_id, "approve_overage", "--yes", "--wait", "--json")
        actions = [e for e in usim.request_log if e[0] == "POST" and e[1].endswith("/actions")]
        unknown = run_cli(env, "act", creation_id, "resume_after_recharge", "--yes")
    assert paused.returncode == 4
    assert asked.returncode == 2 and "--yes" in asked.stderr and actions_before == []
    assert acted.returncode == 0, acted.stderr
    assert "same idempotency key" in acted.stderr and [status for *_, status in actions] == [500, 202]
    assert one_json(acted)["status"] == "ready"
    assert unknown.returncode == 2 and "does not offer" in unknown.stderr
    for result in (paused, asked, acted, unknown):
        clean(result)

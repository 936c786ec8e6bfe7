"""Paused creations, idempotent actions and follow-up messages on the unified surface, with the clock in hand.

A 120 s video has 8 steps of 1 s: planning, the script, 3 scenes, narration, composing, review.
"""

from __future__ import annotations

import threading

import pytest
from support.unified_http import (
    APP_BODY,
    VIDEO_BODY,
    act,
    creation_path,
    detail,
    ucall,
    ucreate,
)


def _ready(sim, clock, body=VIDEO_BODY) -> str:
    creation_id = ucreate(sim, body)["creation_id"]
    clock.advance(8)
    assert detail(sim, creation_id)["status"] == "ready"
    return creation_id


# -- pauses ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("scenario, reason, action, step, progress", [
    ("credits_run_out", "insufficient_credits", "resume_after_recharge", "Rendering scene 1 of 3", 25),
    ("transient_failure", "transient_failure", "retry", "Rendering scene 1 of 3", 25),
    ("over_budget", "over_budget", "approve_overage", "Rendering scene 1 of 3", 37),
])
def test_a_paused_creation_says_why_and_one_action_recovers_it(uclocked, scenario, reason, action, step, progress):
    sim, clock = uclocked
    sim.set_scenario(scenario, at_step=3)
    creation_id = ucreate(sim, VIDEO_BODY)["creation_id"]
    clock.advance(3)
    paused = detail(sim, creation_id)
    assert (paused["status"], paused["current_step"], paused["progress_pct"]) == ("paused", step, progress)
    assert paused["pause"]["reason"] == reason and paused["pause"]["message"]
    assert paused["available_actions"] == [action] and paused["result_code"] is None
    assert paused["estimated_remaining_seconds"] is None
    clock.advance(30)
    assert detail(sim, creation_id)["status"] == "paused"  # a pause waits for the user
    resumed = act(sim, creation_id, action)
    assert resumed.status == 202, resumed.raw
    view = resumed.json()
    assert view["status"] == "generating" and view["pause"] is None and view["available_actions"] == []
    assert view["progress_pct"] >= progress
    clock.advance(8)
    done = detail(sim, creation_id)
    assert done["status"] == "ready" and done["actual_credits"] == done["estimated_credits"]


def test_over_budget_raises_the_estimate_past_what_was_approved(uclocked):
    sim, clock = uclocked
    sim.set_scenario("over_budget")
    creation_id = ucreate(sim, {**VIDEO_BODY, "max_credits": 13})["creation_id"]
    clock.advance(2)
    paused = detail(sim, creation_id)
    assert paused["estimated_credits"] == 18 and "18" in paused["pause"]["message"]
    assert "13" in paused["pause"]["message"]
    assert act(sim, creation_id, "approve_overage").json()["max_credits"] == 18


def test_a_budget_under_the_estimate_pauses_after_planning(uclocked):
    sim, clock = uclocked
    created = ucreate(sim, {**VIDEO_BODY, "max_credits": 5})
    assert created["estimated_credits"] == 12 and created["max_credits"] == 5
    clock.advance(1)
    paused = detail(sim, created["creation_id"])
    assert paused["status"] == "paused" and paused["pause"]["reason"] == "over_budget"
    assert paused["current_step"] == "Planning the video" and paused["available_actions"] == ["approve_overage"]
    resumed = act(sim, created["creation_id"], "approve_overage").json()
    assert resumed["current_step"] == "Writing the script"  # planning is not done twice
    clock.advance(7)
    assert detail(sim, created["creation_id"])["status"] == "ready"
    enough = ucreate(sim, {**VIDEO_BODY, "max_credits": 12})
    clock.advance(8)
    assert detail(sim, enough["creation_id"])["status"] == "ready"


# -- idempotent actions ---------------------------------------------------------------------------------------

def _paused(sim, clock) -> str:
    sim.set_scenario("credits_run_out", at_step=2)
    creation_id = ucreate(sim, VIDEO_BODY)["creation_id"]
    clock.advance(2)
    assert detail(sim, creation_id)["status"] == "paused"
    return creation_id


def test_the_same_key_replays_the_same_reply_and_acts_once(uclocked):
    sim, clock = uclocked
    creation_id = _paused(sim, clock)
    first = act(sim, creation_id, "resume_after_recharge", key="intent-0001")
    clock.advance(1)
    again = act(sim, creation_id, "resume_after_recharge", key="intent-0001")
    assert first.status == again.status == 202 and first.json() == again.json()
    clock.advance(10)
    assert detail(sim, creation_id)["status"] == "ready"
    late = act(sim, creation_id, "resume_after_recharge", key="intent-0001")
    assert late.status == 202 and late.json() == first.json()
    assert detail(sim, creation_id)["status"] == "ready"  # the replay did not start anything
    fresh = act(sim, creation_id, "resume_after_recharge", key="intent-0002")
    assert fresh.status == 409 and fresh.json()["code"] == "action_not_available"


def test_a_key_used_for_another_intent_is_409(uclocked):
    sim, clock = uclocked
    creation_id = _paused(sim, clock)
    assert act(sim, creation_id, "retry", key="intent-0001").status == 409  # not advertised: not remembered
    assert act(sim, creation_id, "resume_after_recharge", key="intent-0001").status == 202
    reused = act(sim, creation_id, "retry", key="intent-0001")
    assert reused.status == 409 and reused.json()["code"] == "idempotency_key_reused"


def test_racing_keys_act_once(uclocked):
    sim, clock = uclocked
    creation_id = _paused(sim, clock)
    statuses: list[int] = []
    threads = [threading.Thread(target=lambda n=n: statuses.append(
        act(sim, creation_id, "resume_after_recharge", key=f"racer-{n:04d}").status)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [202, 409, 409, 409, 409, 409]


@pytest.mark.parametrize("body, field", [
    ({"action": "retry"}, "idempotency_key"),
    ({"action": "retry", "idempotency_key": "short"}, "idempotency_key"),
    ({"action": "refund", "idempotency_key": "long-enough-1"}, "action"),
    ({"idempotency_key": "long-enough-1"}, "action"),
    ({"action": "retry", "idempotency_key": "long-enough-1", "force": True}, "force"),
])
def test_an_action_body_is_validated(uclocked, body, field):
    sim, clock = uclocked
    creation_id = _paused(sim, clock)
    response = ucall(sim, "POST", creation_path(creation_id, "/actions"), body)
    assert response.status == 422 and field in [e["field"] for e in response.json()["errors"]]


def test_actions_on_what_is_not_paused_or_not_yours(uclocked):
    sim, clock = uclocked
    creation_id = _ready(sim, clock)
    assert act(sim, creation_id, "retry").json()["code"] == "action_not_available"
    assert act(sim, "cr_nothing", "retry").status == 404
    response = ucall(sim, "POST", creation_path(creation_id, "/actions"),
                     {"action": "retry", "idempotency_key": "read-only-1"}, key=sim.readonly_key)
    assert response.status == 403


# -- messages -------------------------------------------------------------------------------------------------

def _message(sim, creation_id, content, **extra):
    return ucall(sim, "POST", creation_path(creation_id, "/messages"), {"content": content, **extra})


def test_an_accepted_change_re_runs_the_video_and_a_new_delivery_follows(uclocked):
    sim, clock = uclocked
    creation_id = _ready(sim, clock)
    before = ucall(sim, "GET", creation_path(creation_id, "/outputs")).json()
    sent = _message(sim, creation_id, "Make the introduction shorter")
    assert sent.status == 202
    reply = sent.json()
    assert reply["status"] == "accepted" and reply["message_id"] == "msg_1" and reply["reply"]
    running = reply["creation"]
    assert running["status"] == "generating" and running["progress_pct"] == 0
    assert running["estimated_credits"] == 15 and running["has_usable_delivery"] is True
    assert running["messages"][0]["content"] == "Make the introduction shorter"
    assert ucall(sim, "GET", creation_path(creation_id, "/outputs")).json() == before  # the old one still serves
    clock.advance(4)
    after = detail(sim, creation_id)
    assert after["status"] == "ready" and after["delivery_version"] == 2 and after["actual_credits"] == 15
    outputs = ucall(sim, "GET", creation_path(creation_id, "/outputs")).json()
    assert outputs["version"] == 2 and all("/v2/" in o["url"] and o["label"].endswith("(v2)")
                                           for o in outputs["outputs"])
    assert {o["output_id"] for o in outputs["outputs"]}.isdisjoint(o["output_id"] for o in before["outputs"])


def test_a_question_is_answered_and_changes_nothing(uclocked):
    sim, clock = uclocked
    creation_id = _ready(sim, clock)
    answered = _message(sim, creation_id, "How many scenes does it have?").json()
    assert answered["status"] == "answered" and "3 scenes" in answered["reply"]
    assert answered["creation"]["status"] == "ready" and answered["creation"]["delivery_version"] == 1
    rejected = _message(sim, creation_id, "Please reject this one").json()
    assert rejected["status"] == "rejected" and rejected["creation"]["status"] == "ready"
    assert [m["status"] for m in detail(sim, creation_id)["messages"]] == ["answered", "rejected"]


def test_a_message_with_a_key_is_sent_once(uclocked):
    sim, clock = uclocked
    creation_id = _ready(sim, clock)
    first = _message(sim, creation_id, "Warmer voice", idempotency_key="msg-intent-1")
    again = _message(sim, creation_id, "Warmer voice", idempotency_key="msg-intent-1")
    assert first.status == again.status == 202 and first.json() == again.json()
    assert len(detail(sim, creation_id)["messages"]) == 1
    assert act(sim, creation_id, "retry", key="msg-intent-1").json()["code"] == "idempotency_key_reused"


def test_messages_need_a_ready_video(uclocked):
    sim, clock = uclocked
    running = ucreate(sim, VIDEO_BODY)["creation_id"]
    refused = _message(sim, running, "Shorter")
    assert refused.status == 409 and refused.json()["code"] == "creation_not_ready"
    app_id = ucreate(sim, APP_BODY)["creation_id"]
    clock.advance(10)
    not_video = _message(sim, app_id, "Shorter")
    assert not_video.status == 409 and not_video.json()["code"] == "not_a_video"
    assert _message(sim, running, "  ").status == 422
    assert _message(sim, "cr_nothing", "Shorter").status == 404


def test_a_failed_change_keeps_the_previous_delivery(uclocked):
    sim, clock = uclocked
    creation_id = _ready(sim, clock)
    sim.set_scenario("job_failure", fail_at_step=2)
    assert _message(sim, creation_id, "Add a chart").json()["status"] == "accepted"
    clock.advance(4)
    failed = detail(sim, creation_id)
    assert failed["status"] == "failed" and failed["result_code"] == "render_failed"
    assert failed["has_usable_delivery"] is True and failed["delivery_version"] == 1
    assert ucall(sim, "GET", creation_path(creation_id, "/outputs")).status == 200

"""Edits (POST /creations/{id}/edit): the contract's rules, and each edit applied once its job succeeds."""

from __future__ import annotations

from support import TEST_KEY
from support.http import QUICKSTART_BODY, call, create, create_ready, wait_job

from kgp_tui.simulator import Simulator


def _edit(sim, creation_id, body, **kwargs):
    return call(sim, "POST", f"/creations/{creation_id}/edit", body, **kwargs)


def test_edit_rules(sim):
    ready = create_ready(sim, QUICKSTART_BODY)
    cid, scene = ready["creation_id"], ready["scenes"][1]["scene_id"]
    cases = [
        ({}, "action"),
        ({"action": "dance"}, "action"),
        ({"action": "iterate", "prompt": "again"}, "action"),
        ({"action": "update_scene_narration", "scene_id": scene}, "narration_text"),
        ({"action": "update_scene_narration", "scene_id": scene, "narration_text": "  "}, "narration_text"),
        ({"action": "update_scene_narration", "scene_id": "s999", "narration_text": "Hi"}, "scene_id"),
        ({"action": "update_scene_narration", "scene_id": scene, "narration_text": "Hi", "voice_id": "v_zh_f1"},
         "voice_id"),
        ({"action": "regenerate_scene"}, "scene_id"),
        ({"action": "regenerate_scene", "scene_id": 2}, "scene_id"),
    ]
    for body, field in cases:
        response = _edit(sim, cid, body)
        assert response.status == 422, body
        assert field in [error["field"] for error in response.detail["errors"]], body
    assert _edit(sim, 999, {"action": "regenerate_scene", "scene_id": scene}).status == 404
    image = create_ready(sim, {"type": "image", "prompt": "x"})
    assert image["editable_actions"] == []
    assert _edit(sim, image["creation_id"], {"action": "iterate", "prompt": "y"}).status == 422


def test_edit_needs_a_ready_creation(clocked):
    sim, clock = clocked
    reply = create(sim, QUICKSTART_BODY)
    busy = _edit(sim, reply["creation_id"], {"action": "regenerate_scene", "scene_id": "sc_101_1"})
    assert (busy.status, busy.detail["code"]) == (409, "creation_not_ready")
    clock.advance(60)
    started = _edit(sim, reply["creation_id"], {"action": "regenerate_scene", "scene_id": "sc_101_1"})
    assert started.status == 202
    again = _edit(sim, reply["creation_id"], {"action": "regenerate_scene", "scene_id": "sc_101_2"})
    assert again.status == 409
    failing = Simulator(api_key=TEST_KEY, step_seconds=1.0, clock=clock, scenario="job_failure", times=1)
    with failing:
        broken = create(failing, QUICKSTART_BODY)
        clock.advance(60)
        assert _edit(failing, broken["creation_id"], {"action": "regenerate_scene", "scene_id": "x"}).status == 409


def test_narration_update_is_applied_when_its_job_succeeds(clocked):
    sim, clock = clocked
    cid = create(sim, QUICKSTART_BODY)["creation_id"]
    clock.advance(60)
    scene_id = "sc_101_2"
    reply = _edit(sim, cid, {"action": "update_scene_narration", "scene_id": scene_id,
                             "narration_text": "  Attention weighs every token against every other.  ",
                             "voice_id": "v_en_m1"})
    assert reply.status == 202
    job = reply.json()["job"]
    assert reply.json()["creation_id"] == cid and job["job_id"] == 5002
    assert (job["kind"], job["action"], job["status"]) == ("edit", "update_scene_narration", "queued")
    during = call(sim, "GET", f"/creations/{cid}").json()
    assert during["status"] == "processing" and during["latest_job_id"] == 5002
    scene = next(s for s in during["scenes"] if s["scene_id"] == scene_id)
    assert scene["status"] == "processing" and scene["narration_text"].startswith("The big picture")
    clock.advance(60)
    assert call(sim, "GET", "/creations/jobs/5002").json()["status"] == "succeeded"
    after = call(sim, "GET", f"/creations/{cid}").json()
    scene = next(s for s in after["scenes"] if s["scene_id"] == scene_id)
    assert after["status"] == "ready"
    assert scene["narration_text"] == "Attention weighs every token against every other."
    assert (scene["voice_id"], scene["status"]) == ("v_en_m1", "ready")


def test_regenerated_scene_gets_a_new_image_each_time(sim):
    ready = create_ready(sim, QUICKSTART_BODY)
    scene = ready["scenes"][2]
    urls = [scene["image_url"]]
    for _ in range(2):
        reply = _edit(sim, ready["creation_id"], {"action": "regenerate_scene", "scene_id": scene["scene_id"],
                                                  "prompt": "more contrast"})
        assert wait_job(sim, reply.json()["job"]["job_id"])[-1]["status"] == "succeeded"
        detail = call(sim, "GET", f"/creations/{ready['creation_id']}").json()
        urls.append(detail["scenes"][2]["image_url"])
    assert urls[1].endswith("3_v2.png") and urls[2].endswith("3_v3.png")
    assert detail["scenes"][1] == ready["scenes"][1]


def test_iterate_adds_a_version_of_an_omni_flash_video(sim):
    ready = create_ready(sim, {"type": "ai_video", "prompt": "A paper boat in the rain",
                               "video_generation": {"model": "gemini-omni-flash"}})
    assert ready["editable_actions"] == ["iterate"] and ready["scenes"] == []
    assert _edit(sim, ready["creation_id"], {"action": "iterate"}).status == 422
    reply = _edit(sim, ready["creation_id"], {"action": "iterate", "prompt": "Make it night"})
    last = wait_job(sim, reply.json()["job"]["job_id"])[-1]
    assert (last["status"], last["kind"], last["action"]) == ("succeeded", "edit", "iterate")
    after = call(sim, "GET", f"/creations/{ready['creation_id']}").json()
    assert after["main_url"].endswith("main_v2.mp4") and after["main_url"] != ready["main_url"]
    assert len(after["artifacts"]) == len(ready["artifacts"]) + 1
    assert after["artifacts"][-1]["label"] == "Version 2"
    veo = create_ready(sim, {"type": "ai_video", "prompt": "x", "video_generation": {"model": "veo-3"}})
    assert veo["editable_actions"] == []


def test_a_failed_edit_leaves_the_creation_ready_and_unchanged(sim):
    ready = create_ready(sim, QUICKSTART_BODY)
    cid, scene = ready["creation_id"], ready["scenes"][0]
    sim.set_scenario("job_failure", fail_at_step=2)
    reply = _edit(sim, cid, {"action": "update_scene_narration", "scene_id": scene["scene_id"],
                             "narration_text": "Never applied."})
    last = wait_job(sim, reply.json()["job"]["job_id"])[-1]
    assert (last["status"], last["kind"]) == ("failed", "edit") and last["error"]["code"]
    sim.set_scenario("default")
    after = call(sim, "GET", f"/creations/{cid}").json()
    assert after["status"] == "ready" and after["scenes"] == ready["scenes"]
    # the next edit of the same scene works, and numbers its image from the last successful one
    reply = _edit(sim, cid, {"action": "regenerate_scene", "scene_id": scene["scene_id"]})
    assert wait_job(sim, reply.json()["job"]["job_id"])[-1]["status"] == "succeeded"
    assert call(sim, "GET", f"/creations/{cid}").json()["scenes"][0]["image_url"].endswith("1_v2.png")


def test_edits_belong_to_the_key_that_made_the_creation(sim):
    ready = create_ready(sim, QUICKSTART_BODY)
    body = {"action": "regenerate_scene", "scene_id": ready["scenes"][0]["scene_id"]}
    read_only = _edit(sim, ready["creation_id"], body, key=sim.readonly_key)
    assert (read_only.status, read_only.detail["code"]) == (403, "insufficient_permission")
    other = _edit(sim, ready["creation_id"], body, key=sim.no_credit_key)
    assert (other.status, other.detail["code"]) == (404, "not_found")
    assert call(sim, "GET", f"/creations/{ready['creation_id']}").json()["latest_job_id"] == ready["latest_job_id"]


def test_each_iteration_adds_the_next_version(sim):
    ready = create_ready(sim, {"type": "ai_video", "prompt": "A paper boat in the rain",
                               "video_generation": {"model": "gemini-omni-flash"}})
    for version in (2, 3):
        reply = _edit(sim, ready["creation_id"], {"action": "iterate", "prompt": f"take {version}"})
        assert wait_job(sim, reply.json()["job"]["job_id"])[-1]["status"] == "succeeded"
    after = call(sim, "GET", f"/creations/{ready['creation_id']}").json()
    assert after["main_url"].endswith("main_v3.mp4")
    assert [a["label"] for a in after["artifacts"][-2:]] == ["Version 2", "Version 3"]
    assert after["editable_actions"] == ["iterate"] and after["video_generation"]["model"] == "gemini-omni-flash"

"""The simulator against the contract (/work/shared/kgp-api.md), over real HTTP on loopback with http.client.

The raw-HTTP helpers are in tests/support/http.py, the `clocked` fixture in conftest.py.
"""

from __future__ import annotations

import json
import time

import pytest
from support.http import ISO_Z, QUICKSTART_BODY, call, create, create_ready, wait_job

from kgp_tui.simulator import SCENARIOS, Simulator

# -- the documented flow ------------------------------------------------------------------------------------------

def test_quickstart_flow(sim):
    assert call(sim, "GET", "/health", key=None).json() == {"status": "ok", "version": "sim-1"}
    me = call(sim, "GET", "/me").json()
    assert me["key_scope"] == "user" and me["can_create"] is True
    assert me["key_prefix"] == "kgp_test_5be1" and me["credits"] == {"balance": 1200, "plan": "pro"}
    catalog = call(sim, "GET", "/catalog").json()
    types = {entry["type"]: entry for entry in catalog["content_types"]}
    assert set(types) == {"explainer_video", "slides_video", "vector_animation", "slide_deck", "image",
                          "interactive_lesson", "ai_video"}
    assert types["slides_video"]["scene_count"] == {"min": 1, "max": 20, "default": 6}

    reply = create(sim, QUICKSTART_BODY)
    assert reply["creation_id"] == 101 and reply["status"] == "queued" and reply["type"] == "slides_video"
    assert reply["job"]["job_id"] == 5001 and reply["job"]["status"] == "queued"
    assert reply["job"]["progress_pct"] == 0 and reply["job"]["current_step"] == "Queued"

    seen = wait_job(sim, 5001)
    progress = [view["progress_pct"] for view in seen]
    assert progress == sorted(progress) and progress[-1] == 100
    assert len({view["current_step"] for view in seen}) >= 3
    last = seen[-1]
    assert last["status"] == "succeeded" and last["kind"] == "create" and last["action"] is None
    assert last["error"] is None and ISO_Z.fullmatch(last["finished_at"])

    detail = call(sim, "GET", "/creations/101").json()
    assert detail["status"] == "ready" and detail["title"] == "How transformer attention works"
    assert detail["main_url"].startswith(sim.media_origin + "/") and detail["main_url"].endswith(".mp4")
    assert {a["mime_type"] for a in detail["artifacts"]} == {"video/mp4", "text/vtt", "image/png"}
    assert all({"artifact_id", "kind", "label", "url", "size_bytes"} <= a.keys() for a in detail["artifacts"])
    assert [scene["index"] for scene in detail["scenes"]] == [1, 2, 3, 4, 5, 6]
    assert all(isinstance(scene["scene_id"], str) and scene["narration_text"] for scene in detail["scenes"])
    assert detail["editable_actions"] == ["update_scene_narration", "regenerate_scene"]


def test_job_moves_through_named_steps_with_the_clock(clocked):
    sim, clock = clocked
    start = clock.now
    reply = create(sim, QUICKSTART_BODY)

    def job():
        return call(sim, "GET", f"/creations/jobs/{reply['job']['job_id']}").json()

    def creation():
        return call(sim, "GET", f"/creations/{reply['creation_id']}").json()

    assert (job()["status"], job()["current_step"], creation()["status"]) == ("queued", "Queued", "queued")
    assert creation()["main_url"] is None and creation()["scenes"] == []
    clock.advance(1.5)
    assert (job()["status"], job()["current_step"]) == ("running", "Writing the script")
    assert creation()["status"] == "processing" and creation()["main_url"] is None
    clock.advance(1.0)
    assert job()["current_step"] == "Planning 6 scenes"
    clock.advance(1.0)
    middle = job()
    assert middle["current_step"] == "Rendering scene 1 of 6" and 0 < middle["progress_pct"] < 100
    assert middle["updated_at"] == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start + 3))
    clock.advance(8.0)
    assert job()["current_step"] == "Uploading"
    clock.advance(0.5)
    done = job()
    assert (done["status"], done["progress_pct"]) == ("succeeded", 100)
    assert done["finished_at"] == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start + 12))
    assert creation()["status"] == "ready" and len(creation()["scenes"]) == 6


@pytest.mark.parametrize(("body", "kinds", "scenes"), [
    ({"type": "slide_deck", "prompt": "Quarterly results", "scene_count": 4}, {"pdf", "pptx", "image"}, 4),
    ({"type": "image", "prompt": "A fox in the snow"}, {"image"}, 0),
    ({"type": "interactive_lesson", "prompt": "Fractions"}, {"html", "image"}, 0),
    ({"type": "explainer_video", "prompt": "Tides", "duration_seconds": 40}, {"video", "subtitles", "image"}, 4),
])
def test_each_type_gets_fitting_artifacts(sim, body, kinds, scenes):
    detail = create_ready(sim, body)
    assert {artifact["kind"] for artifact in detail["artifacts"]} == kinds
    assert len(detail["scenes"]) == scenes
    assert detail["main_url"] == detail["artifacts"][0]["url"]


# -- keys ---------------------------------------------------------------------------------------------------------

def test_auth_header_variants(sim):
    assert call(sim, "GET", "/me", key=None, headers={"Authorization": f"Bearer {sim.api_key}"}).status == 200
    missing = call(sim, "GET", "/me", key=None)
    assert (missing.status, missing.detail["code"]) == (401, "missing_api_key")
    wrong = call(sim, "GET", "/catalog", key="kgp_live_3f9a0000deadbeef")
    assert (wrong.status, wrong.detail["code"]) == (401, "invalid_api_key")
    assert "kgp_live_3f9a" in wrong.detail["message"] and "deadbeef" not in wrong.raw.decode()
    assert call(sim, "GET", "/me", key=None, headers={"Authorization": "Basic abc"}).status == 401
    assert call(sim, "GET", "/health", key="nonsense").status == 200


def test_read_only_key_cannot_create_or_edit(sim):
    me = call(sim, "GET", "/me", key=sim.readonly_key).json()
    assert me["can_create"] is False and me["key_scope"] == "user"
    denied = call(sim, "POST", "/creations", QUICKSTART_BODY, key=sim.readonly_key)
    assert (denied.status, denied.detail["code"]) == (403, "insufficient_permission")
    ready = create_ready(sim, {"type": "image", "prompt": "x"})
    edit = call(sim, "POST", f"/creations/{ready['creation_id']}/edit", {"action": "iterate", "prompt": "y"},
                key=sim.readonly_key)
    assert edit.status == 403


def test_key_without_credits_creates_nothing(sim):
    assert call(sim, "GET", "/me", key=sim.no_credit_key).json()["credits"]["balance"] == 0
    refused = call(sim, "POST", "/creations", QUICKSTART_BODY, key=sim.no_credit_key)
    assert (refused.status, refused.detail["code"]) == (402, "insufficient_credits")
    assert "Nothing was created" in refused.detail["message"]
    assert call(sim, "GET", "/creations", key=sim.no_credit_key).json()["total"] == 0
    assert create(sim, QUICKSTART_BODY)["creation_id"] == 101  # no id was used up


# -- validation ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("body", "field"), [
    ({"type": "storyboard", "prompt": "x"}, "type"),
    ({"prompt": "x"}, "type"),
    ({"type": "slides_video"}, "prompt"),
    ({"type": "slides_video", "prompt": "   "}, "prompt"),
    ({"type": "slides_video", "prompt": "x" * 10_001}, "prompt"),
    ({"type": "slides_video", "prompt": "x", "instructions": "y" * 10_001}, "instructions"),
    ({"type": "interactive_lesson", "prompt": "x", "aspect_ratio": "16:9"}, "aspect_ratio"),
    ({"type": "slides_video", "prompt": "x", "aspect_ratio": "3:2"}, "aspect_ratio"),
    ({"type": "slides_video", "prompt": "x", "output_quality": "4K"}, "output_quality"),
    ({"type": "slides_video", "prompt": "x", "language": "xx"}, "language"),
    ({"type": "slides_video", "prompt": "x", "voice_id": "v_none"}, "voice_id"),
    ({"type": "slides_video", "prompt": "x", "language": "en", "voice_id": "v_zh_f1"}, "voice_id"),
    ({"type": "slides_video", "prompt": "x", "style_id": "st_photo"}, "style_id"),
    ({"type": "slides_video", "prompt": "x", "scene_count": 21}, "scene_count"),
    ({"type": "slides_video", "prompt": "x", "scene_count": "6"}, "scene_count"),
    ({"type": "slides_video", "prompt": "x", "scene_count": 6.5}, "scene_count"),
    ({"type": "explainer_video", "prompt": "x", "duration_seconds": 3}, "duration_seconds"),
    ({"type": "explainer_video", "prompt": "x", "duration_seconds": 91}, "duration_seconds"),
    ({"type": "slides_video", "prompt": "x", "colour": "red"}, "colour"),
    ({"type": "image", "prompt": "x", "image_generation": {"provider": "midjourney"}}, "image_generation.provider"),
    ({"type": "image", "prompt": "x", "image_generation": {"provider": "azure_openai", "quality": "ultra"}},
     "image_generation.quality"),
    ({"type": "image", "prompt": "x", "image_generation": {"model": "nano-banana-2", "size": "8K"}},
     "image_generation.size"),
    ({"type": "ai_video", "prompt": "x", "video_generation": {"resolution": "8K"}}, "video_generation.resolution"),
    ({"type": "ai_video", "prompt": "x", "video_generation": {"resolution": "1080p"}}, "video_generation.resolution"),
    ({"type": "ai_video", "prompt": "x", "video_generation": {"duration_seconds": 11}},
     "video_generation.duration_seconds"),
    ({"type": "ai_video", "prompt": "x", "video_generation": {"task": "image_to_video"}}, "video_generation.task"),
])
def test_create_rejects_bad_fields(sim, body, field):
    response = call(sim, "POST", "/creations", body)
    assert response.status == 422
    assert response.detail["code"] == "validation_error"
    assert field in [error["field"] for error in response.detail["errors"]]
    assert field in response.detail["message"]
    assert call(sim, "GET", "/creations").json()["total"] == 0


def test_create_reports_every_bad_field_at_once(sim):
    body = {"type": "slides_video", "prompt": "", "scene_count": 0, "voice_id": "nope"}
    fields = [error["field"] for error in call(sim, "POST", "/creations", body).detail["errors"]]
    assert sorted(fields) == ["prompt", "scene_count", "voice_id"]


def test_aliases_are_accepted_and_answered_canonically(sim):
    assert create(sim, {"type": "knowledge_video", "prompt": "Tides"})["type"] == "explainer_video"
    assert create(sim, {"type": "web_app", "prompt": "Fractions", "language": "fr"})["type"] == "interactive_lesson"
    listed = call(sim, "GET", "/creations?type=knowledge_video").json()
    assert [item["type"] for item in listed["items"]] == ["explainer_video"]


def test_valid_models_and_nulls_are_accepted(sim):
    create(sim, {"type": "image", "prompt": "x", "image_generation": {
        "provider": "azure_openai", "model": "gpt-image-1", "size": "1024x1024", "quality": "high"}})
    create(sim, {"type": "ai_video", "prompt": "x", "video_generation": {
        "model": "veo-3", "task": "text_to_video", "resolution": "4K", "duration_seconds": 4, "native_audio": True}})
    create(sim, {"type": "slides_video", "prompt": "x", "style_id": None, "language": "ja", "voice_id": "v_ja_m1"})


@pytest.mark.parametrize(("data", "headers", "needle"), [
    (b"{not json", {"Content-Type": "application/json"}, "not valid JSON"),
    (b"", {"Content-Type": "application/json"}, "empty"),
    (b"[1, 2]", {"Content-Type": "application/json"}, "JSON object"),
    (json.dumps(QUICKSTART_BODY).encode(), {"Content-Type": "text/plain"}, "application/json"),
])
def test_bodies_that_are_not_a_json_object(sim, data, headers, needle):
    response = call(sim, "POST", "/creations", data=data, headers=headers)
    assert response.status == 422 and response.detail["errors"][0]["field"] == "body"
    assert needle in response.detail["message"]


def test_json_without_content_type_is_accepted(sim):
    assert call(sim, "POST", "/creations", data=json.dumps(QUICKSTART_BODY).encode()).status == 202


def test_unknown_paths_ids_and_methods(sim):
    for path in ("/nope", "/creations/999", "/creations/abc", "/creations/jobs/999", "/creations/jobs/-1",
                 "/creations/0", "/creations/jobs"):
        response = call(sim, "GET", path)
        assert (response.status, response.detail["code"]) == (404, "not_found"), path
    outside = call(sim, "GET", "/v2/me")
    assert outside.status == 404
    wrong = call(sim, "DELETE", "/creations")
    assert wrong.status == 405 and wrong.headers["Allow"] == "GET, POST"


# -- lists --------------------------------------------------------------------------------------------------------

def test_list_pages_filters_and_search(sim):
    ids = sim.seed_creations(30)
    assert ids == list(range(101, 131))
    everything = call(sim, "GET", "/creations?page_size=100").json()
    assert everything["total"] == 30 and [item["creation_id"] for item in everything["items"]] == ids[::-1]
    second = call(sim, "GET", "/creations?page=2&page_size=10").json()
    assert [item["creation_id"] for item in second["items"]] == list(range(120, 110, -1))
    assert (second["page"], second["page_size"], second["total"]) == (2, 10, 30)
    assert call(sim, "GET", "/creations?page=4&page_size=10").json()["items"] == []
    blank = call(sim, "GET", "/creations?page=1&page_size=20&type=&status=&query=").json()
    assert blank["total"] == 30 and len(blank["items"]) == 20

    images = call(sim, "GET", "/creations?type=image&page_size=100").json()["items"]
    assert images and {item["type"] for item in images} == {"image"}
    statuses = {item["status"] for item in everything["items"]}
    assert {"ready", "failed", "invalid"} <= statuses
    failed = call(sim, "GET", "/creations?status=failed&page_size=100").json()["items"]
    assert failed and all(item["status"] == "failed" and item["main_url"] is None for item in failed)
    by_title = call(sim, "GET", "/creations?query=PHOTOSYNTHESIS").json()["items"]
    assert by_title and all("photosynthesis" in item["title"].lower() for item in by_title)
    by_prompt = call(sim, "GET", "/creations?query=illustrate&page_size=100").json()["items"]
    assert [item["creation_id"] for item in by_prompt] == [item["creation_id"] for item in images]


def test_list_rejects_bad_paging(sim):
    response = call(sim, "GET", "/creations?page=0&page_size=101")
    assert response.status == 422
    assert sorted(error["field"] for error in response.detail["errors"]) == ["page", "page_size"]
    assert call(sim, "GET", "/creations?page=abc").detail["errors"][0]["field"] == "page"
    assert call(sim, "GET", "/creations?page_size=100").status == 200


def test_creations_belong_to_their_key(sim):
    mine = create(sim, QUICKSTART_BODY)["creation_id"]
    theirs = sim.seed_creations(2, key=sim.readonly_key)
    assert [item["creation_id"] for item in call(sim, "GET", "/creations").json()["items"]] == [mine]
    assert call(sim, "GET", "/creations", key=sim.readonly_key).json()["total"] == 2
    assert call(sim, "GET", f"/creations/{theirs[0]}").status == 404
    assert call(sim, "GET", f"/creations/{mine}", key=sim.readonly_key).status == 404
    assert call(sim, "GET", "/creations/jobs/5001", key=sim.readonly_key).status == 404


def test_seed_jobs_are_in_flight(clocked):
    sim, clock = clocked
    job_ids = sim.seed_jobs(5)
    views = [call(sim, "GET", f"/creations/jobs/{job_id}").json() for job_id in job_ids]
    assert {view["status"] for view in views} == {"queued", "running"}
    clock.advance(100)
    assert all(call(sim, "GET", f"/creations/jobs/{job_id}").json()["status"] == "succeeded" for job_id in job_ids)


# -- the Python API -----------------------------------------------------------------------------------------------

def test_non_loopback_hosts_need_permission():
    for host in ("0.0.0.0", "192.168.1.10", "example.com"):
        with pytest.raises(ValueError):
            Simulator(host=host)
    Simulator(host="0.0.0.0", allow_non_loopback=True)  # allowed, not started
    with Simulator(host="localhost", step_seconds=0) as local:
        assert call(local, "GET", "/health").status == 200


def test_stop_is_fast_and_idempotent():
    server = Simulator().start()
    port = server.port
    assert server.base_url == f"http://127.0.0.1:{port}/openapi/v1"
    started = time.monotonic()
    server.stop()
    server.stop()
    assert time.monotonic() - started < 0.5
    with pytest.raises(OSError):
        call(server, "GET", "/health", timeout=1)


def test_request_counters_and_admin_endpoints(sim):
    call(sim, "GET", "/health")
    call(sim, "GET", "/me", key=None)
    assert sim.request_count == 2
    assert sim.request_log == [("GET", "/openapi/v1/health", 200), ("GET", "/openapi/v1/me", 401)]
    stats = call(sim, "GET", "/_sim/stats", key=None).json()
    assert stats["request_count"] == 2 and stats["scenario"]["name"] == "default"
    seeded = call(sim, "POST", "/_sim/seed", {"creations": 3, "jobs": 2}, key=None).json()
    assert seeded == {"creation_ids": [101, 102, 103], "job_ids": [5004, 5005]}
    switched = call(sim, "POST", "/_sim/scenario", {"name": "rate_limit", "params": {"times": 1}}, key=None)
    assert switched.status == 200 and sim.scenario == "rate_limit"
    assert call(sim, "POST", "/_sim/scenario", {"name": "nope"}, key=None).status == 422
    assert call(sim, "GET", "/creations").status == 429
    assert call(sim, "GET", "/creations").json()["total"] == 5
    assert sim.request_count == 4  # the admin calls are not counted
    sim.reset_stats()
    assert sim.request_count == 0 and sim.request_log == []


def test_scenario_names_and_parameters_are_checked():
    required = {"default", "slow", "job_failure", "cancel", "reject_key", "no_credits", "rate_limit",
                "server_error", "bad_gateway", "drop_connection", "malformed_json", "extra_fields",
                "drop_after_create", "catalog_variants", "extra_type"}
    assert required <= set(SCENARIOS) and all(SCENARIOS.values())
    server = Simulator(scenario="slow", delay=0.5, times=2)
    assert server.scenario == "slow"
    for name, params in (("nope", {}), ("slow", {"delai": 1}), ("rate_limit", {"times": -1}),
                         ("job_failure", {"fail_at_step": 0})):
        with pytest.raises(ValueError):
            server.set_scenario(name, **params)
    assert server.scenario == "slow"

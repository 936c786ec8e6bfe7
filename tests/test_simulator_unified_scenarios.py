"""Every scenario and fault on the unified surface (the transport ones on both surfaces), and the shape variants
the unified contract tells clients to tolerate (`unified_variants`)."""

from __future__ import annotations

import http.client
import json

import pytest
from support import TEST_KEY
from support.clock import FakeClock
from support.http import call
from support.unified_http import (
    APP_BODY,
    VIDEO_BODY,
    act,
    creation_path,
    detail,
    ucall,
    ucreate,
    unified,
)

from kgp_tui.simulator import Simulator
from kgp_tui.simulator.scenarios import HOSTILE

# A path and a key check that each surface answers: its key check (GET /me on v1, /capabilities on unified).
PROBE = {"v1": "/me", "unified": "/capabilities"}


@pytest.fixture(params=["v1", "unified"])
def any_sim(request):
    with Simulator(api_key=TEST_KEY, surface=request.param, step_seconds=0.05) as server:
        yield server


def _detail_text(response) -> str:
    body = response.json()["detail"]
    return body if isinstance(body, str) else body["message"]


# -- transport faults: the same on both surfaces ----------------------------------------------------------------

def test_rate_limit_sends_retry_after_in_the_surfaces_error_shape(any_sim):
    any_sim.set_scenario("rate_limit", retry_after=3, times=1)
    limited = ucall(any_sim, "GET", PROBE[any_sim.surface])
    assert limited.status == 429 and limited.headers["Retry-After"] == "3" and "3 s" in _detail_text(limited)
    assert isinstance(limited.json()["detail"], str) == (any_sim.surface == "unified")
    assert ucall(any_sim, "GET", PROBE[any_sim.surface]).status == 200


def test_server_error_and_bad_gateway(any_sim):
    any_sim.set_scenario("server_error", times=1)
    assert ucall(any_sim, "GET", PROBE[any_sim.surface]).status == 500
    any_sim.set_scenario("bad_gateway", times=1)
    gateway = ucall(any_sim, "GET", PROBE[any_sim.surface])
    assert gateway.status == 502 and gateway.headers["Content-Type"].startswith("text/html")
    assert ucall(any_sim, "GET", PROBE[any_sim.surface]).status == 200


def test_drop_connection_and_malformed_json(any_sim):
    any_sim.set_scenario("drop_connection", times=1)
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        ucall(any_sim, "GET", PROBE[any_sim.surface])
    any_sim.set_scenario("malformed_json", times=1)
    with pytest.raises(json.JSONDecodeError):
        ucall(any_sim, "GET", PROBE[any_sim.surface]).json()
    assert any_sim.request_log[-2][2] is None  # a dropped connection is logged without a status


def test_slow_holds_the_reply_but_not_the_server(any_sim):
    any_sim.set_scenario("slow", delay=5, times=1)
    with pytest.raises(TimeoutError):
        ucall(any_sim, "GET", PROBE[any_sim.surface], timeout=0.3)
    assert ucall(any_sim, "GET", PROBE[any_sim.surface]).status == 200


def test_reject_key_refuses_both_headers(any_sim):
    any_sim.set_scenario("reject_key", times=2)
    assert ucall(any_sim, "GET", PROBE[any_sim.surface]).status == 401
    assert call(any_sim, "GET", PROBE[any_sim.surface]).status == 401
    assert ucall(any_sim, "GET", PROBE[any_sim.surface]).status == 200


def test_restart_keeps_state_and_port_and_the_counter_counts(any_sim):
    body = VIDEO_BODY if any_sim.surface == "unified" else {"type": "image", "prompt": "x"}
    created = ucall(any_sim, "POST", "/creations", body).json()
    port = any_sim.port
    any_sim.restart()
    assert any_sim.port == port
    listed = ucall(any_sim, "GET", "/creations").json()
    assert [item["creation_id"] for item in listed["items"]] == [created["creation_id"]]
    stats = call(any_sim, "GET", "/_sim/stats", key=None).json()
    assert stats["request_count"] == 2 and stats["surface"] == any_sim.surface
    assert [entry[:2] for entry in any_sim.request_log] == [("POST", "/openapi/v1/creations"),
                                                            ("GET", "/openapi/v1/creations")]


def test_unified_only_scenarios_are_refused_on_v1(sim):
    with pytest.raises(ValueError, match="unified"):
        sim.set_scenario("credits_run_out")
    refused = call(sim, "POST", "/_sim/scenario", {"name": "unified_variants"}, key=None)
    assert refused.status == 422 and sim.scenario == "default"


# -- the rest, on the unified surface ---------------------------------------------------------------------------

def test_no_credits_and_drop_after_create():
    with unified() as sim:
        sim.set_scenario("no_credits")
        refused = ucall(sim, "POST", "/creations", VIDEO_BODY)
        assert (refused.status, refused.json()["code"]) == (402, "insufficient_credits")
        sim.set_scenario("drop_after_create", times=1)
        with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
            ucall(sim, "POST", "/creations", VIDEO_BODY)
        assert ucall(sim, "GET", "/creations").json()["total"] == 1  # stored, reply lost
        assert ucall(sim, "POST", "/creations", VIDEO_BODY).status == 201


def test_extra_fields_everywhere():
    with unified() as sim:
        sim.set_scenario("extra_fields")
        caps = ucall(sim, "GET", "/capabilities").json()
        assert caps["x_sim_flag"] is True and caps["files"]["x_sim_flag"] is True
        created = ucreate(sim, VIDEO_BODY)
        assert created["x_sim_flag"] is True and created["video"]["x_sim_flag"] is True


def test_hostile_text_marks_server_text_and_keeps_ids(uclocked):
    sim, clock = uclocked
    sim.set_scenario("hostile_text")
    created = ucreate(sim, VIDEO_BODY)
    assert HOSTILE in created["title"] and len(created["title"]) > 5000 and HOSTILE in created["current_step"]
    assert created["creation_id"].startswith("cr_") and HOSTILE not in created["status"]
    clock.advance(8)
    assert HOSTILE in detail(sim, created["creation_id"])["review"]["notes"]
    outputs = ucall(sim, "GET", creation_path(created["creation_id"], "/outputs")).json()["outputs"]
    assert HOSTILE in outputs[0]["label"] and HOSTILE not in outputs[0]["url"]
    message = ucall(sim, "POST", creation_path(created["creation_id"], "/messages"), {"content": "Why?"}).json()
    assert HOSTILE in message["reply"]
    assert HOSTILE in ucall(sim, "GET", "/creations/cr_nope").json()["detail"]


@pytest.mark.parametrize("list_shape", ["data", "bare"])
def test_sparse_fields(list_shape):
    with unified() as sim:
        sim.set_scenario("sparse_fields", list_shape=list_shape)
        created = ucreate(sim, VIDEO_BODY)
        assert "progress_pct" not in created and created["current_step"] is None
        assert "estimated_remaining_seconds" not in created
        listed = ucall(sim, "GET", "/creations").json()
        rows = listed if list_shape == "bare" else listed["data"]
        assert rows[0]["creation_id"] == created["creation_id"]


@pytest.mark.parametrize("scenario, params, code, review", [
    ("job_failure", {"fail_at_step": 3}, "render_failed", None),
    ("job_failure", {"fail_at_step": 8, "error_code": "content_policy"}, "content_policy", "flagged"),
    ("cancel", {}, "cancelled", None),
])
def test_failures_end_the_creation_with_a_result_code(uclocked, scenario, params, code, review):
    sim, clock = uclocked
    sim.set_scenario(scenario, **params)
    creation_id = ucreate(sim, VIDEO_BODY)["creation_id"]
    clock.advance(10)
    failed = detail(sim, creation_id)
    assert failed["status"] == "failed" and failed["result_code"] == code
    assert (failed["review"] or {}).get("status") == review and failed["has_usable_delivery"] is False
    assert failed["actual_credits"] is None and failed["available_actions"] == []
    assert failed["progress_pct"] < 100 and failed["estimated_remaining_seconds"] is None


def test_unknown_status_during_the_first_generating_step(uclocked):
    sim, clock = uclocked
    sim.set_scenario("unknown_status")
    creation_id = ucreate(sim, VIDEO_BODY)["creation_id"]
    clock.advance(1)
    assert detail(sim, creation_id)["status"] == "waiting_for_gpu"
    clock.advance(1)
    assert detail(sim, creation_id)["status"] == "generating"


def test_seeding_from_another_process():
    with unified() as sim:
        seeded = call(sim, "POST", "/_sim/seed", {"creations": 4, "jobs": 2}, key=None).json()
        assert len(seeded["creation_ids"]) == 4 and len(seeded["job_ids"]) == 2
        assert all(isinstance(value, str) for value in seeded["creation_ids"] + seeded["job_ids"])
        assert ucall(sim, "GET", "/creations").json()["total"] == 6
        assert sim.stats()["active_creations"] == 2


def test_extra_type_adds_a_product_that_can_be_made():
    with unified() as sim:
        sim.set_scenario("extra_type")
        products = {p["type"]: p for p in ucall(sim, "GET", "/capabilities").json()["products"]}
        assert products["podcast"]["settings"]["duration_seconds"]["presets"] == [300, 600, 1200]
        created = ucreate(sim, {"type": "podcast", "prompt": "Talk about tides",
                                "podcast": {"duration_seconds": 600, "voice_id": "v_en_m1"}})
        assert created["estimated_credits"] == 60 and created["podcast"]["language"] == "en"


def test_catalog_variants_serve_the_tolerated_capability_shapes():
    with unified() as sim:
        sim.set_scenario("catalog_variants")
        caps = ucall(sim, "GET", "/capabilities").json()
        assert set(caps["products"]) == {"video", "image", "app"}  # keyed by type
        video = caps["products"]["video"]["settings"]
        assert video["duration_seconds"] == {"min": 60, "max": 1500, "default": 240}
        assert video["aspect_ratio"] == ["16:9"] and "language" not in video and "voices" not in video
        assert caps["voices"][0]["voice_id"] and caps["templates"] and caps["styles"]
        assert caps["products"]["app"]["settings"]["language"][:2] == ["en", "zh"]
        assert ucreate(sim, {**VIDEO_BODY, "video": {"duration_seconds": 300}})["video"]["duration_seconds"] == 300


# -- unified_variants: the reply shapes a client must tolerate -------------------------------------------------

def test_all_variants_at_once(uclocked):
    sim, clock = uclocked
    sim.set_scenario("unified_variants")
    caps = ucall(sim, "GET", "/capabilities").json()
    assert "account" not in caps and isinstance(caps["products"], dict)
    assert caps["products"]["video"]["settings"]["durationSeconds"]["max"] == 1500
    assert caps["files"]["maxBytes"] == 52428800
    created = ucreate(sim, VIDEO_BODY)
    assert "creation_id" not in created and "creationId" not in created
    assert {"id", "progressPct", "availableActions", "estimatedCredits"} <= created.keys()
    clock.advance(8)
    view = detail(sim, created["id"])
    assert view["hasUsableDelivery"] is True and view["actualCredits"] == 12
    outputs = ucall(sim, "GET", creation_path(created["id"], "/outputs")).json()
    assert isinstance(outputs, list) and outputs[0]["mimeType"] == "video/mp4"
    listed = ucall(sim, "GET", "/creations").json()
    assert listed["items"][0]["id"] == created["id"]
    refused = ucall(sim, "POST", "/creations", {"type": "video", "prompt": ""})
    assert refused.status == 422 and refused.json()["detail"]["code"] == "validation_error"
    assert {e["field"] for e in refused.json()["detail"]["errors"]} == {"prompt", "video"}
    assert act(sim, created["id"], "retry").json()["detail"]["code"] == "action_not_available"


def test_one_variant_at_a_time_and_fastapi_lists():
    with unified() as sim:
        sim.set_scenario("unified_variants", shapes="fastapi_detail")
        refused = ucall(sim, "POST", "/creations", {"type": "video", "prompt": "x", "video": {"duration_seconds": 7}})
        assert refused.json() == {"detail": [{"loc": ["body", "video", "duration_seconds"], "type": "value_error",
                                              "msg": "must be one of: 120, 240, 360, 510, 900, 1500"}]}
        assert isinstance(ucall(sim, "GET", "/creations/cr_none").json()["detail"], str)
        sim.set_scenario("unified_variants", shapes="id,bare_outputs", times=1)
        created = ucreate(sim, APP_BODY)
        assert "id" in created and "progress_pct" in created
        assert "creation_id" in ucreate(sim, APP_BODY)  # times=1 has run out
        with pytest.raises(ValueError, match="shapes"):
            sim.set_scenario("unified_variants", shapes="kebab_case")


def test_a_fake_clock_drives_seeded_running_creations():
    clock = FakeClock()
    with unified(clock=clock, step_seconds=1.0) as sim:
        running = sim.seed_jobs(3)
        assert {detail(sim, creation_id)["status"] for creation_id in running} <= {"planning", "generating"}
        clock.advance(60)
        assert {detail(sim, creation_id)["status"] for creation_id in running} == {"ready"}

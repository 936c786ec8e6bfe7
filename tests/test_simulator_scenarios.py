"""Each simulator scenario does what SCENARIOS says, on real HTTP; `times=` and `path=` keep them short."""

from __future__ import annotations

import http.client
import json
import threading
import time

import pytest
from support import TEST_KEY, patience
from support.http import QUICKSTART_BODY, call, create, wait_job

from kgp_tui.simulator import Simulator


def _walk_objects(value, found: list) -> list:
    """Every JSON object in a value, except the simulator's own extra ones."""
    if isinstance(value, list):
        for item in value:
            _walk_objects(item, found)
    elif isinstance(value, dict):
        found.append(value)
        for key, item in value.items():
            if key != "x_sim_extra":
                _walk_objects(item, found)
    return found


def _in_background(sim, path: str) -> tuple[threading.Thread, list]:
    """GET a path on a thread, back once the server holds its connection; the list receives the reply or error."""
    outcome: list = []
    held = len(sim._server._connections)

    def attempt() -> None:
        try:
            outcome.append(call(sim, "GET", path, timeout=10))
        except (OSError, http.client.HTTPException) as exc:
            outcome.append(exc)

    worker = threading.Thread(target=attempt)
    worker.start()
    deadline = time.monotonic() + patience(5)
    while len(sim._server._connections) <= held and not outcome and time.monotonic() < deadline:
        time.sleep(0.005)
    return worker, outcome


def test_slow_delays_the_next_requests_only(sim):
    sim.set_scenario("slow", delay=1.0, times=1)
    started = time.monotonic()
    assert call(sim, "GET", "/health").status == 200
    assert time.monotonic() - started >= 1.0  # the delay is a floor
    started = time.monotonic()
    assert call(sim, "GET", "/health").status == 200
    assert time.monotonic() - started < 1.0  # not delayed: a loaded machine is slow, but not a second slow


def test_stop_ends_a_slow_wait_early(sim):
    sim.set_scenario("slow", delay=30)
    worker, outcome = _in_background(sim, "/me")
    started = time.monotonic()
    sim.stop()
    assert time.monotonic() - started < 5  # far sooner than the 30 s the request was held for
    worker.join(timeout=patience(2))
    assert not worker.is_alive() and isinstance(outcome[0], Exception)


def test_job_failure_fails_at_the_chosen_step_then_recovers(sim):
    sim.set_scenario("job_failure", times=1)
    failed = create(sim, QUICKSTART_BODY)
    last = wait_job(sim, failed["job"]["job_id"])[-1]
    assert last["status"] == "failed" and last["current_step"] == "Planning 6 scenes"
    assert last["error"]["code"] == "render_failed" and last["error"]["message"]
    assert last["progress_pct"] < 100 and last["finished_at"]
    detail = call(sim, "GET", f"/creations/{failed['creation_id']}").json()
    assert detail["status"] == "failed" and detail["main_url"] is None and detail["error"]["code"] == "render_failed"
    second = create(sim, QUICKSTART_BODY)
    assert wait_job(sim, second["job"]["job_id"])[-1]["status"] == "succeeded"


def test_job_failure_parameters_and_edit_jobs(sim):
    sim.set_scenario("job_failure", fail_at_step=1, error_code="gpu_lost", path="/creations/", method="POST")
    reply = create(sim, {"type": "image", "prompt": "x"})
    last = wait_job(sim, reply["job"]["job_id"])[-1]
    assert (last["status"], last["current_step"], last["error"]["code"]) == ("failed", "Queued", "gpu_lost")
    sim.set_scenario("job_failure", path="/creations/102/edit")
    ready = create(sim, QUICKSTART_BODY)
    assert wait_job(sim, ready["job"]["job_id"])[-1]["status"] == "succeeded"
    edit = call(sim, "POST", "/creations/102/edit", {"action": "regenerate_scene", "scene_id": "sc_102_1"}).json()
    assert wait_job(sim, edit["job"]["job_id"])[-1]["status"] == "failed"
    detail = call(sim, "GET", "/creations/102").json()
    assert detail["status"] == "ready" and detail["scenes"][0]["image_url"].endswith("/scenes/1.png")


def test_cancel_stops_jobs_at_the_chosen_step(sim):
    sim.set_scenario("cancel")
    reply = create(sim, QUICKSTART_BODY)
    last = wait_job(sim, reply["job"]["job_id"])[-1]
    assert (last["status"], last["current_step"], last["error"]["code"]) == (
        "cancelled", "Writing the script", "cancelled")
    assert call(sim, "GET", f"/creations/{reply['creation_id']}").json()["status"] == "failed"


def test_reject_key(sim):
    sim.set_scenario("reject_key", times=1)
    rejected = call(sim, "GET", "/me")
    assert (rejected.status, rejected.detail["code"]) == (401, "invalid_api_key")
    assert call(sim, "GET", "/me").status == 200
    sim.set_scenario("reject_key")
    assert call(sim, "GET", "/health", key=None).status == 200
    assert call(sim, "GET", "/catalog", key=sim.readonly_key).status == 401
    assert call(sim, "GET", "/me", key=None).detail["code"] == "missing_api_key"


def test_no_credits(sim):
    sim.set_scenario("no_credits")
    refused = call(sim, "POST", "/creations", QUICKSTART_BODY)
    assert (refused.status, refused.detail["code"]) == (402, "insufficient_credits")
    assert call(sim, "GET", "/me").status == 200
    assert call(sim, "GET", "/creations").json()["total"] == 0


def test_rate_limit_sends_retry_after_and_recovers(sim):
    sim.set_scenario("rate_limit", times=2)
    for _ in range(2):
        limited = call(sim, "GET", "/creations")
        assert (limited.status, limited.detail["code"]) == (429, "rate_limited")
        assert limited.headers["Retry-After"] == "1"
    assert call(sim, "GET", "/creations").status == 200
    sim.set_scenario("rate_limit", retry_after=3, path="/creations/jobs")
    assert call(sim, "GET", "/me").status == 200
    assert call(sim, "GET", "/creations/jobs/5001").headers["Retry-After"] == "3"


def test_server_error_is_json_and_changes_nothing(sim):
    sim.set_scenario("server_error", times=1, method="POST")
    assert call(sim, "GET", "/me").status == 200
    failed = call(sim, "POST", "/creations", QUICKSTART_BODY)
    assert (failed.status, failed.detail["code"]) == (500, "internal_error")
    assert call(sim, "GET", "/creations").json()["total"] == 0


def test_bad_gateway_is_html(sim):
    sim.set_scenario("bad_gateway", times=1)
    response = call(sim, "GET", "/me")
    assert response.status == 502 and response.headers["Content-Type"].startswith("text/html")
    assert b"502 Bad Gateway" in response.raw
    with pytest.raises(ValueError):
        response.json()
    assert call(sim, "GET", "/me").status == 200


def test_drop_connection_gives_no_response(sim):
    sim.set_scenario("drop_connection", times=1)
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        call(sim, "GET", "/me")
    assert call(sim, "GET", "/me").status == 200
    assert sim.request_log[-2:] == [("GET", "/openapi/v1/me", None), ("GET", "/openapi/v1/me", 200)]


def test_malformed_json(sim):
    sim.set_scenario("malformed_json", path="/me", method="GET")
    broken = call(sim, "GET", "/me")
    assert broken.status == 200 and broken.headers["Content-Type"] == "application/json"
    with pytest.raises(ValueError):
        broken.json()
    assert call(sim, "GET", "/catalog").json()["content_types"]


def test_extra_fields_reach_every_object(sim):
    sim.set_scenario("extra_fields")
    catalog = call(sim, "GET", "/catalog").json()
    objects = _walk_objects(catalog, [])
    assert len(objects) > 30 and all("x_sim_extra" in obj and obj["x_sim_flag"] is True for obj in objects)
    reply = create(sim, QUICKSTART_BODY)
    assert "x_sim_extra" in reply["job"]
    error = call(sim, "GET", "/creations/999")
    assert "x_sim_extra" in error.detail and error.detail["code"] == "not_found"


def test_drop_after_create_stores_exactly_one_creation(sim):
    sim.set_scenario("drop_after_create", times=1)
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        call(sim, "POST", "/creations", QUICKSTART_BODY)
    listed = call(sim, "GET", "/creations").json()
    assert listed["total"] == 1 and listed["items"][0]["latest_job_id"] == 5001
    assert wait_job(sim, 5001)[-1]["status"] == "succeeded"
    assert create(sim, QUICKSTART_BODY)["creation_id"] == 102


def test_drop_after_create_leaves_rejected_creates_alone(sim):
    sim.set_scenario("drop_after_create", times=1)
    assert call(sim, "POST", "/creations", {"type": "slides_video"}).status == 422
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        call(sim, "POST", "/creations", QUICKSTART_BODY)


def test_catalog_variants_use_the_tolerated_shapes(sim):
    sim.set_scenario("catalog_variants")
    catalog = call(sim, "GET", "/catalog").json()
    types = catalog["content_types"]
    assert isinstance(types, dict) and "type" not in types["slides_video"]
    assert types["slides_video"]["scene_count"] == [4, 6, 8]
    assert types["explainer_video"]["duration_seconds"] == [30, 60, 90]
    assert "scene_count" not in types["slide_deck"]
    assert "voices" not in catalog and catalog["styles"] == []
    refused = call(sim, "POST", "/creations", {"type": "slides_video", "prompt": "x", "scene_count": 5})
    assert refused.status == 422 and refused.detail["errors"][0]["field"] == "scene_count"
    assert create(sim, {"type": "slides_video", "prompt": "x", "scene_count": 8})["type"] == "slides_video"
    assert create(sim, {"type": "slide_deck", "prompt": "x", "scene_count": 17})["type"] == "slide_deck"


def test_extra_type_is_offered_and_accepted(sim):
    sim.set_scenario("extra_type")
    catalog = call(sim, "GET", "/catalog").json()
    storyboard = next(entry for entry in catalog["content_types"] if entry["type"] == "storyboard")
    assert storyboard["fields"] == ["prompt", "language", "aspect_ratio", "scene_count", "style_id"]
    assert any("storyboard" in style["types"] for style in catalog["styles"])
    reply = create(sim, {"type": "storyboard", "prompt": "A heist in a museum", "scene_count": 5,
                         "aspect_ratio": "2:3", "style_id": "st_sketch"})
    assert reply["type"] == "storyboard" and wait_job(sim, reply["job"]["job_id"])[-1]["status"] == "succeeded"
    detail = call(sim, "GET", f"/creations/{reply['creation_id']}").json()
    assert len(detail["scenes"]) == 5 and detail["main_url"].endswith(".pdf")
    sim.set_scenario("default")
    assert call(sim, "POST", "/creations", {"type": "storyboard", "prompt": "x"}).status == 422


def test_unknown_status_then_normal_progress(clocked):
    sim, clock = clocked
    sim.set_scenario("unknown_status")
    job_id = create(sim, QUICKSTART_BODY)["job"]["job_id"]
    statuses = []
    for _ in range(4):
        statuses.append(call(sim, "GET", f"/creations/jobs/{job_id}").json()["status"])
        clock.advance(1.0)
    clock.advance(60)
    statuses.append(call(sim, "GET", f"/creations/jobs/{job_id}").json()["status"])
    assert statuses == ["queued", "waiting_for_gpu", "running", "running", "succeeded"]


@pytest.mark.parametrize("shape", ["data", "bare"])
def test_sparse_fields(sim, shape):
    sim.set_scenario("sparse_fields", list_shape=shape)
    job = create(sim, QUICKSTART_BODY)["job"]
    assert "progress_pct" not in job and job["current_step"] is None
    listed = call(sim, "GET", "/creations").json()
    items = listed if shape == "bare" else listed["data"]
    assert [item["creation_id"] for item in items] == [101]


def test_restart_keeps_state_and_port_and_drops_connections(sim):
    reply = create(sim, QUICKSTART_BODY)
    port, before = sim.port, sim.request_count
    kept = http.client.HTTPConnection(sim.host, sim.port, timeout=5)
    kept.request("GET", "/openapi/v1/health")
    assert kept.getresponse().read()
    sim.set_scenario("slow", delay=30, path="/me")
    worker, stalled = _in_background(sim, "/me")
    started = time.monotonic()
    sim.restart()
    assert time.monotonic() - started < 5  # not held up by the request stalled for 30 s
    worker.join(timeout=patience(2))
    assert stalled and isinstance(stalled[0], Exception)
    with pytest.raises((http.client.HTTPException, ConnectionError)):
        kept.request("GET", "/openapi/v1/health")
        kept.getresponse()
    assert sim.port == port
    sim.set_scenario("default")
    assert wait_job(sim, reply["job"]["job_id"])[-1]["status"] == "succeeded"
    assert call(sim, "GET", f"/creations/{reply['creation_id']}").json()["status"] == "ready"
    assert sim.request_count > before + 1




def test_scenario_from_the_constructor():
    with Simulator(api_key=TEST_KEY, scenario="rate_limit", retry_after=2, times=1) as limited:
        assert call(limited, "GET", "/me").headers["Retry-After"] == "2"
        assert json.loads(call(limited, "GET", "/me").raw)["user_id"] == 42

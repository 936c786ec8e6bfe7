"""The unified surface (/work/shared/kgp-api-unified.md) against the simulator, over real HTTP with http.client."""

from __future__ import annotations

import pytest
from support.http import ISO_Z, call
from support.unified_http import (
    APP_BODY,
    IMAGE_BODY,
    VIDEO_BODY,
    creation_path,
    detail,
    poll,
    ucall,
    ucreate,
    unified,
)

from kgp_tui.simulator import Simulator


@pytest.fixture
def usim():
    with unified() as server:
        yield server


# -- the documented flow ------------------------------------------------------------------------------------------

def test_capabilities_follow_the_contract(usim):
    caps = ucall(usim, "GET", "/capabilities").json()
    assert caps["account"]["key_prefix"] == "kgp_test_5be1" and caps["account"]["can_create"] is True
    assert caps["account"]["credits"]["balance"] == 1200
    assert caps["files"] == {"max_bytes": 52428800, "max_files": 5, "mime_types": [
        "application/pdf", "text/plain", "text/markdown", "image/png", "image/jpeg"]}
    products = {product["type"]: product for product in caps["products"]}
    assert list(products) == ["video", "image", "app"]
    video = products["video"]["settings"]
    assert video["duration_seconds"] == {"presets": [120, 240, 360, 510, 900, 1500], "default": 240}
    assert video["aspect_ratio"] == {"values": ["16:9"], "default": "16:9"}
    assert {"voice_id", "name", "language"} <= video["voices"][0].keys()
    assert video["templates"][0]["template_id"] and video["expression_styles"][0]["expression_style_id"]
    bundles = {b["model"]: b for b in products["image"]["settings"]["bundles"]}
    assert bundles["nano-banana-2"]["qualities"] == [] and bundles["gpt-image-2"]["qualities"] == [
        "low", "medium", "high"]
    assert {"code": "zh", "name": "中文"} in caps["languages"]


def test_the_documented_flow_with_bearer_auth(usim):
    created = ucreate(usim, VIDEO_BODY)
    creation_id = created["creation_id"]
    assert isinstance(creation_id, str) and creation_id.startswith("cr_") and not creation_id[3:].isdigit()
    assert created["status"] == "planning" and created["progress_pct"] == 0 and created["available_actions"] == []
    assert created["estimated_credits"] == 12 and created["type"] == "video"
    seen = poll(usim, creation_id)
    statuses = [view["status"] for view in seen]
    assert statuses[-1] == "ready" and set(statuses) <= {"planning", "generating", "reviewing", "ready"}
    progress = [view["progress_pct"] for view in seen]
    assert progress == sorted(progress) and progress[-1] == 100
    last = seen[-1]
    assert last["actual_credits"] == 12 and last["has_usable_delivery"] is True and last["result_code"] == "ok"
    assert last["review"]["status"] == "passed" and last["pause"] is None and last["messages"] == []
    assert ISO_Z.fullmatch(last["created_at"]) and ISO_Z.fullmatch(last["updated_at"])
    outputs = ucall(usim, "GET", creation_path(creation_id, "/outputs")).json()["outputs"]
    assert [o["mime_type"] for o in outputs] == ["video/mp4", "text/vtt", "image/png"]
    assert all(o["url"].startswith(usim.media_origin + "/") and isinstance(o["output_id"], str) for o in outputs)


def test_a_creation_moves_through_its_statuses_with_the_clock(uclocked):
    sim, clock = uclocked
    creation_id = ucreate(sim, VIDEO_BODY)["creation_id"]  # 8 steps of 1 s: plan, script, 3 scenes, 3 more
    first = detail(sim, creation_id)
    assert (first["status"], first["current_step"], first["estimated_remaining_seconds"]) == (
        "planning", "Planning the video", 8)
    clock.advance(1)
    view = detail(sim, creation_id)
    assert (view["status"], view["current_step"], view["progress_pct"]) == ("generating", "Writing the script", 12)
    assert view["estimated_remaining_seconds"] == 7 and view["review"] is None and view["actual_credits"] is None
    clock.advance(6)
    view = detail(sim, creation_id)
    assert view["status"] == "reviewing" and view["review"]["status"] == "pending"
    assert view["has_usable_delivery"] is False
    assert ucall(sim, "GET", creation_path(creation_id, "/outputs")).status == 409
    clock.advance(1)
    view = detail(sim, creation_id)
    assert (view["status"], view["progress_pct"], view["estimated_remaining_seconds"]) == ("ready", 100, 0)
    assert view["current_step"] == "Delivered" and view["actual_credits"] == view["estimated_credits"] == 12


def test_outputs_before_a_usable_delivery_are_409(uclocked):
    sim, _ = uclocked
    creation_id = ucreate(sim, APP_BODY)["creation_id"]
    refused = ucall(sim, "GET", creation_path(creation_id, "/outputs"))
    assert refused.status == 409 and refused.json()["code"] == "no_usable_delivery"
    assert isinstance(refused.json()["detail"], str) and "planning" in refused.json()["detail"]


def test_each_product_gets_its_own_outputs_and_estimate(usim):
    image = ucreate(usim, IMAGE_BODY)
    assert image["estimated_credits"] == 8 and image["image"]["quality"] == "high"
    app = ucreate(usim, APP_BODY)
    assert app["estimated_credits"] == 15
    for created, kinds in ((image, ["image"]), (app, ["html", "archive"])):
        assert poll(usim, created["creation_id"])[-1]["status"] == "ready"
        outputs = ucall(usim, "GET", creation_path(created["creation_id"], "/outputs")).json()["outputs"]
        assert [o["kind"] for o in outputs] == kinds


# -- auth, surfaces and ids ---------------------------------------------------------------------------------------

def test_bearer_and_the_v1_header_are_both_accepted(usim):
    assert ucall(usim, "GET", "/capabilities").status == 200
    assert call(usim, "GET", "/capabilities").status == 200  # X-KGP-Api-Key
    missing = ucall(usim, "GET", "/capabilities", key=None)
    assert missing.status == 401 and missing.json()["code"] == "missing_api_key"
    assert "Bearer" in missing.json()["detail"]
    wrong = ucall(usim, "GET", "/capabilities", key="kgp_live_0000deadbeef")
    assert wrong.status == 401 and isinstance(wrong.json()["detail"], str)
    assert "kgp_live_0000…" in wrong.json()["detail"] and "deadbeef" not in wrong.json()["detail"]


def test_a_read_only_key_reads_but_cannot_create(usim):
    caps = ucall(usim, "GET", "/capabilities", key=usim.readonly_key).json()
    assert caps["account"]["can_create"] is False
    refused = ucall(usim, "POST", "/creations", VIDEO_BODY, key=usim.readonly_key)
    assert (refused.status, refused.json()["code"]) == (403, "insufficient_permission")
    no_credit = ucall(usim, "POST", "/creations", VIDEO_BODY, key=usim.no_credit_key)
    assert (no_credit.status, no_credit.json()["code"]) == (402, "insufficient_credits")
    assert ucall(usim, "GET", "/creations").json()["total"] == 0


@pytest.mark.parametrize("method, path", [("GET", "/me"), ("GET", "/catalog"), ("GET", "/creations/jobs/5001"),
                                          ("POST", "/creations/cr_1/edit")])
def test_v1_paths_are_404_on_a_unified_server(usim, method, path):
    response = ucall(usim, method, path, {} if method == "POST" else None)
    assert response.status == 404 and response.json()["code"] == "not_found"


@pytest.mark.parametrize("method, path", [("GET", "/capabilities"), ("POST", "/files"),
                                          ("POST", "/creations/101/messages"), ("POST", "/creations/101/actions"),
                                          ("GET", "/creations/101/outputs")])
def test_unified_paths_are_404_on_a_v1_server(sim, method, path):
    assert call(sim, method, path, {} if method == "POST" else None).status == 404


def test_detection_answers_the_key_check_on_both(sim, usim):
    """§5: /capabilities is 200 on unified, 404 on v1, 401 for a refused key on either."""
    assert ucall(usim, "GET", "/capabilities").status == 200
    assert ucall(sim, "GET", "/capabilities").status == 404
    assert ucall(usim, "GET", "/capabilities", key="kgp_x_nope1234").status == 401
    assert ucall(sim, "GET", "/me", key="kgp_x_nope1234").status == 401


def test_string_ids_are_url_decoded_and_scoped_to_their_key(usim):
    creation_id = ucreate(usim, APP_BODY)["creation_id"]
    encoded = "/creations/" + "".join(f"%{ord(c):02X}" for c in creation_id)
    assert ucall(usim, "GET", encoded).json()["creation_id"] == creation_id
    assert ucall(usim, "GET", creation_path(creation_id), key=usim.readonly_key).status == 404
    unknown = ucall(usim, "GET", creation_path("cr_nope/../x"))
    assert unknown.status == 404 and isinstance(unknown.json()["detail"], str)


def test_a_surface_that_is_not_known_is_refused():
    with pytest.raises(ValueError, match="surface"):
        Simulator(surface="v2")
    with pytest.raises(ValueError, match="unified"):
        Simulator(scenario="over_budget")


# -- validation of POST /creations -----------------------------------------------------------------------------

def _errors(response) -> dict[str, str]:
    assert response.status == 422, response.raw
    body = response.json()
    assert isinstance(body["detail"], str) and body["code"] == "validation_error"
    return {item["field"]: item["message"] for item in body["errors"]}


@pytest.mark.parametrize("body, field", [
    ({"prompt": "x", "video": {}}, "type"),
    ({"type": "podcast", "prompt": "x"}, "type"),
    ({"type": "video", "prompt": "  ", "video": {}}, "prompt"),
    ({"type": "video", "prompt": "x"}, "video"),
    ({"type": "video", "prompt": "x", "video": {}, "image": {}}, "image"),
    ({"type": "video", "prompt": "x", "video": {"duration_seconds": 200}}, "video.duration_seconds"),
    ({"type": "video", "prompt": "x", "video": {"aspect_ratio": "9:16"}}, "video.aspect_ratio"),
    ({"type": "video", "prompt": "x", "video": {"resolution": "4K"}}, "video.resolution"),
    ({"type": "video", "prompt": "x", "video": {"language": "zh", "voice_id": "v_en_f1"}}, "video.voice_id"),
    ({"type": "video", "prompt": "x", "video": {"template_id": "tpl_nope"}}, "video.template_id"),
    ({"type": "image", "prompt": "x", "image": {"provider": "gemini", "model": "nano-banana-2",
                                                "quality": "high"}}, "image.quality"),
    ({"type": "image", "prompt": "x", "image": {"provider": "gemini", "model": "gpt-image-2"}}, "image.model"),
    ({"type": "image", "prompt": "x", "image": {"model": "gpt-image-2"}}, "image.provider"),
    ({"type": "image", "prompt": "x", "image": {"provider": "gemini", "model": "nano-banana-2",
                                                "aspect_ratio": "3:2"}}, "image.aspect_ratio"),
    ({"type": "image", "prompt": "x", "image": {"provider": "azure_openai", "model": "gpt-image-2",
                                                "output_quality": "4K"}}, "image.output_quality"),
    ({"type": "app", "prompt": "x", "app": {}, "max_credits": 0}, "max_credits"),
    ({"type": "app", "prompt": "x", "app": {}, "max_credits": "10"}, "max_credits"),
    ({"type": "app", "prompt": "x", "app": {}, "input_file_ids": ["file_nope"]}, "input_file_ids"),
    ({"type": "app", "prompt": "x", "app": {}, "input_file_ids": "file_1"}, "input_file_ids"),
    ({"type": "app", "prompt": "x", "app": {}, "scene_count": 3}, "scene_count"),
])
def test_create_refuses_what_the_contract_does_not_allow(usim, body, field):
    errors = _errors(ucall(usim, "POST", "/creations", body))
    assert errors.get(field)
    assert ucall(usim, "GET", "/creations").json()["total"] == 0


def test_create_normalizes_and_fills_the_bundle_defaults(usim):
    created = ucreate(usim, {"type": "image", "prompt": "  A cat  ", "instructions": None, "image": {}})
    assert created["prompt"] == "A cat" and created["instructions"] is None
    assert created["image"] == {"provider": "gemini", "model": "nano-banana-2", "aspect_ratio": "16:9",
                                "output_quality": "1K"}
    video = ucreate(usim, {"type": "video", "prompt": "x", "video": {"language": "zh", "voice_id": "v_zh_f1"}})
    assert video["video"]["duration_seconds"] == 240 and video["estimated_credits"] == 24


def test_a_body_that_is_not_a_json_object_is_422(usim):
    bad = ucall(usim, "POST", "/creations", data=b"[1]", headers={"Content-Type": "application/json"})
    assert "body" in _errors(bad)
    assert "body" in _errors(ucall(usim, "POST", "/creations", data=b"{", headers={
        "Content-Type": "application/json"}))


# -- GET /creations --------------------------------------------------------------------------------------------

def test_the_list_filters_by_type_and_pages_with_string_ids(usim):
    ids = usim.seed_creations(7)
    assert all(isinstance(creation_id, str) for creation_id in ids)
    page = ucall(usim, "GET", "/creations?page=1&page_size=3").json()
    assert page["total"] == 7 and page["page"] == 1 and page["page_size"] == 3
    assert [item["creation_id"] for item in page["items"]] == ids[::-1][:3]
    assert {"creation_id", "type", "status", "title", "progress_pct", "created_at"} <= page["items"][0].keys()
    videos = ucall(usim, "GET", "/creations?type=video&page_size=100").json()
    assert videos["total"] == 3 and {item["type"] for item in videos["items"]} == {"video"}
    ignored = ucall(usim, "GET", "/creations?status=failed&query=zzz").json()
    assert ignored["total"] == 7  # this surface has no status or query filter
    assert ucall(usim, "GET", "/creations?page_size=101").status == 422
    statuses = {item["status"] for item in ucall(usim, "GET", "/creations?page_size=100").json()["items"]}
    assert statuses == {"ready", "failed"}



def test_a_ready_creation_is_charged_once_and_a_re_run_pays_only_what_it_adds():
    from support import TEST_KEY
    from support.unified_http import VIDEO_BODY, creation_path, poll, ucall, ucreate

    with Simulator(api_key=TEST_KEY, port=0, step_seconds=0.01, surface="unified") as sim:
        balance = lambda: sim._store.accounts[TEST_KEY].balance  # noqa: E731
        before = balance()
        made = ucreate(sim, VIDEO_BODY)
        first = poll(sim, made["creation_id"], until=("ready",))[-1]
        assert first["actual_credits"] > 0 and balance() == before - first["actual_credits"]
        poll(sim, made["creation_id"], until=("ready",))  # reading it again charges nothing
        assert balance() == before - first["actual_credits"]
        reply = ucall(sim, "POST", creation_path(made["creation_id"], "/messages"), {"content": "Make it slower"})
        assert reply.status in (200, 201, 202), reply.body
        again = poll(sim, made["creation_id"], until=("generating", "rendering", "planning", "reviewing"))
        again = poll(sim, made["creation_id"], until=("ready",))[-1]
        assert again["actual_credits"] > first["actual_credits"]
        assert balance() == before - again["actual_credits"]

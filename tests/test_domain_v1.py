"""The v1 adapter: v1 models → domain objects (pure), and its flow against the v1 simulator (real HTTP)."""

from __future__ import annotations

import asyncio
import time

import pytest
from support import TEST_KEY
from support.http import QUICKSTART_BODY

from kgp_tui.api import domain as d
from kgp_tui.api import models as m
from kgp_tui.api.errors import NotOnThisSurface
from kgp_tui.api.payload import build_create_payload
from kgp_tui.api.surface import connect
from kgp_tui.api.v1 import (
    V1Adapter,
    account_from_me,
    creation_from_v1,
    offer_from_catalog,
    page_from_v1,
    run_from_create,
    run_from_job,
)

CATALOG = m.Catalog.model_validate({
    "content_types": [
        {"type": "slides_video", "display_name": "Slides", "fields": ["prompt", "language", "aspect_ratio",
                                                                     "scene_count", "voice_id", "style_id"],
         "aspect_ratios": ["16:9", "1:1"], "default_aspect_ratio": "16:9", "scene_count": {"min": 1, "max": 20,
                                                                                            "default": 6},
         "editable_actions": ["regenerate_scene"]},
        {"type": "image", "fields": ["prompt", "image_generation"]},
        {"type": "storyboard", "fields": ["prompt", "panels", "mood"], "panels": [4, 6, 8],
         "mood": {"min": 0.5, "max": 2.5}},
    ],
    "languages": [{"code": "en", "name": "English"}, {"code": "zh", "name": "中文"}],
    "voices": [{"voice_id": "v_en", "name": "Maple", "language": "en"}, {"voice_id": "v_zh", "language": "zh"}],
    "styles": [{"style_id": "st_chalk", "types": ["slides_video"]}, {"style_id": "st_photo", "types": ["image"]}],
    "image_generation": {"models": [{"provider": "gemini", "model": "nano-banana-2", "display_name": "Nano Banana 2"}]},
})


def test_me_becomes_the_account_and_says_why_a_key_cannot_create():
    me = m.Me.model_validate({"user_id": 42, "display_name": "Ada", "key_prefix": "kgp_live_3f9a", "key_scope": "user",
                              "can_create": True, "credits": {"balance": 1200, "plan": "pro"}})
    account = account_from_me(me, "kgp_x…")
    assert (account.user_id, account.credits, account.plan, account.may_create) == ("42", 1200, "pro", True)
    assert account.raw["display_name"] == "Ada"
    assert account.key_prefix == "kgp_x…"  # our own prefix of the key, never what the server says it is
    echoed = m.Me.model_validate({"key_prefix": "kgp_live_3f9a1234567890abcdef", "key_scope": "user"})
    assert account_from_me(echoed, "kgp_live_3f9a…").key_prefix == "kgp_live_3f9a…"
    read_only = account_from_me(m.Me.model_validate({"key_scope": "user", "can_create": False}), "kgp_x…")
    assert read_only.key_prefix == "kgp_x…" and "read-only" in read_only.why_not
    assert "not a user-level key" in account_from_me(m.Me.model_validate({"key_scope": "org", "can_create": True}),
                                                     "k").why_not


def test_the_catalog_becomes_products_with_exactly_their_fields():
    offer = offer_from_catalog(CATALOG)
    assert offer.surface == "v1" and offer.files is None and not offer.takes_budget
    slides, image, storyboard = offer.products
    assert [s.name for s in slides.settings] == ["prompt", "language", "aspect_ratio", "scene_count", "voice_id",
                                                 "style_id"]
    assert slides.setting("prompt").required and slides.edit_actions == ("regenerate_scene",)
    scenes = slides.setting("scene_count")
    assert (scenes.kind, scenes.minimum, scenes.maximum, scenes.default) == ("integer", 1, 20, 6)
    assert slides.setting("aspect_ratio").default == "16:9"
    assert [c.value for c in slides.setting("style_id").choices] == ["st_chalk"]
    assert [c.value for c in slides.choices_for("voice_id", {"language": "zh"})] == ["v_zh"]
    assert image.setting("image_generation").kind == "bundle" and image.bundles[0].key == "gemini:nano-banana-2"
    assert storyboard.setting("panels").kind == "choice" and storyboard.setting("mood").kind == "number"


def test_jobs_and_creations_get_string_ids():
    job = m.Job.model_validate({"job_id": 5001, "creation_id": 101, "kind": "edit", "action": "regenerate_scene",
                                "status": "failed", "progress_pct": 40, "current_step": "Rendering",
                                "error": {"code": "render_failed", "message": "GPU fell over"}})
    run = run_from_job(job)
    assert (run.id, run.creation_id, run.kind, run.action, run.surface) == ("5001", "101", "edit", "regenerate_scene",
                                                                            "v1")
    assert run.is_terminal and not run.succeeded and run.error == d.RunError("render_failed", "GPU fell over")
    assert run.eta_seconds is None and run.estimated_credits is None
    created = run_from_create(m.CreateResponse.model_validate({"creation_id": 101, "job": {"job_id": 5001}}))
    assert (created.id, created.creation_id, created.status) == ("5001", "101", "queued")
    detail = m.Creation.model_validate({
        "creation_id": 101, "type": "slides_video", "status": "ready", "latest_job_id": 5001,
        "main_url": "https://cdn/101.mp4", "editable_actions": ["regenerate_scene"],
        "artifacts": [{"artifact_id": "a1", "kind": "video", "url": "https://cdn/a1", "size_bytes": 9}],
        "scenes": [{"scene_id": "s1", "index": 1, "narration_text": "Hi"}]})
    creation = creation_from_v1(detail)
    assert (creation.id, creation.latest_run_id, creation.detailed) == ("101", "5001", True)
    assert creation.results == (d.Result("a1", "video", None, "https://cdn/a1", None, 9),)
    assert creation.scenes[0].narration == "Hi" and creation.run is None
    assert [(s.kind, s.name) for s in creation.next_steps()] == [("edit", "regenerate_scene")]
    page = page_from_v1(m.CreationPage.model_validate({"data": [{"creation_id": 7}], "total": 1}))
    assert [c.id for c in page.items] == ["7"] and not page.items[0].detailed


def test_the_create_body_is_payload_pys_and_a_bundle_becomes_image_generation():
    adapter = V1Adapter(client=None)
    adapter._catalog = CATALOG
    offer = offer_from_catalog(CATALOG)
    slides = offer.product("slides_video")
    values = {k: v for k, v in QUICKSTART_BODY.items() if k != "type"}
    assert adapter.build_create_body(slides, values) == build_create_payload(CATALOG.get_type("slides_video"), values)
    image = offer.product("image")
    body = adapter.build_create_body(image, {"prompt": "A cat", "image_generation": "gemini:nano-banana-2"})
    assert body == {"type": "image", "prompt": "A cat", "image_generation": {"provider": "gemini",
                                                                            "model": "nano-banana-2"}}
    assert adapter.validate(slides, {"prompt": "x", "scene_count": 40})["scene_count"] == "Must be 1–20 (default 6)."
    assert "takes no files" in adapter.validate(slides, {"prompt": "x"}, ["file_1"])["input_file_ids"]
    with pytest.raises(NotOnThisSurface):
        adapter.build_create_body(slides, {"prompt": "x"}, max_credits=10)


async def test_the_quickstart_flow_and_an_edit_through_the_adapter(sim):
    connection = await connect(f"http://{sim.host}:{sim.port}/openapi/v1", TEST_KEY, surface="v1")
    adapter = connection.adapter
    try:
        slides = connection.offer.product("slides_video")
        values = {k: v for k, v in QUICKSTART_BODY.items() if k != "type"}
        assert adapter.validate(slides, values) == {}
        run = await adapter.create(slides, values)
        deadline = time.monotonic() + 10
        while not run.stops_polling:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.02)
            run = await adapter.poll(run)
        assert run.succeeded and run.kind == "create"
        creation = await adapter.creation(run.creation_id)
        assert creation.status == "ready" and creation.scenes and creation.results
        page = await adapter.list_creations(type="slides_video", status="ready", query="attention")
        assert creation.id in [c.id for c in page.items]
        scene = creation.scenes[0]
        values = {"scene_id": scene.id, "narration_text": "New words"}
        assert adapter.validate_edit(creation, "update_scene_narration", values) == {}
        edit = await adapter.edit(creation, "update_scene_narration", values)
        assert edit.kind == "edit" and edit.action == "update_scene_narration" and edit.creation_id == creation.id
        with pytest.raises(NotOnThisSurface):
            await adapter.send_message(creation.id, "hello")
        with pytest.raises(NotOnThisSurface):
            await adapter.act(d.ActionIntent(creation.id, "retry", d.new_idempotency_key()))
    finally:
        await adapter.aclose()


@pytest.mark.parametrize("scenario", ["extra_fields", "hostile_text", "catalog_variants", "extra_type", "sparse_fields",
                                      "unknown_status"])
async def test_every_product_of_a_tolerated_v1_catalog_gets_a_body_the_server_takes(sim, scenario):
    sim.set_scenario(scenario)
    connection = await connect(f"http://{sim.host}:{sim.port}/openapi/v1", TEST_KEY)
    adapter = connection.adapter
    try:
        assert connection.surface == "v1" and connection.offer.products
        for product in connection.offer.products:
            values = {**product.defaults(), "prompt": "Explain attention"}
            for setting in product.settings:  # a form's first choice where the field needs one
                choices = product.choices_for(setting.name, values)
                if setting.name not in values and choices and setting.kind in ("bundle", "choice"):
                    values[setting.name] = choices[0].value
            assert adapter.validate(product, values) == {}, product.type
            run = await adapter.create(product, values)
            assert run.creation_id and run.id
    finally:
        await adapter.aclose()

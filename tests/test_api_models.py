"""The models accept every shape the contract says to tolerate, keep unknown fields and never choke on new values."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from kgp_tui.api.models import (
    CREATION_STATUSES,
    JOB_TERMINAL,
    Catalog,
    ContentType,
    CreateResponse,
    Creation,
    CreationPage,
    EditResponse,
    Health,
    Job,
    Limit,
    Me,
    Scene,
    canonical_type,
    parse_time,
)

SLIDES = {
    "type": "slides_video", "display_name": "Explainer Video (Slide-based)",
    "description": "Narrated slides, page by page.",
    "fields": ["prompt", "instructions", "language", "aspect_ratio", "output_quality", "scene_count", "voice_id",
               "style_id"],
    "required": ["prompt"], "aspect_ratios": ["16:9", "9:16", "1:1"], "default_aspect_ratio": "16:9",
    "output_qualities": ["1K", "2K"], "scene_count": {"min": 1, "max": 20, "default": 6}, "duration_seconds": None,
    "editable_actions": ["update_scene_narration", "regenerate_scene"], "aliases": [],
}
CONTRACT_CATALOG = {
    "content_types": [SLIDES],
    "languages": [{"code": "en", "name": "English"}, {"code": "zh", "name": "中文"}],
    "voices": [{"voice_id": "v_en_f1", "name": "Maple", "language": "en", "gender": "female"},
               {"voice_id": "v_zh_f1", "name": "Lan", "language": "zh"},
               {"voice_id": "v_any", "name": "Polyglot"}],
    "styles": [{"style_id": "st_chalk", "name": "Chalkboard", "types": ["slides_video", "explainer_video"]},
               {"style_id": "st_any", "name": "Anything"}],
    "image_generation": {"models": [{"provider": "gemini", "model": "nano-banana-2", "display_name": "Nano Banana 2",
                                     "aspect_ratios": ["16:9", "9:16", "1:1"], "output_qualities": ["1K", "2K", "4K"],
                                     "qualities": []}]},
    "video_generation": {"models": [{"model": "gemini-omni-flash", "tasks": ["text_to_video"], "resolutions": ["720p"],
                                     "duration_seconds": {"min": 3, "max": 10, "default": 8}, "native_audio": True,
                                     "supports_iterate": True}]},
}


def test_contract_catalog_parses():
    catalog = Catalog.model_validate(CONTRACT_CATALOG)
    slides = catalog.get_type("slides_video")
    assert slides is not None and slides.label == "Explainer Video (Slide-based)"
    assert slides.scene_count == Limit(min=1, max=20, default=6)
    assert slides.duration_seconds is None
    assert slides.limit("scene_count").describe() == "1–20 (default 6)"
    assert slides.options("aspect_ratio") == ["16:9", "9:16", "1:1"]
    assert slides.options("language") is None
    assert [m.model for m in catalog.image_models] == ["nano-banana-2"]
    video = catalog.video_models[0]
    assert video.duration_seconds.allows(8) and not video.duration_seconds.allows(11)
    assert video.native_audio is True


def test_catalog_content_types_as_an_object_keyed_by_type():
    doc = {"content_types": {"slides_video": {k: v for k, v in SLIDES.items() if k != "type"},
                             "storyboard": {"fields": ["prompt", "scene_count"], "scene_count": [2, 4]},
                             "bare": None}}
    catalog = Catalog.model_validate(doc)
    assert [ct.type for ct in catalog.content_types] == ["slides_video", "storyboard", "bare"]
    assert catalog.get_type("storyboard").scene_count.choices == [2, 4]
    assert catalog.get_type("bare").fields == ["prompt"]


def test_limits_as_range_list_number_missing_and_garbage():
    assert Limit.parse({"min": 1, "max": 20, "default": 6}).describe() == "1–20 (default 6)"
    listed = Limit.parse([4, 6, 8])
    assert listed.describe() == "one of 4, 6, 8" and listed.allows(6) and listed.allows("6") and not listed.allows(5)
    bare = Limit.parse(6)
    assert bare.default == 6 and bare.min is None and bare.describe() == "default 6"
    assert Limit.parse(None) is None
    assert Limit.parse("lots") is None
    assert Limit.parse({"minimum": "4", "maximum": 90}).describe() == "4–90"
    assert Limit.parse({"min": 20, "max": 1}).describe() == "1–20"  # swapped bounds are put right
    assert Limit.parse({"min": 3}).describe() == "≥ 3"
    assert Limit.parse({"max": 3}).describe() == "≤ 3"
    assert Limit.parse({}).describe() == "any value" and Limit.parse({}).allows(10**6)
    assert not Limit.parse({"min": 1, "max": 3}).allows("x")
    ct = ContentType.model_validate({"type": "t", "scene_count": "many", "duration_seconds": [30, 60, 90]})
    assert ct.scene_count is None
    assert ct.duration_seconds.choices == [30, 60, 90]
    assert ct.options("duration_seconds") == [30, 60, 90]


def test_voices_and_styles_missing_or_null():
    for doc in ({"content_types": []}, {"content_types": [], "voices": None, "styles": None, "languages": None}):
        catalog = Catalog.model_validate(doc)
        assert catalog.voices == [] and catalog.styles == [] and catalog.languages == []
        assert catalog.image_generation is None and catalog.image_models == [] and catalog.video_models == []
    assert Catalog.model_validate({}).content_types == []


def test_catalog_items_that_do_not_fit_are_dropped_not_fatal():
    doc = {"content_types": [SLIDES, {"no_type": True}, "junk"],
           "languages": ["en", {"code": "zh"}, 7, None],
           "voices": [{"name": "no id"}, {"voice_id": 12, "name": "numeric id"}],
           "image_generation": [{"model": "m1"}]}
    catalog = Catalog.model_validate(doc)
    assert [ct.type for ct in catalog.content_types] == ["slides_video"]
    assert [lang.code for lang in catalog.languages] == ["en", "zh"]
    assert [v.voice_id for v in catalog.voices] == ["12"]
    assert catalog.image_models[0].model == "m1"


def test_catalog_lookups():
    catalog = Catalog.model_validate(CONTRACT_CATALOG | {"content_types": [
        {"type": "explainer_video", "aliases": ["knowledge_video"]}, {"type": "interactive_lesson"}, SLIDES]})
    assert catalog.get_type("knowledge_video").type == "explainer_video"
    assert catalog.get_type("web_app").type == "interactive_lesson"
    assert catalog.get_type(" slides_video ").type == "slides_video"
    assert catalog.get_type("nope") is None
    assert [v.voice_id for v in catalog.voices_for("en")] == ["v_en_f1", "v_any"]
    assert [v.voice_id for v in catalog.voices_for("en-US")] == ["v_en_f1", "v_any"]
    assert len(catalog.voices_for(None)) == 3
    assert [s.style_id for s in catalog.styles_for("slides_video")] == ["st_chalk", "st_any"]
    assert [s.style_id for s in catalog.styles_for("knowledge_video")] == ["st_chalk", "st_any"]
    assert [s.style_id for s in catalog.styles_for("image")] == ["st_any"]


def test_unknown_type_still_gets_prompt_and_keeps_its_extras():
    ct = ContentType.model_validate({"type": "storyboard", "fields": ["scene_count", "tone"], "tones": ["calm", "fun"],
                                     "page_count": {"min": 1, "max": 4}, "scene_count": {"min": 2, "max": 12}})
    assert ct.fields == ["prompt", "scene_count", "tone"] and ct.required == ["prompt"]
    assert ct.options("tone") == ["calm", "fun"]
    assert ct.limit("page_count").describe() == "1–4"
    assert ct.model_extra["tones"] == ["calm", "fun"]
    with pytest.raises(ValidationError):
        ContentType.model_validate({"display_name": "no type"})


def test_me_can_use():
    me = Me.model_validate({"user_id": 42, "display_name": "Ada", "key_prefix": "kgp_live_3f9a", "key_scope": "user",
                            "can_create": True, "credits": {"balance": 1200, "plan": "pro"}, "new_field": 1})
    assert me.can_use and me.credits.balance == 1200 and me.model_extra == {"new_field": 1}
    assert not Me.model_validate({"key_scope": "user", "can_create": False}).can_use
    assert not Me.model_validate({"key_scope": "readonly", "can_create": True}).can_use
    assert not Me.model_validate({"key_scope": "user"}).can_use  # unknown means no
    assert Me.model_validate({"credits": 55, "user_id": "42"}).credits.balance == 55
    assert Me.model_validate({"user_id": "u-abc"}).user_id is None


def test_job_with_progress_and_step_missing_or_null_and_unknown_status():
    for extra in ({}, {"progress_pct": None, "current_step": None}, {"progress_pct": "n/a"}):
        job = Job.model_validate({"job_id": 5001, "status": "running", **extra})
        assert job.progress_pct is None and job.current_step is None and not job.is_terminal
    odd = Job.model_validate({"job_id": "5001", "status": "paused_for_review", "surprise": {"a": 1}})
    assert odd.job_id == 5001 and odd.status == "paused_for_review" and odd.model_extra["surprise"] == {"a": 1}
    assert Job.model_validate({"job_id": 1, "status": None}).status == "unknown"
    for status in JOB_TERMINAL:
        assert Job.model_validate({"job_id": 1, "status": status}).is_terminal


def test_failed_job_error_as_object_or_string():
    job = Job.model_validate({"job_id": 1, "status": "failed", "error": {"code": "render_failed", "message": "boom"}})
    assert job.error.code == "render_failed" and job.error.message == "boom"
    assert Job.model_validate({"job_id": 1, "error": "plain text"}).error.message == "plain text"


def test_job_without_id_is_rejected():
    with pytest.raises(ValidationError):
        Job.model_validate({"status": "running"})


def test_create_and_edit_replies():
    reply = CreateResponse.model_validate({"creation_id": 101, "status": "queued", "type": "slides_video",
                                           "job": {"job_id": 5001, "status": "queued", "progress_pct": 0,
                                                   "current_step": "Queued"}})
    assert reply.creation_id == 101 and reply.job.job_id == 5001 and reply.job.progress_pct == 0
    flat = CreateResponse.model_validate({"creation_id": "102", "job_id": 5002})
    assert flat.job.job_id == 5002
    with pytest.raises(ValidationError):
        CreateResponse.model_validate({"status": "queued"})
    edit = EditResponse.model_validate({"creation_id": 101, "job": {"job_id": 5003}})
    assert edit.job.status == "queued"


def test_creation_detail_scene_ids_become_strings_and_lists_default_empty():
    creation = Creation.model_validate({
        "creation_id": 101, "type": "slides_video", "status": "ready", "main_url": "https://x/101/main.mp4",
        "scenes": [{"scene_id": 1, "index": 1, "duration_seconds": "9.5"}, {"scene_id": "s2"}, {"title": "no id"}],
        "artifacts": [{"artifact_id": 7, "kind": "video", "size_bytes": 48211009}, None],
        "editable_actions": None, "brand_new": True})
    assert [s.scene_id for s in creation.scenes] == ["1", "s2"]
    assert creation.scenes[0].duration_seconds == 9.5
    assert creation.artifacts[0].artifact_id == "7" and len(creation.artifacts) == 1
    assert creation.editable_actions == [] and creation.model_extra["brand_new"] is True
    bare = Creation.model_validate({"creation_id": 1, "status": "rendering_later", "type": "hologram"})
    assert bare.artifacts == [] and bare.scenes == [] and bare.main_url is None and bare.status == "rendering_later"
    assert Scene.model_validate({"scene_id": 3}).scene_id == "3"
    assert "ready" in CREATION_STATUSES


def test_creation_page_envelopes():
    items = [{"creation_id": 101, "type": "slides_video", "status": "ready"}, {"creation_id": 102, "status": "new"}]
    page = CreationPage.model_validate({"items": items, "page": 1, "page_size": 20, "total": 137})
    assert [c.creation_id for c in page.items] == [101, 102] and page.total == 137 and page.has_next
    data = CreationPage.model_validate({"data": items, "page": 2, "page_size": 2, "total": 4})
    assert len(data.items) == 2 and not data.has_next
    bare = CreationPage.model_validate(items)
    assert bare.total == 2 and bare.page == 1 and not bare.has_next
    assert CreationPage.model_validate({"items": None}).items == []
    junk = CreationPage.model_validate({"items": [{"nope": 1}, items[0]], "total": "many"})
    assert len(junk.items) == 1 and junk.total is None


def test_health_tolerates_anything():
    assert Health.model_validate({"status": "ok", "version": "sim-1"}).status == "ok"
    assert Health.model_validate({}).status == "unknown"


def test_parse_time_never_raises():
    utc = UTC
    assert parse_time("2026-11-25T10:00:00Z") == datetime(2026, 11, 25, 10, 0, tzinfo=utc)
    assert parse_time("2026-11-25T10:00:00") == datetime(2026, 11, 25, 10, 0, tzinfo=utc)
    assert parse_time("2026-11-25T11:00:00+01:00") == datetime(2026, 11, 25, 10, 0, tzinfo=utc)
    assert parse_time(0) == datetime(1970, 1, 1, tzinfo=utc)
    assert parse_time("1764064800000") == parse_time(1764064800)
    for junk in (None, "", "yesterday", "9" * 40, float("nan"), [], {}, True):
        assert parse_time(junk) is None


def test_canonical_type():
    assert canonical_type("knowledge_video") == "explainer_video"
    assert canonical_type(" web_app ") == "interactive_lesson"
    assert canonical_type("storyboard") == "storyboard"

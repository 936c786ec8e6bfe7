"""Payload building and client-side checks, for each documented content type and one the client never heard of."""

from __future__ import annotations

import pytest

from kgp_tui.api.models import Catalog, Creation
from kgp_tui.api.payload import (
    ALIASES,
    build_create_payload,
    build_edit_payload,
    canonical_type,
    validate_create,
    validate_edit,
)

NARRATED = ["prompt", "instructions", "language", "aspect_ratio", "output_quality"]
CATALOG = Catalog.model_validate({
    "content_types": [
        {"type": "explainer_video", "fields": [*NARRATED, "duration_seconds", "voice_id", "style_id"],
         "required": ["prompt"], "aspect_ratios": ["16:9", "9:16", "1:1"], "output_qualities": ["1K", "2K"],
         "duration_seconds": {"min": 4, "max": 90, "default": 60}, "aliases": ["knowledge_video"]},
        {"type": "slides_video", "fields": [*NARRATED, "scene_count", "voice_id", "style_id"], "required": ["prompt"],
         "aspect_ratios": ["16:9", "9:16", "1:1"], "output_qualities": ["1K", "2K"],
         "scene_count": {"min": 1, "max": 20, "default": 6},
         "editable_actions": ["update_scene_narration", "regenerate_scene"]},
        {"type": "vector_animation", "fields": [*NARRATED, "duration_seconds", "voice_id", "style_id"],
         "aspect_ratios": [], "output_qualities": []},
        {"type": "slide_deck", "fields": ["prompt", "instructions", "language", "aspect_ratio", "scene_count",
                                          "style_id"], "scene_count": [5, 10, 15]},
        {"type": "image", "fields": ["prompt", "aspect_ratio", "output_quality", "style_id", "image_generation"],
         "aspect_ratios": ["16:9", "9:16", "3:2", "2:3", "1:1"], "output_qualities": ["1K", "2K", "4K"]},
        {"type": "interactive_lesson", "fields": ["prompt", "language", "instructions"], "aliases": ["web_app"]},
        {"type": "ai_video", "fields": ["prompt", "aspect_ratio", "video_generation"], "aspect_ratios": ["16:9", "9:16"],
         "editable_actions": ["iterate"]},
        {"type": "storyboard", "fields": ["prompt", "language", "scene_count", "mood"], "required": ["prompt", "mood"],
         "scene_count": {"min": 2, "max": 12}, "moods": ["calm", "tense"]},
    ],
    "languages": [{"code": "en", "name": "English"}, {"code": "zh", "name": "中文"}],
    "voices": [{"voice_id": "v_en_f1", "name": "Maple", "language": "en"},
               {"voice_id": "v_zh_f1", "name": "Lan", "language": "zh"}],
    "styles": [{"style_id": "st_chalk", "name": "Chalkboard", "types": ["slides_video", "explainer_video"]},
               {"style_id": "st_photo", "name": "Photoreal", "types": ["image"]}],
    "image_generation": {"models": [
        {"provider": "gemini", "model": "nano-banana-2", "qualities": []},
        {"provider": "azure_openai", "model": "gpt-image-1", "qualities": ["low", "medium", "high"],
         "sizes": ["1024x1024", "1536x1024"]}]},
    "video_generation": {"models": [
        {"model": "gemini-omni-flash", "tasks": ["text_to_video"], "resolutions": ["720p"],
         "duration_seconds": {"min": 3, "max": 10, "default": 8}, "native_audio": True}]},
})

# Every field a form could hold, with untrimmed text and form-style numbers.
EVERYTHING = {
    "type": "ignored", "prompt": "  Explain attention  ", "instructions": "  Keep it short ", "language": " en ",
    "aspect_ratio": "16:9", "output_quality": "2K", "scene_count": "6", "duration_seconds": 30.0,
    "voice_id": "v_en_f1", "style_id": "st_chalk", "mood": " calm ",
    "image_generation": {"provider": "gemini", "model": " nano-banana-2 ", "size": "", "quality": None},
    "video_generation": {"model": "gemini-omni-flash", "task": "text_to_video", "resolution": "720p",
                         "duration_seconds": "8", "native_audio": True},
}

EXPECTED = {
    "explainer_video": {"type": "explainer_video", "prompt": "Explain attention", "instructions": "Keep it short",
                        "language": "en", "aspect_ratio": "16:9", "output_quality": "2K", "duration_seconds": 30,
                        "voice_id": "v_en_f1", "style_id": "st_chalk"},
    "slides_video": {"type": "slides_video", "prompt": "Explain attention", "instructions": "Keep it short",
                     "language": "en", "aspect_ratio": "16:9", "output_quality": "2K", "scene_count": 6,
                     "voice_id": "v_en_f1", "style_id": "st_chalk"},
    "vector_animation": {"type": "vector_animation", "prompt": "Explain attention", "instructions": "Keep it short",
                         "language": "en", "aspect_ratio": "16:9", "output_quality": "2K", "duration_seconds": 30,
                         "voice_id": "v_en_f1", "style_id": "st_chalk"},
    "slide_deck": {"type": "slide_deck", "prompt": "Explain attention", "instructions": "Keep it short",
                   "language": "en", "aspect_ratio": "16:9", "scene_count": 6, "style_id": "st_chalk"},
    "image": {"type": "image", "prompt": "Explain attention", "aspect_ratio": "16:9", "output_quality": "2K",
              "style_id": "st_chalk", "image_generation": {"provider": "gemini", "model": "nano-banana-2"}},
    "interactive_lesson": {"type": "interactive_lesson", "prompt": "Explain attention", "language": "en",
                           "instructions": "Keep it short"},
    "ai_video": {"type": "ai_video", "prompt": "Explain attention", "aspect_ratio": "16:9",
                 "video_generation": {"model": "gemini-omni-flash", "task": "text_to_video", "resolution": "720p",
                                      "duration_seconds": 8, "native_audio": True}},
    "storyboard": {"type": "storyboard", "prompt": "Explain attention", "language": "en", "scene_count": 6,
                   "mood": "calm"},
}


@pytest.mark.parametrize("type_name", list(EXPECTED))
def test_payload_has_only_the_type_fields_trimmed_and_typed(type_name):
    ct = CATALOG.get_type(type_name)
    assert build_create_payload(ct, EVERYTHING) == EXPECTED[type_name]


@pytest.mark.parametrize("type_name", list(EXPECTED))
def test_unset_fields_are_omitted(type_name):
    ct = CATALOG.get_type(type_name)
    blank = {"prompt": "p", "instructions": "   ", "language": None, "scene_count": "",
             "image_generation": {"provider": " ", "model": None}, "video_generation": {}}
    assert build_create_payload(ct, blank) == {"type": ct.type, "prompt": "p"}


def test_quickstart_example_payload():
    ct = CATALOG.get_type("slides_video")
    values = {"prompt": "Explain how transformer attention works in 6 pages", "language": "en",
              "aspect_ratio": "16:9", "scene_count": 6}
    assert build_create_payload(ct, values) == {"type": "slides_video", **values}
    assert validate_create(ct, values, CATALOG) == {}


def test_alias_maps_to_canonical_type():
    assert ALIASES == {"knowledge_video": "explainer_video", "web_app": "interactive_lesson"}
    assert canonical_type("knowledge_video") == "explainer_video"
    assert build_create_payload(CATALOG.get_type("web_app"), {"prompt": "x"})["type"] == "interactive_lesson"
    from kgp_tui.api.models import ContentType

    alias_entry = ContentType.model_validate({"type": "knowledge_video", "fields": ["prompt"]})
    assert build_create_payload(alias_entry, {"prompt": "x"}) == {"type": "explainer_video", "prompt": "x"}


def check(type_name, **values):
    return validate_create(CATALOG.get_type(type_name), {"prompt": "ok", **values}, CATALOG)


@pytest.mark.parametrize("type_name", list(EXPECTED))
def test_valid_values_pass(type_name):
    values = dict(EVERYTHING, scene_count=10 if type_name == "slide_deck" else 6)
    if type_name == "image":
        values["style_id"] = "st_photo"
    if type_name in ("vector_animation", "slide_deck"):
        values["style_id"] = None  # no style in this catalog lists those types
    assert validate_create(CATALOG.get_type(type_name), values, CATALOG) == {}


def test_required_fields_after_trim():
    assert check("slides_video", prompt="   ") == {"prompt": "This field is required."}
    assert check("slides_video", prompt=None) == {"prompt": "This field is required."}
    assert check("storyboard") == {"mood": "This field is required."}


def test_text_lengths():
    assert check("slides_video", prompt="x" * 10_000) == {}
    assert check("slides_video", prompt="x" * 10_001)["prompt"].startswith("At most 10,000 characters")
    assert "instructions" in check("slides_video", instructions="y" * 10_001)
    assert check("image", instructions="y" * 10_001) == {}  # not a field of image: not sent, not checked


def test_choice_fields_use_the_type_lists_or_the_contract_sets():
    assert "aspect_ratio" in check("slides_video", aspect_ratio="3:2")
    assert check("vector_animation", aspect_ratio="3:2") == {}  # type lists none: the contract's set applies
    assert "aspect_ratio" in check("vector_animation", aspect_ratio="21:9")
    assert "output_quality" in check("slides_video", output_quality="4K")
    assert check("vector_animation", output_quality="4K") == {}
    assert "output_quality" in check("vector_animation", output_quality="8K")


def test_language_voice_and_style():
    assert "language" in check("slides_video", language="xx")
    assert check("slides_video", language="zh", voice_id="v_zh_f1") == {}
    assert "speaks zh" in check("slides_video", language="en", voice_id="v_zh_f1")["voice_id"]
    assert "voice_id" in check("slides_video", voice_id="v_nope")
    assert "style_id" in check("slides_video", style_id="st_photo")
    assert "style_id" in check("slides_video", style_id="st_nope")
    assert check("slides_video", style_id="st_chalk") == {}
    assert check("knowledge_video", style_id="st_chalk") == {}
    empty = Catalog.model_validate({"content_types": [{"type": "slides_video", "fields": [*NARRATED, "voice_id"]}]})
    assert validate_create(empty.get_type("slides_video"), {"prompt": "p", "language": "xx", "voice_id": "v"}, empty) == {}


def test_numbers_inside_their_limits():
    assert check("slides_video", scene_count=20) == {}
    assert check("slides_video", scene_count="21") == {"scene_count": "Must be 1–20 (default 6)."}
    assert check("slides_video", scene_count="six") == {"scene_count": "Enter a whole number."}
    assert check("slides_video", scene_count=2.5) == {"scene_count": "Enter a whole number."}
    assert check("slides_video", scene_count=True) == {"scene_count": "Enter a whole number."}
    assert check("slide_deck", scene_count=10) == {}
    assert check("slide_deck", scene_count=7) == {"scene_count": "Must be one of 5, 10, 15."}
    assert check("explainer_video", duration_seconds=3)["duration_seconds"] == "Must be 4–90 (default 60)."
    assert check("vector_animation", duration_seconds=91) == {"duration_seconds": "Must be 4–90."}  # contract range
    assert check("storyboard", mood="calm", scene_count=1) == {"scene_count": "Must be 2–12."}
    assert check("storyboard", mood="angry") == {"mood": "Choose one of calm, tense."}
    assert check("storyboard", mood=" tense ") == {}


def test_image_generation_rules():
    ok = {"provider": "azure_openai", "model": "gpt-image-1", "quality": "high", "size": "1024x1024"}
    assert check("image", image_generation=ok) == {}
    errors = check("image", image_generation={"provider": "dalle", "quality": "ultra"})
    assert set(errors) == {"image_generation.provider", "image_generation.quality"}
    assert "image_generation.model" in check("image", image_generation={"model": "nope"})
    assert "image_generation.provider" in check("image", image_generation={"provider": "azure_openai",
                                                                           "model": "nano-banana-2"})
    assert "image_generation.size" in check("image", image_generation={"model": "gpt-image-1", "size": "9x9"})
    assert check("image", image_generation="big") == {"image_generation": "Expected image settings."}
    # an explicitly empty `qualities` (the catalog's nano-banana-2) means the model takes no quality at all
    no_quality = check("image", image_generation={"provider": "gemini", "model": "nano-banana-2", "quality": "high"})
    assert no_quality == {"image_generation.quality": "nano-banana-2 has no quality setting."}


def test_video_generation_rules():
    assert check("ai_video", video_generation=EVERYTHING["video_generation"]) == {}
    bad = {"model": "gemini-omni-flash", "task": "image_to_video", "resolution": "1080p", "duration_seconds": 11,
           "native_audio": "yes"}
    assert set(check("ai_video", video_generation=bad)) == {
        "video_generation.task", "video_generation.resolution", "video_generation.duration_seconds",
        "video_generation.native_audio"}
    assert check("ai_video", video_generation={"duration_seconds": 2}) == {
        "video_generation.duration_seconds": "Must be 3–10."}
    assert "video_generation.model" in check("ai_video", video_generation={"model": "veo-9"})
    no_models = Catalog.model_validate({"content_types": [{"type": "ai_video", "fields": ["prompt", "video_generation"]}]})
    assert validate_create(no_models.get_type("ai_video"),
                           {"prompt": "p", "video_generation": {"model": "veo-9", "resolution": "4K"}}, no_models) == {}


def test_edit_payloads():
    assert build_edit_payload("update_scene_narration", scene_id=3, narration_text="  New words ") == {
        "action": "update_scene_narration", "scene_id": "3", "narration_text": "New words"}
    assert build_edit_payload(" regenerate_scene ", scene_id="s1", prompt="  ") == {
        "action": "regenerate_scene", "scene_id": "s1"}
    assert build_edit_payload("iterate", prompt="more rain", voice_id="") == {"action": "iterate", "prompt": "more rain"}
    # only what the action takes is sent: a voice means nothing to regenerate_scene, a scene nothing to iterate
    assert build_edit_payload(" regenerate_scene ", scene_id="s1", voice_id="v_en_f1", narration_text="x") == {
        "action": "regenerate_scene", "scene_id": "s1"}
    assert build_edit_payload("iterate", scene_id="s1", prompt="again") == {"action": "iterate", "prompt": "again"}


def test_validate_edit():
    creation = Creation.model_validate({"creation_id": 1, "editable_actions": ["update_scene_narration",
                                                                               "regenerate_scene"],
                                        "scenes": [{"scene_id": "s1"}, {"scene_id": "s2"}]})
    assert validate_edit("update_scene_narration", creation, {"scene_id": "s1", "narration_text": "hi"}) == {}
    assert validate_edit("update_scene_narration", creation, {"scene_id": "s1"}) == {
        "narration_text": "This field is required."}
    assert validate_edit("regenerate_scene", creation, {"scene_id": "s9"}) == {"scene_id": "This creation has no such scene."}
    assert validate_edit("regenerate_scene", creation, {}) == {"scene_id": "This field is required."}
    assert "action" in validate_edit("iterate", creation, {"prompt": "x"})
    assert validate_edit("", creation, {}) == {"action": "This field is required."}
    video = Creation.model_validate({"creation_id": 2, "type": "ai_video", "editable_actions": ["iterate"]})
    assert validate_edit("iterate", video, {"prompt": "again"}) == {}
    assert validate_edit("iterate", video, {"prompt": " "}) == {"prompt": "This field is required."}
    assert validate_edit("iterate", video, {"prompt": "z" * 10_001})["prompt"].startswith("At most")
    # iterate is documented for ai_video only, even if another type's editable_actions listed it
    deck = Creation.model_validate({"creation_id": 3, "type": "slide_deck", "editable_actions": ["iterate"]})
    assert "ai_video" in validate_edit("iterate", deck, {"prompt": "again"})["action"]

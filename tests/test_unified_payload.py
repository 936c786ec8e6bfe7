"""The body of unified POST /creations and the checks before it: one product object, only its settings."""

from __future__ import annotations

import copy

import pytest

from kgp_tui.api.domain import FileLimits
from kgp_tui.api.unified_offer import offer_from_capabilities
from kgp_tui.api.unified_payload import build_unified_body, validate_unified

CAPS = {
    "languages": [{"code": "en"}, {"code": "zh"}],
    "products": [
        {"type": "video", "accepts_files": True, "settings": {
            "duration_seconds": {"presets": [120, 240], "default": 240},
            "aspect_ratio": {"values": ["16:9"], "default": "16:9"}, "language": {"default": "en"},
            "voices": [{"voice_id": "v_en", "language": "en"}, {"voice_id": "v_zh", "language": "zh"}],
            "templates": [{"template_id": "tpl_clean"}]}},
        {"type": "image", "accepts_files": False, "settings": {"bundles": [
            {"provider": "gemini", "model": "nano-banana-2", "aspect_ratios": ["16:9", "1:1"],
             "output_qualities": ["1K", "4K"], "qualities": []},
            {"provider": "azure_openai", "model": "gpt-image-2", "aspect_ratios": ["3:2"], "output_qualities": ["1K"],
             "qualities": ["low", "high"]}], "styles": [{"style_id": "st_flat"}]}},
        {"type": "podcast", "settings": {"minutes": {"min": 5, "max": 60}}},
    ],
}
OFFER = offer_from_capabilities(copy.deepcopy(CAPS))
VIDEO, IMAGE, PODCAST = OFFER.products


def test_kpainters_own_test_body_exactly():
    values = {"prompt": "Explain attention", "duration_seconds": "120", "aspect_ratio": "16:9"}
    assert build_unified_body(VIDEO, values) == {
        "type": "video", "prompt": "Explain attention", "video": {"duration_seconds": 120, "aspect_ratio": "16:9"}}


def test_unset_fields_are_omitted_strings_trimmed_files_and_budget_at_the_top():
    values = {"prompt": "  Explain  ", "instructions": "   ", "language": " en ", "voice_id": "", "template_id": None,
              "duration_seconds": 240}
    body = build_unified_body(VIDEO, values, [" file_1 ", "", "file_2"], max_credits=30)
    assert body == {"type": "video", "prompt": "Explain", "input_file_ids": ["file_1", "file_2"], "max_credits": 30,
                    "video": {"duration_seconds": 240, "language": "en"}}


def test_an_image_bundle_is_sent_as_provider_and_model_and_native_quality_never_to_gemini():
    gemini = {"prompt": "A cat", "bundle": "gemini:nano-banana-2", "aspect_ratio": "1:1", "quality": "high"}
    assert build_unified_body(IMAGE, gemini) == {"type": "image", "prompt": "A cat", "image": {
        "provider": "gemini", "model": "nano-banana-2", "aspect_ratio": "1:1"}}
    gpt = {**gemini, "bundle": "azure_openai:gpt-image-2", "aspect_ratio": "3:2", "style_id": "st_flat"}
    assert build_unified_body(IMAGE, gpt)["image"] == {
        "provider": "azure_openai", "model": "gpt-image-2", "aspect_ratio": "3:2", "quality": "high",
        "style_id": "st_flat"}


def test_values_of_settings_the_product_does_not_list_are_not_sent():
    body = build_unified_body(PODCAST, {"prompt": "Hi", "minutes": "20", "duration_seconds": 120, "voice_id": "v"})
    assert body == {"type": "podcast", "prompt": "Hi", "podcast": {"minutes": 20}}


def test_values_that_look_sendable_pass():
    assert validate_unified(VIDEO, {"prompt": "x", **VIDEO.defaults(), "voice_id": "v_en"}) == {}
    assert validate_unified(IMAGE, {"prompt": "x", **IMAGE.defaults(), "aspect_ratio": "16:9"}) == {}


@pytest.mark.parametrize(("product", "values", "field", "words"), [
    (VIDEO, {"prompt": "  "}, "prompt", "required"),
    (VIDEO, {"prompt": "x", "duration_seconds": "100"}, "duration_seconds", "120, 240"),
    (VIDEO, {"prompt": "x", "duration_seconds": "2.5"}, "duration_seconds", "whole number"),
    (VIDEO, {"prompt": "x", "aspect_ratio": "9:16"}, "aspect_ratio", "16:9"),
    (VIDEO, {"prompt": "x", "language": "zh", "voice_id": "v_en"}, "voice_id", "language"),
    (VIDEO, {"prompt": "x", "voice_id": "v_nope"}, "voice_id", "Choose one of"),
    (VIDEO, {"prompt": "x" * 10_001}, "prompt", "10,000"),
    (IMAGE, {"prompt": "x", "bundle": "gemini:nano-banana-2", "aspect_ratio": "3:2"}, "aspect_ratio", "16:9, 1:1"),
    (IMAGE, {"prompt": "x", "bundle": "azure_openai:gpt-image-2", "quality": "ultra"}, "quality", "low, high"),
    (IMAGE, {"prompt": "x", "bundle": "openai:dall-e"}, "bundle", "Choose one of"),
    (PODCAST, {"prompt": "x", "minutes": "61"}, "minutes", "5–60"),
])
def test_what_the_server_would_refuse_is_said_next_to_its_field(product, values, field, words):
    errors = validate_unified(product, values)
    assert field in errors and words in errors[field], errors


def test_budget_and_files_are_checked():
    assert validate_unified(VIDEO, {"prompt": "x"}, max_credits=0)["max_credits"].startswith("Enter a whole number")
    assert "max_credits" in validate_unified(VIDEO, {"prompt": "x"}, max_credits="lots")
    assert validate_unified(VIDEO, {"prompt": "x"}, max_credits="25") == {}
    assert "takes no files" in validate_unified(IMAGE, {"prompt": "x"}, ["file_1"])["input_file_ids"]
    limits = FileLimits(max_files=1)
    assert "At most 1 file " in validate_unified(VIDEO, {"prompt": "x"}, ["f1", "f2"], files=limits)["input_file_ids"]

"""The chosen image model's rules, as the form offers them and as validation checks them (the CLI reuses both)."""

from __future__ import annotations

from kgp_tui.api.models import Catalog
from kgp_tui.api.payload import allowed_choices, validate_create

CATALOG = Catalog.model_validate({
    "content_types": [{"type": "image", "fields": ["prompt", "aspect_ratio", "output_quality", "image_generation"],
                       "aspect_ratios": ["16:9", "9:16", "3:2", "2:3", "1:1"],
                       "output_qualities": ["1K", "2K", "4K"]}],
    "image_generation": {"models": [
        {"provider": "gemini", "model": "nano-banana-2", "aspect_ratios": ["16:9", "9:16", "3:2", "2:3", "1:1"],
         "output_qualities": ["1K", "2K", "4K"], "qualities": []},
        {"provider": "azure_openai", "model": "gpt-image-1", "display_name": "GPT Image 1",
         "aspect_ratios": ["1:1", "3:2", "2:3"], "output_qualities": ["1K"], "qualities": ["low", "medium", "high"]},
        {"provider": "gemini", "model": "unlisted"},  # says nothing about qualities: it takes none
    ]},
})
IMAGE = CATALOG.get_type("image")
GPT = {"provider": "azure_openai", "model": "gpt-image-1"}
NANO = {"provider": "gemini", "model": "nano-banana-2"}


def check(**values):
    return validate_create(IMAGE, {"prompt": "A fox", **values}, CATALOG)


def test_the_chosen_model_narrows_the_choices():
    assert allowed_choices(IMAGE, CATALOG, {"image_generation": GPT}) == {
        "aspect_ratio": ["3:2", "2:3", "1:1"],  # the type's order, the model's values
        "output_quality": ["1K"],
        "image_generation.quality": ["low", "medium", "high"],
    }
    assert allowed_choices(IMAGE, CATALOG, {"image_generation": NANO})["image_generation.quality"] == []
    unchosen = allowed_choices(IMAGE, CATALOG, {})
    assert unchosen["aspect_ratio"] == ["16:9", "9:16", "3:2", "2:3", "1:1"]
    assert unchosen["image_generation.quality"] == []


def test_validation_applies_the_models_rules():
    assert check(image_generation={**GPT, "quality": "high"}, aspect_ratio="1:1", output_quality="1K") == {}
    errors = check(image_generation=GPT, aspect_ratio="16:9", output_quality="4K")
    assert errors == {"aspect_ratio": "GPT Image 1 takes 3:2, 2:3, 1:1.", "output_quality": "GPT Image 1 takes 1K."}
    assert check(image_generation={**NANO, "quality": "high"}) == {
        "image_generation.quality": "nano-banana-2 has no quality setting."}
    assert check(image_generation={"model": "unlisted", "quality": "low"}) == {
        "image_generation.quality": "unlisted has no quality setting."}
    assert check(aspect_ratio="7:5") == {"aspect_ratio": "Choose one of 16:9, 9:16, 3:2, 2:3, 1:1."}
    assert check(image_generation=NANO, aspect_ratio="16:9", output_quality="4K") == {}

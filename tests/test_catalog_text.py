"""The catalog's detail text (pure functions of the offer): what it says when there is nothing to list."""

from __future__ import annotations

import copy

from kgp_tui.api.unified_offer import offer_from_capabilities
from kgp_tui.screens.catalog import describe_resources

OFFER = {"languages": ["en", "zh"], "products": [
    {"type": "image", "settings": {"bundles": [{"provider": "gemini", "model": "nano-banana-2",
                                                 "aspect_ratios": ["1:1"], "output_qualities": ["1K"]}]}},
    {"type": "video", "settings": {"language": {"default": "en"}, "voices": [{"voice_id": "v_en", "language": "en"}]}},
]}


def voices_line(language, product):
    offer = offer_from_capabilities(copy.deepcopy(OFFER))
    text = describe_resources(offer, offer.product(product) if product else None, language).plain
    return next(line for line in text.splitlines() if line.startswith("Voices"))


def test_a_type_without_voices_says_so_rather_than_blaming_the_language():
    assert voices_line(None, "image").split(None, 1)[1] == "none for this type"
    assert voices_line("zh", "image").split(None, 1)[1] == "none in this language"


def test_the_voices_of_the_chosen_language_are_listed_and_another_language_has_none():
    assert voices_line(None, "video").split(None, 1)[1] == "v_en [en]"
    assert voices_line("en", "video").split(None, 1)[1] == "v_en [en]"
    assert voices_line(None, None).split(None, 1)[1] == "v_en [en]"  # every type's voices, before one is picked
    assert voices_line("zh", "video").split(None, 1)[1] == "none in this language"

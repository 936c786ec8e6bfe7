"""The domain core's own rules: runs by surface, forms that follow a bundle or a language, file limits, intents."""

from __future__ import annotations

import copy

import pytest

from kgp_tui.api import domain as d
from kgp_tui.api.errors import Conflict
from kgp_tui.api.unified_offer import offer_from_capabilities

IMAGE = {"products": [{"type": "image", "settings": {"bundles": [
    {"provider": "gemini", "model": "nano-banana-2", "aspect_ratios": ["16:9", "1:1"],
     "output_qualities": ["1K", "4K"], "qualities": []},
    {"provider": "azure_openai", "model": "gpt-image-2", "aspect_ratios": ["3:2", "1:1"], "output_qualities": ["1K"],
     "qualities": ["low", "high"]}]}}]}
VIDEO = {"languages": ["en", "zh"], "products": [{"type": "video", "settings": {
    "language": {"default": "en"},
    "voices": [{"voice_id": "v_en", "language": "en"}, {"voice_id": "v_zh", "language": "zh-CN"},
               {"voice_id": "v_any"}]}}]}


def image():
    return offer_from_capabilities(copy.deepcopy(IMAGE)).product("image")


@pytest.mark.parametrize(("surface", "status", "terminal", "needs_user"), [
    ("v1", "succeeded", True, False), ("v1", "failed", True, False), ("v1", "cancelled", True, False),
    ("v1", "running", False, False), ("v1", "ready", False, False), ("v1", "paused", False, False),
    ("unified", "ready", True, False), ("unified", "failed", True, False), ("unified", "paused", False, True),
    ("unified", "planning", False, False), ("unified", "succeeded", False, False),
    ("unified", "waiting_for_gpu", False, False),
])
def test_a_run_ends_or_waits_for_the_user_by_its_surfaces_rules(surface, status, terminal, needs_user):
    run = d.Run(surface, "1", "1", status=status)
    assert (run.is_terminal, run.needs_user, run.stops_polling) == (terminal, needs_user, terminal or needs_user)


def test_ratios_and_qualities_follow_the_chosen_bundle():
    product = image()
    gemini = {"bundle": "gemini:nano-banana-2"}
    gpt = {"bundle": "azure_openai:gpt-image-2"}
    assert [c.value for c in product.choices_for("aspect_ratio", gemini)] == ["16:9", "1:1"]
    assert [c.value for c in product.choices_for("aspect_ratio", gpt)] == ["3:2", "1:1"]
    assert [c.value for c in product.choices_for("output_quality", gpt)] == ["1K"]
    # Native quality only where the bundle lists it: never for Gemini.
    assert not product.applies("quality", gemini) and product.applies("quality", gpt)
    assert [c.value for c in product.choices_for("quality", gpt)] == ["low", "high"]
    # No bundle chosen yet: the default bundle (the first) decides.
    assert not product.applies("quality", {})
    assert product.defaults() == {"bundle": "gemini:nano-banana-2"}
    assert [s.name for s in product.visible(gemini)] == ["prompt", "instructions", "bundle", "aspect_ratio",
                                                         "output_quality"]
    assert [s.name for s in product.visible(gpt)][-1] == "quality"


def test_voices_follow_the_chosen_language():
    video = offer_from_capabilities(copy.deepcopy(VIDEO)).product("video")
    assert [c.value for c in video.choices_for("voice_id", {"language": "zh"})] == ["v_zh", "v_any"]
    assert [c.value for c in video.choices_for("voice_id", {})] == ["v_en", "v_any"]  # the default language
    assert [c.value for c in video.choices_for("voice_id", {"language": "  "})] == ["v_en", "v_any"]


def test_file_limits_say_why_a_file_would_be_refused():
    limits = d.FileLimits(max_bytes=1024, max_files=2, mime_types=("application/pdf", "text/plain"))
    assert limits.problem("a.pdf", 1024, "application/pdf") is None
    assert limits.problem("a.pdf", 1025, "application/pdf") == "a.pdf is 1.0 KB; the server takes at most 1.0 KB."
    assert "image/gif" in limits.problem("a.gif", 10, "image/gif")
    assert "unknown type" in limits.problem("a", 10, None)
    assert d.FileLimits().problem("x.bin", 10**12, None) is None  # the server lists no limits


def test_an_action_intent_makes_its_key_once_and_only_for_an_offered_action():
    run = d.Run("unified", "cr_1", "cr_1", status="paused", available_actions=("approve_overage", "retry"))
    intent = d.ActionIntent.new(run, "approve_overage")
    assert intent.creation_id == "cr_1" and intent.costs_money and len(intent.idempotency_key) >= 8
    assert intent.idempotency_key == intent.idempotency_key  # a retry sends the same intent, so the same key
    again = d.ActionIntent.new(run, "approve_overage")
    assert again.idempotency_key != intent.idempotency_key  # a new decision is a new intent
    assert not d.ActionIntent.new(run, "retry").costs_money
    with pytest.raises(Conflict, match="does not offer resume_after_recharge"):
        d.ActionIntent.new(run, "resume_after_recharge")


def _made(ident, created_at, prompt=None):
    return d.Creation("unified", ident, type="video", prompt=prompt, created_at=created_at)


def test_after_an_ambiguous_create_the_newest_unknown_creation_since_the_submit_is_found():
    since = 1_764_583_200.0  # 2025-12-01T10:00:00Z
    items = [_made("old", "2025-12-01T09:00:00Z"), _made("known", "2025-12-01T10:00:05Z"),
             _made("a", "2025-12-01T10:00:01Z"), _made("b", "2025-12-01T10:00:03Z"), _made("no_time", None)]
    assert d.pick_submitted(items, since=since, known=["known"]).id == "b"
    prompted = [*items, _made("p", "2025-12-01T10:00:02Z", prompt="Explain attention")]
    assert d.pick_submitted(prompted, since=since, known=["known"], prompt=" Explain attention ").id == "p"
    assert d.pick_submitted(items[:2], since=since, known=["known"]) is None


def test_filter_locally_for_a_surface_without_status_or_search_filters():
    rows = [d.Creation("unified", "1", title="Cats in space", status="ready"),
            d.Creation("unified", "2", title="Dogs", status="failed"),
            d.Creation("unified", "3", prompt="space dogs", status="ready")]
    assert [c.id for c in d.filter_locally(rows, status="ready")] == ["1", "3"]
    assert [c.id for c in d.filter_locally(rows, query="SPACE")] == ["1", "3"]
    assert [c.id for c in d.filter_locally(rows, status="ready", query="dogs space")] == ["3"]


def test_next_steps_by_surface():
    v1 = d.Creation("v1", "101", status="ready", edit_actions=("regenerate_scene",))
    assert [(s.kind, s.name) for s in v1.next_steps()] == [("edit", "regenerate_scene")]
    assert d.Creation("v1", "101", status="processing", edit_actions=("regenerate_scene",)).next_steps() == ()
    image = d.Creation("unified", "cr", type="image", status="ready")
    assert image.next_steps() == ()  # messages are for videos only


def test_page_has_next():
    items = tuple(d.Creation("v1", str(i)) for i in range(20))
    assert d.CreationPage(items, 1, 20, 45).has_next and not d.CreationPage(items, 3, 20, 45).has_next
    assert d.CreationPage(items, 1, 20, None).has_next and not d.CreationPage(items[:5], 1, 20, None).has_next


def test_a_setting_describes_its_limit():
    assert d.Setting("d", "integer", "D", presets=(120, 240), default=240).describe() == "one of 120, 240 (default 240)"
    assert d.Setting("s", "integer", "S", minimum=1, maximum=20, default=6).describe() == "1–20 (default 6)"
    assert d.Setting("t", "text", "T").describe() == ""


def test_an_intent_with_a_short_key_is_refused_before_anything_is_sent():
    with pytest.raises(ValueError, match="at least 8"):
        d.ActionIntent("cr_1", "retry", "short")

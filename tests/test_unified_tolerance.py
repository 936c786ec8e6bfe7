"""Unified wire → domain, for every variant kgp-api-unified.md names: pure mapping functions, dicts in, domain out."""

from __future__ import annotations

import copy

import pytest

from kgp_tui.api import domain as d
from kgp_tui.api.errors import (
    AuthError,
    Conflict,
    FileTooLarge,
    MalformedResponse,
    UnsupportedFileType,
    ValidationFailed,
    error_from_response,
)
from kgp_tui.api.unified_models import (
    creation_from_unified,
    file_from_unified,
    message_reply_from_unified,
    outputs_from_unified,
    page_from_unified,
    run_from_unified,
)
from kgp_tui.api.unified_offer import account_from_unified, offer_from_capabilities

# The contract's own example of GET /capabilities (kgp-api-unified.md §3).
CAPABILITIES = {
    "account": {"display_name": "Ada", "key_prefix": "kgp_live_3f9a", "can_create": True,
                "credits": {"balance": 1200}, "max_concurrent_creations": 3},
    "files": {"max_bytes": 52428800, "max_files": 5,
              "mime_types": ["application/pdf", "text/plain", "text/markdown", "image/png", "image/jpeg"]},
    "languages": [{"code": "en", "name": "English"}, {"code": "zh", "name": "中文"}],
    "products": [
        {"type": "video", "display_name": "Explainer Video", "accepts_files": True, "url_context": True,
         "settings": {
             "duration_seconds": {"presets": [120, 240, 360, 510, 900, 1500], "default": 240},
             "aspect_ratio": {"values": ["16:9"], "default": "16:9"},
             "language": {"default": "en"},
             "voices": [{"voice_id": "v_en_f1", "name": "Maple", "language": "en", "gender": "female"},
                        {"voice_id": "v_zh_m1", "name": "Lin", "language": "zh", "gender": "male"}],
             "templates": [{"template_id": "tpl_clean", "name": "Clean"}],
             "expression_styles": [{"expression_style_id": "ex_warm", "name": "Warm"}]}},
        {"type": "image", "display_name": "AI Image", "accepts_files": True, "url_context": False,
         "settings": {
             "bundles": [
                 {"provider": "gemini", "model": "nano-banana-2", "display_name": "Nano Banana 2",
                  "aspect_ratios": ["16:9", "9:16", "1:1"], "output_qualities": ["1K", "2K", "4K"], "qualities": []},
                 {"provider": "azure_openai", "model": "gpt-image-2", "display_name": "GPT Image 2",
                  "aspect_ratios": ["3:2", "2:3", "1:1"], "output_qualities": ["1K", "2K"],
                  "qualities": ["low", "medium", "high"]}],
             "styles": [{"style_id": "st_flat", "name": "Flat"}]}},
        {"type": "app", "display_name": "AI App", "accepts_files": True, "url_context": False,
         "settings": {"language": {"default": "en"}}},
    ],
}
CREATION = {"creation_id": "cr_8f2k1", "type": "video", "title": "How attention works", "prompt": "...",
            "status": "generating", "progress_pct": 45, "current_step": "Rendering scene 3 of 8",
            "estimated_remaining_seconds": 95, "estimated_credits": 24, "actual_credits": None,
            "has_usable_delivery": False, "review": None, "result_code": None, "available_actions": [],
            "pause": None, "messages": [], "created_at": "2026-12-01T10:00:00Z",
            "updated_at": "2026-12-01T10:01:10Z"}


def caps(**changes):
    doc = copy.deepcopy(CAPABILITIES)
    doc.update(changes)
    return doc


def names(product):
    return [s.name for s in product.settings]


def test_the_contract_example_becomes_three_products_with_only_their_own_settings():
    offer = offer_from_capabilities(CAPABILITIES)
    assert offer.surface == "unified" and offer.takes_budget
    assert [p.type for p in offer.products] == ["video", "image", "app"]
    video, image, app = offer.products
    assert video.label == "Explainer Video" and video.accepts_files and video.url_context
    assert names(video) == ["prompt", "instructions", "duration_seconds", "aspect_ratio", "language", "voice_id",
                            "template_id", "expression_style_id"]
    duration = video.setting("duration_seconds")
    assert duration.kind == "integer" and duration.presets == (120, 240, 360, 510, 900, 1500)
    assert duration.default == 240
    assert [c.value for c in video.setting("aspect_ratio").choices] == ["16:9"]
    language = video.setting("language")
    assert language.default == "en" and [(c.value, c.label) for c in language.choices] == [("en", "English"),
                                                                                           ("zh", "中文")]
    assert [(c.value, c.label) for c in video.setting("template_id").choices] == [("tpl_clean", "Clean")]
    assert [c.value for c in video.setting("expression_style_id").choices] == ["ex_warm"]
    assert names(image) == ["prompt", "instructions", "bundle", "aspect_ratio", "output_quality", "quality",
                            "style_id"]
    assert [b.key for b in image.bundles] == ["gemini:nano-banana-2", "azure_openai:gpt-image-2"]
    assert image.setting("bundle").default == "gemini:nano-banana-2"
    assert names(app) == ["prompt", "instructions", "language"]
    assert offer.files == d.FileLimits(52428800, 5, ("application/pdf", "text/plain", "text/markdown", "image/png",
                                                     "image/jpeg"))
    assert offer.languages == (d.Language("en", "English"), d.Language("zh", "中文"))


def test_products_as_an_object_keyed_by_type():
    keyed = {p["type"]: {k: v for k, v in p.items() if k != "type"} for p in CAPABILITIES["products"]}
    offer = offer_from_capabilities(caps(products=keyed))
    assert [p.type for p in offer.products] == ["video", "image", "app"]
    assert offer.product("video").setting("duration_seconds").presets[0] == 120


@pytest.mark.parametrize(("spec", "kind", "expected"), [
    ({"presets": [4, 8, 16], "default": 8}, "integer", {"presets": (4, 8, 16), "default": 8}),
    ({"min": 4, "max": 90, "default": 30}, "integer", {"minimum": 4, "maximum": 90, "default": 30}),
    ({"minimum": "0.5", "maximum": 2}, "number", {"minimum": 0.5, "maximum": 2}),
    ({"max": 1, "min": 9}, "integer", {"minimum": 1, "maximum": 9}),
    ([30, 60, 90], "integer", {"presets": (30, 60, 90)}),
    (["fast", "careful"], "choice", {}),
    ({"options": ["a", "b"], "default": "b"}, "choice", {"default": "b"}),
    ({"default": True}, "boolean", {"default": True}),
    ({}, "text", {}),
    ({"default": 12, "note": "extra"}, "integer", {"default": 12}),
])
def test_a_setting_as_presets_a_range_a_plain_list_or_a_bare_value(spec, kind, expected):
    product = {"type": "video", "settings": {"pace": spec}}
    setting = offer_from_capabilities(caps(products=[product])).product("video").setting("pace")
    assert setting.kind == kind
    for name, value in expected.items():
        assert getattr(setting, name) == value


def test_a_setting_that_is_missing_is_not_in_the_form_and_settings_may_be_missing_altogether():
    offer = offer_from_capabilities(caps(products=[{"type": "app"}, {"type": "video", "settings": None}]))
    assert names(offer.product("app")) == ["prompt", "instructions"]
    assert names(offer.product("video"))[:2] == ["prompt", "instructions"]
    assert offer.product("app").setting("duration_seconds") is None


def test_voices_templates_and_styles_at_the_product_level():
    product = {"type": "video", "settings": {"language": {"default": "en"}},
               "voices": [{"voice_id": "v1", "name": "One", "language": "en"}],
               "templates": [{"template_id": "t1", "name": "T"}]}
    video = offer_from_capabilities(caps(products=[product])).product("video")
    assert [c.value for c in video.setting("voice_id").choices] == ["v1"]
    assert [c.value for c in video.setting("template_id").choices] == ["t1"]
    assert video.voices == (d.Voice("v1", "One", "en"),)


def test_top_level_lists_go_to_the_product_that_names_them_or_else_to_the_contracts_home_type():
    products = [{"type": "video", "settings": {}}, {"type": "image", "settings": {}}, {"type": "app"}]
    top = {"voices": [{"voice_id": "v1"}], "templates": [{"template_id": "t1"}],
           "expression_styles": [{"expression_style_id": "e1"}], "styles": [{"style_id": "s1"}]}
    offer = offer_from_capabilities(caps(products=products, **top))
    assert names(offer.product("video"))[2:] == ["voice_id", "template_id", "expression_style_id"]
    assert names(offer.product("image"))[2:] == ["style_id"]
    assert names(offer.product("app")) == ["prompt", "instructions"]
    # Once a product names a list, only the products that name it get it.
    named = [{"type": "app", "settings": {"voice_id": {}}}, {"type": "video", "settings": {}}]
    offer = offer_from_capabilities(caps(products=named, voices=[{"voice_id": "v1"}]))
    assert offer.product("app").setting("voice_id") is not None
    assert offer.product("video").setting("voice_id") is None


def test_a_product_type_never_seen_gets_a_form_from_its_settings():
    product = {"type": "podcast", "displayName": "AI Podcast", "settings": {
        "episode_minutes": {"min": 5, "max": 60, "default": 20}, "tone": ["calm", "lively"], "hosts": [1, 2]}}
    podcast = offer_from_capabilities(caps(products=[product])).product("podcast")
    assert podcast.label == "AI Podcast"
    assert names(podcast) == ["prompt", "instructions", "episode_minutes", "tone", "hosts"]
    assert podcast.setting("episode_minutes").maximum == 60 and podcast.setting("tone").kind == "choice"


def test_products_without_a_type_are_dropped_and_the_others_kept():
    offer = offer_from_capabilities(caps(products=[{"display_name": "?"}, "junk", {"type": "app"}]))
    assert [p.type for p in offer.products] == ["app"]


def test_the_account_and_a_missing_account():
    account = account_from_unified(CAPABILITIES["account"], "kgp_x…")
    assert account.display_name == "Ada" and account.key_prefix == "kgp_x…" and account.credits == 1200
    assert account.max_concurrent == 3 and account.may_create
    refused = account_from_unified({"canCreate": False, "credits": 5}, "kgp_x…")
    assert refused.key_prefix == "kgp_x…" and refused.credits == 5 and not refused.may_create
    assert "cannot create" in refused.why_not
    assert account_from_unified(None, "kgp_x…") is None
    assert offer_from_capabilities(caps(account=None)).products  # the offer does not need the account


def test_the_creation_as_the_contract_shows_it():
    run = run_from_unified(CREATION)
    assert (run.id, run.creation_id, run.surface, run.status) == ("cr_8f2k1", "cr_8f2k1", "unified", "generating")
    assert (run.progress_pct, run.step, run.eta_seconds, run.estimated_credits) == (45, "Rendering scene 3 of 8", 95,
                                                                                    24)
    assert run.actual_credits is None and run.pause is None and not run.stops_polling
    creation = creation_from_unified(CREATION)
    assert creation.id == "cr_8f2k1" and creation.title == "How attention works" and creation.run == run
    assert creation.raw["current_step"] == "Rendering scene 3 of 8"


def test_id_in_place_of_creation_id_and_camel_case_keys():
    reply = {"id": "cr_1", "type": "video", "status": "planning", "progressPct": 0, "estimatedCredits": 24,
             "availableActions": [], "estimatedRemainingSeconds": "30", "currentStep": "Planning"}
    run = run_from_unified(reply)
    assert (run.id, run.status, run.progress_pct, run.estimated_credits, run.eta_seconds, run.step) == (
        "cr_1", "planning", 0, 24, 30, "Planning")


def test_a_numeric_id_becomes_text_and_a_missing_id_is_a_malformed_reply():
    assert run_from_unified({"creation_id": 42, "status": "ready"}).id == "42"
    with pytest.raises(MalformedResponse):
        run_from_unified({"status": "ready"})


def test_a_paused_creation_with_its_actions_review_and_result_code():
    paused = {**CREATION, "status": "paused", "available_actions": ["resume_after_recharge", {"action": "retry"}],
              "pause": {"reason": "insufficient_credits", "message": "Credits ran out at scene 4."},
              "review": {"status": "pending", "notes": "QA queued"}, "result_code": "ok"}
    run = run_from_unified(paused)
    assert run.needs_user and run.stops_polling and not run.is_terminal
    assert run.pause == d.Pause("insufficient_credits", "Credits ran out at scene 4.")
    assert run.available_actions == ("resume_after_recharge", "retry")
    assert run.review == d.Review("pending", "QA queued") and run.result_code == "ok"
    steps = creation_from_unified(paused).next_steps()
    assert [(s.kind, s.name, s.costs_money) for s in steps] == [("action", "resume_after_recharge", True),
                                                                ("action", "retry", False)]


def test_an_unknown_status_stays_a_string_and_keeps_polling():
    run = run_from_unified({**CREATION, "status": "waiting_for_gpu"})
    assert run.status == "waiting_for_gpu" and not run.stops_polling


def test_messages_on_a_ready_video_and_the_reply_to_one():
    ready = {**CREATION, "status": "ready", "messages": [
        {"message_id": "msg_1", "content": "Slower please", "status": "accepted", "reply": "Re-rendering",
         "created_at": "2026-12-01T10:05:00Z"}]}
    creation = creation_from_unified(ready)
    assert creation.messages[0] == d.Message("msg_1", "Slower please", "accepted", "Re-rendering",
                                             "2026-12-01T10:05:00Z")
    assert [s.kind for s in creation.next_steps()] == ["message"]
    reply = message_reply_from_unified({"message_id": "msg_3", "status": "accepted", "reply": "OK",
                                        "creation": {**CREATION, "status": "generating"}}, "Make it shorter")
    assert reply.message.id == "msg_3" and reply.message.content == "Make it shorter"
    assert reply.run.kind == "message" and reply.run.status == "generating"
    answered = message_reply_from_unified({"id": "msg_4", "status": "answered", "reply": "It is 4 minutes."},
                                          "How long?")
    assert answered.run is None and answered.message.reply == "It is 4 minutes."


OUTPUTS = [{"output_id": "out_1", "kind": "video", "label": "Final video", "url": "https://cdn.example/v.mp4",
            "mime_type": "video/mp4", "size_bytes": 48211009},
           {"id": "out_2", "kind": "subtitles", "name": "Subtitles (en)", "url": "https://cdn.example/s.vtt",
            "mimeType": "text/vtt", "sizeBytes": "11800"}]


@pytest.mark.parametrize("shape", ["envelope", "bare", "data"])
def test_outputs_in_an_envelope_or_as_a_bare_list(shape):
    data = {"envelope": {"outputs": OUTPUTS}, "bare": OUTPUTS, "data": {"data": OUTPUTS}}[shape]
    results = outputs_from_unified(data)
    assert results[0] == d.Result("out_1", "video", "Final video", "https://cdn.example/v.mp4", "video/mp4", 48211009)
    assert results[1] == d.Result("out_2", "subtitles", "Subtitles (en)", "https://cdn.example/s.vtt", "text/vtt",
                                  11800)
    with pytest.raises(MalformedResponse):
        outputs_from_unified({"nothing": True})


@pytest.mark.parametrize("shape", ["items", "data", "bare"])
def test_the_list_envelope_data_or_a_bare_list(shape):
    rows = [{"creation_id": "cr_2", "type": "image", "status": "ready", "title": "Cat", "progress_pct": 100,
             "created_at": "2026-12-01T10:00:00Z"}, {"title": "no id: dropped"}, {"id": "cr_1", "status": "failed"}]
    data = {"items": {"items": rows, "page": 1, "page_size": 20, "total": 2}, "data": {"data": rows, "total": 2},
            "bare": rows}[shape]
    page = page_from_unified(data, 1, 20)
    assert [c.id for c in page.items] == ["cr_2", "cr_1"] and not page.has_next
    assert page.items[0].run.progress_pct == 100


def test_an_uploaded_file():
    assert file_from_unified({"file_id": "file_9x2", "name": "notes.pdf", "mime_type": "application/pdf",
                              "size_bytes": 81234}) == d.UploadedFile("file_9x2", "notes.pdf", "application/pdf", 81234)
    assert file_from_unified({"id": "f1", "fileName": "a.txt"}).id == "f1"
    with pytest.raises(MalformedResponse):
        file_from_unified({"name": "x"})


@pytest.mark.parametrize(("status", "body", "cls", "message"), [
    (409, b'{"detail": "Action retry is not available now."}', Conflict, "Action retry is not available now."),
    (413, b'{"detail": "File too large (max 50 MB)."}', FileTooLarge, "File too large (max 50 MB)."),
    (415, b'{"detail": {"code": "unsupported_media_type", "message": "No .exe"}}', UnsupportedFileType, "No .exe"),
    (422, b'{"detail": [{"loc": ["body", "video", "duration_seconds"], "msg": "not a preset"}]}', ValidationFailed,
     "not a preset"),
    (422, b'{"detail": "Invalid body", "errors": [{"field": "max_credits", "message": "must be >= 1"}]}',
     ValidationFailed, "Invalid body"),
    (401, b'{"detail": "Invalid bearer token"}', AuthError, "Invalid bearer token"),
    (502, b"<html>bad gateway</html>", None, "HTTP 502 Bad Gateway"),
])
def test_error_bodies_string_object_and_fastapi_lists(status, body, cls, message):
    err = error_from_response(status, {}, body, "POST", "/creations/cr_1/actions")
    if cls is not None:
        assert type(err) is cls
    assert str(err).startswith(message)
    if status == 422 and b"errors" in body:
        assert err.field_errors == {"max_credits": "must be >= 1"}
    if status == 422 and b"loc" in body:
        assert err.field_errors == {"video.duration_seconds": "not a preset"}


def test_ratios_given_beside_an_empty_bundle_list_stay_plain_settings():
    product = {"type": "image", "settings": {"aspect_ratio": ["1:1", "3:2"], "bundles": []}}
    image = offer_from_capabilities(caps(products=[product])).product("image")
    assert image.bundles == () and image.setting("bundle") is None
    assert [c.value for c in image.setting("aspect_ratio").choices] == ["1:1", "3:2"]


@pytest.mark.parametrize("extra", [True, 12, "x", None, {"note": "a field this client does not know", "depth": 2}])
def test_an_unknown_field_beside_the_settings_is_not_a_setting_and_never_sent(extra):
    # The extra_fields scenario adds x_sim_flag: true and x_sim_extra: {...} to every object, settings included.
    product = {"type": "video", "settings": {"duration_seconds": {"presets": [120], "default": 120},
                                             "x_sim_extra": extra}}
    video = offer_from_capabilities(caps(products=[product])).product("video")
    assert video.setting("x_sim_extra") is None
    assert video.defaults() == {"duration_seconds": 120}

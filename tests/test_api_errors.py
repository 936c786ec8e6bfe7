"""error_from_response: the contract's section 4 message rules and status table, without a network."""

from __future__ import annotations

import json

import pytest

from kgp_tui.api.errors import (
    AuthError,
    ConnectionFailed,
    InsufficientCredits,
    KGPError,
    MalformedResponse,
    NotFound,
    PermissionDenied,
    RateLimited,
    RequestTimeout,
    ServerError,
    ValidationFailed,
    error_from_response,
    parse_retry_after,
)

KEY = "kgp_test_5be1c0ffee2d4e6f8a9b"


def body(detail=None, **top) -> bytes:
    data = dict(top)
    if detail is not None:
        data["detail"] = detail
    return json.dumps(data).encode()


def err(status, payload=b"", headers=None, method="GET", path="/me") -> KGPError:
    return error_from_response(status, headers or {}, payload, method, path, keys=(KEY,))


@pytest.mark.parametrize(
    ("status", "code", "cls", "hint_words"),
    [
        (401, "missing_api_key", AuthError, "API Key page"),
        (401, "invalid_api_key", AuthError, "reactivate"),
        (403, "insufficient_permission", PermissionDenied, "cannot create"),
        (402, "insufficient_credits", InsufficientCredits, "Nothing was created"),
        (404, "not_found", NotFound, "does not exist"),
        (422, "validation_error", ValidationFailed, "submit again"),
        (429, "rate_limited", RateLimited, "wait"),
        (500, "internal_error", ServerError, "retried with backoff"),
        (503, "internal_error", ServerError, "fault"),
        (418, "teapot", KGPError, "refused"),
    ],
)
def test_every_row_of_the_status_table(status, code, cls, hint_words):
    error = err(status, body({"code": code, "message": f"the {code} message"}))
    assert type(error) is cls
    assert error.status == status
    assert error.code == code
    assert error.message == str(error) == f"the {code} message"
    assert error.method == "GET" and error.path == "/me"
    assert hint_words in error.hint
    assert error.ambiguous is False


def test_detail_message_wins():
    error = err(401, body({"code": "invalid_api_key", "message": "Invalid API key"}, message="top"))
    assert error.message == "Invalid API key"


def test_detail_as_a_string():
    assert err(404, body("Creation not found")).message == "Creation not found"


def test_detail_as_a_fastapi_list_joins_msgs_and_fills_field_errors():
    detail = [
        {"loc": ["body", "prompt"], "msg": "field required", "type": "missing"},
        {"loc": ["body", "image_generation", "quality"], "msg": "bad quality"},
        {"loc": ["body", "prompt"], "msg": "too short"},
    ]
    error = err(422, body(detail))
    assert isinstance(error, ValidationFailed)
    assert error.message == "field required; bad quality; too short"
    # nested locations keep their path, as the form names the field: image_generation.quality
    assert error.field_errors == {"prompt": "field required; too short", "image_generation.quality": "bad quality"}


def test_field_errors_beside_detail_are_read_too():
    payload = body({"code": "validation_error", "message": "Invalid"}, errors=[{"field": "scene_count", "message": "1-20"}])
    assert err(422, payload).field_errors == {"scene_count": "1-20"}


def test_absurdly_nested_or_huge_values_never_escape_as_other_exceptions():
    nested = err(502, "[" * 100_000)
    assert "non-JSON" in nested.message
    assert err(429, b"{}", headers={"Retry-After": "1e308"}).retry_after == 3600.0


def test_detail_object_with_errors_gives_field_errors():
    detail = {
        "code": "validation_error",
        "message": "2 fields are invalid",
        "errors": [{"field": "scene_count", "message": "must be 1–20"}, {"field": "aspect_ratio", "message": "bad"}],
    }
    error = err(422, body(detail))
    assert error.field_errors == {"scene_count": "must be 1–20", "aspect_ratio": "bad"}
    assert error.message == "2 fields are invalid"
    assert "marked fields" in error.hint


def test_detail_object_without_message_falls_back_to_top_level_message():
    error = err(500, body({"code": "internal_error"}, message="Top-level says so"))
    assert error.message == "Top-level says so" and error.code == "internal_error"


def test_top_level_message_without_detail():
    error = err(429, body(None, message="Slow down"))
    assert error.message == "Slow down"


def test_no_message_anywhere_gives_http_status():
    assert err(500, body({"code": "internal_error"})).message == "HTTP 500 Internal Server Error"
    assert err(404, b"{}").message == "HTTP 404 Not Found"
    assert err(422, b"[1, 2]").message == "HTTP 422 Unprocessable Entity"
    assert err(599, b'{"detail": 5}').message == "HTTP 599"


def test_html_502_gives_a_clear_message_without_the_page():
    page = b"<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1>" + b"x" * 5000 + b"</body></html>"
    error = err(502, page, headers={"Content-Type": "text/html"})
    assert isinstance(error, ServerError)
    assert error.message == "HTTP 502 Bad Gateway: the server answered with a non-JSON page"
    assert "<" not in str(error)


def test_empty_body():
    error = err(503, b"")
    assert isinstance(error, ServerError)
    assert error.message == "HTTP 503 Service Unavailable: the server sent an empty reply"


def test_messages_lose_escape_sequences_and_control_characters_and_are_capped():
    error = err(400, body({"message": "line one\nline\x1b[31m two\x07" + "y" * 2000}))
    assert "\n" not in error.message and "\x1b" not in error.message and "\x07" not in error.message
    assert error.message.startswith("line one line twoyyy")  # the whole CSI sequence goes, not just its ESC
    assert len(error.message) <= 300 and error.message.endswith("…")


@pytest.mark.parametrize(
    ("header", "expected"),
    [("7", 7.0), ("1.5", 1.5), (" 30 ", 30.0), ("0", 0.0), ("Wed, 21 Oct 2026 07:28:00 GMT", 0.0),  # past: now
     ("soon", None), ("-3", None), ("nan", None), ("inf", None), (None, None)],
)
def test_retry_after_variants(header, expected):
    headers = {"Retry-After": header} if header is not None else {}
    error = err(429, body({"code": "rate_limited", "message": "Too many requests"}), headers=headers)
    assert isinstance(error, RateLimited)
    assert error.retry_after == expected
    if expected is not None:
        assert "wait" in error.hint and ("7 s" in error.hint if header == "7" else True)
    else:
        assert "wait a little" in error.hint


def test_retry_after_header_name_is_case_insensitive_and_headers_may_be_pairs():
    assert err(429, b"{}", headers={"retry-after": "4"}).retry_after == 4.0
    assert error_from_response(429, [("RETRY-AFTER", "2")], b"{}", "GET", "/me").retry_after == 2.0
    assert parse_retry_after("12") == 12.0


def test_the_key_never_appears_in_error_text():
    detail = {"code": "invalid_api_key", "message": f"Key {KEY} is not valid",
              "errors": [{"field": KEY, "message": f"bad {KEY}"}]}
    error = err(401, body(detail, message=KEY))
    for text in (str(error), repr(error), repr(error.args), error.hint, json.dumps(error.field_errors)):
        assert KEY not in text
    assert "kgp_test_5be1…" in str(error)
    fastapi = err(422, body([{"loc": ["body", "x"], "msg": f"echo {KEY}"}]))
    assert KEY not in str(fastapi) and KEY not in repr(fastapi.field_errors)


def test_key_split_by_control_characters_is_still_redacted():
    broken = KEY[:10] + "\n" + KEY[10:]
    error = err(400, body({"message": broken}))
    # The newline becomes a space, so the key no longer appears whole; neither form may leak.
    assert KEY not in str(error)


def test_post_5xx_is_ambiguous_but_post_4xx_is_not():
    assert err(500, b"{}", method="POST", path="/creations").ambiguous is True
    assert err(502, b"<html>", method="POST", path="/creations").ambiguous is True
    assert err(402, body({"code": "insufficient_credits"}), method="POST", path="/creations").ambiguous is False
    assert err(500, b"{}", method="GET").ambiguous is False
    assert "check your creations" in err(500, b"{}", method="POST").hint


def test_transport_error_classes_and_hints():
    refused = ConnectionFailed("Could not connect", host="127.0.0.1:9")
    assert refused.status is None and "127.0.0.1:9" in refused.hint and "base URL" in refused.hint
    timeout = RequestTimeout("slow", host="api.example", ambiguous=True, method="POST", path="/creations")
    assert isinstance(timeout, ConnectionFailed)
    assert "check your creations" in timeout.hint
    malformed = MalformedResponse("not JSON", status=200)
    assert isinstance(malformed, KGPError) and "could not be read" in malformed.hint


def test_repr_names_class_status_code_and_request():
    error = err(404, body({"code": "not_found", "message": "No such creation"}), path="/creations/9")
    assert repr(error) == "NotFound(status=404, code='not_found', message='No such creation', request='GET /creations/9')"

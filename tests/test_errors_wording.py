"""What an error says to the user: one message per error, worded for its cause (issue 11 items 5, 16, 18).

Table-driven over every error class, with the contract's own server texts (the simulator's) where it has them.
"""

from __future__ import annotations

import json

import pytest

from kgp_tui.api.errors import (
    AuthError,
    Conflict,
    ConnectionFailed,
    InsufficientCredits,
    KGPError,
    MalformedResponse,
    NotConnected,
    NotFound,
    PermissionDenied,
    RateLimited,
    RequestTimeout,
    ServerError,
    ValidationFailed,
    error_from_response,
    parse_retry_after,
)
from kgp_tui.format import describe_connect_error, error_text

PREFIX = "kgp_test_5be1…"


def reply(status, code, message, method="POST", headers=None) -> KGPError:
    body = json.dumps({"detail": {"code": code, "message": message}}).encode()
    return error_from_response(status, headers or {}, body, method, "/creations", host="api.example")


# (error, words the one line must contain, words it must not contain)
CASES = [
    pytest.param(reply(401, "invalid_api_key", f"The API key {PREFIX} is not valid. Check it, or reactivate it on the "
                       "KPainter API Key page.", "GET"), ["not valid", "API Key page"], [], id="401-server-advises"),
    pytest.param(reply(401, "invalid_api_key", "Invalid key", "GET"), ["Invalid key", "reactivate"], [],
                 id="401-bare"),
    pytest.param(reply(401, "missing_api_key", "No key", "GET"), ["enter your key"], [], id="401-missing"),
    pytest.param(reply(402, "insufficient_credits", "Not enough credits for this creation; top up on the KPainter "
                       "website. Nothing was created."), ["top up", "Nothing was created"], [], id="402-server-advises"),
    pytest.param(reply(402, "insufficient_credits", "Payment required"), ["Payment required", "top up"], [],
                 id="402-bare"),
    pytest.param(reply(403, "insufficient_permission", f"The API key {PREFIX} can read but cannot create or edit. Use a "
                       "key with create permission from the KPainter API Key page."), ["create permission"], [],
                 id="403-server-advises"),
    pytest.param(reply(403, "forbidden", "Forbidden"), ["Forbidden", "cannot create"], [], id="403-bare"),
    pytest.param(reply(404, "not_found", "Creation 9 not found", "GET"), ["not found", "refresh"], [], id="404"),
    pytest.param(reply(409, "creation_not_ready", "Creation 5 is processing; it can be edited once it is ready."),
                 ["once it is ready"], ["check the values"], id="409-server-advises"),
    pytest.param(reply(409, "creation_not_ready", "Conflict"), ["Nothing is wrong with what you entered", "ready"],
                 ["check the values"], id="409-bare"),
    pytest.param(reply(409, "conflict", "Busy"), ["Nothing is wrong with what you entered"], ["check the values"],
                 id="409-other"),
    pytest.param(reply(422, "validation_error", "prompt: too short"), ["too short", "change it"], [], id="422"),
    pytest.param(reply(429, "rate_limited", "Too many requests; retry after 3 s.", "GET", {"Retry-After": "3"}),
                 ["retry after 3 s"], [], id="429-server-advises"),
    pytest.param(reply(429, "rate_limited", "Slow down", "GET", {"Retry-After": "3"}), ["Slow down", "wait 3 s"], [],
                 id="429-bare"),
    pytest.param(reply(500, "internal_error", "The server hit an internal error. Try again later.", "GET"),
                 ["internal error"], ["fault"], id="500-get"),
    pytest.param(reply(500, "internal_error", "The server hit an internal error. Try again later."),
                 ["internal error", "may have reached the server"], ["fault"], id="500-post-ambiguous"),
    pytest.param(reply(400, "bad_request", "Bad request"), ["Bad request", "check the values"], [], id="400"),
    pytest.param(reply(405, "method_not_allowed", "Method not allowed"), ["base URL"], ["check the values"],
                 id="405"),
    pytest.param(ConnectionFailed("Could not connect to api.example (refused)", host="api.example"),
                 ["Could not connect", "network"], [], id="connect"),
    pytest.param(RequestTimeout("api.example did not answer within 5 s", host="api.example", stage="reply"),
                 ["did not answer", "raise the timeout"], [], id="timeout"),
    pytest.param(MalformedResponse("HTTP 200: the reply to GET /me is not JSON"), ["not JSON", "openapi/v1"], [],
                 id="malformed"),
    pytest.param(NotConnected(), ["Not connected", "F4"], [], id="not-connected"),
]


@pytest.mark.parametrize(("error", "wanted", "unwanted"), CASES)
def test_every_error_class_is_one_message_worded_for_its_cause(error, wanted, unwanted):
    line = error_text(error)
    for words in wanted:
        assert words.lower() in line.lower(), line
    for words in unwanted:
        assert words.lower() not in line.lower(), line
    assert "\n" not in line
    # the advice is said once: no sentence of the line appears twice
    sentences = [s.strip().lower() for s in line.replace(" — ", ". ").split(".") if len(s.strip()) > 8]
    assert len(sentences) == len(set(sentences)), line
    for word in ("top up", "reactivate", "api key page", "once it is ready", "wait"):
        assert line.lower().count(word) <= 1, line


def test_each_class_is_the_one_its_status_maps_to():
    classes = {401: AuthError, 402: InsufficientCredits, 403: PermissionDenied, 404: NotFound, 409: Conflict,
               422: ValidationFailed, 429: RateLimited, 500: ServerError, 503: ServerError}
    for status, cls in classes.items():
        assert type(reply(status, "x", "m")) is cls


@pytest.mark.parametrize(
    "error",
    [AttributeError("'NoneType' object has no attribute 'creation'"), KeyError("secret internals"),
     RuntimeError("Traceback (most recent call last)"), ValueError("An id must be an integer ≥ 1.")],
)
def test_an_error_that_is_not_the_clients_own_never_shows_its_text(error):
    for line in (error_text(error), describe_connect_error(error, "http://127.0.0.1:9", PREFIX)):
        assert str(error).strip("'\"") not in line
        assert type(error).__name__ not in line
        assert "NoneType" not in line and "Traceback" not in line
        assert "unexpected error inside kgp-tui" in line and "log" in line


def test_the_connect_screen_says_the_refused_keys_advice_once():
    error = reply(401, "invalid_api_key", f"The API key {PREFIX} is not valid. Check it, or reactivate it on the "
                  "KPainter API Key page.", "GET")
    text = describe_connect_error(error, "http://127.0.0.1:9", PREFIX)
    assert text.lower().count("reactivate") == 1
    assert text.splitlines()[0] == f"The key {PREFIX} was refused."


def test_the_connect_screen_says_where_it_could_not_reach_once():
    down = ConnectionFailed("Could not connect to 127.0.0.1:9 (All connection attempts failed)", host="127.0.0.1:9")
    text = describe_connect_error(down, "http://127.0.0.1:9/openapi/v1", PREFIX)
    assert text.count("Could not reach") == 1 and text.count("127.0.0.1:9") == 2  # the head and the server's text
    assert text.splitlines()[-1] == "→ Check the base URL and your network connection."
    slow = RequestTimeout("127.0.0.1:9 did not answer within 5 s", host="127.0.0.1:9", stage="reply")
    text = describe_connect_error(slow, "http://127.0.0.1:9/openapi/v1", PREFIX)
    assert "Could not reach" not in text and text.splitlines()[0].endswith("did not answer in time.")


@pytest.mark.parametrize(
    ("status", "busy", "wanted"),
    [("ready", True, "a job of this creation is still running"), ("processing", True, "still running"),
     ("processing", False, "it is still being made (processing)"), ("queued", False, "still being made (queued)"),
     ("failed", False, "it failed: there is nothing to edit"), ("invalid", False, "nothing to edit"),
     ("reticulating", False, "it is reticulating, not ready")],
)
def test_an_edit_refused_for_the_creations_state_says_which_state(status, busy, wanted):
    from kgp_tui.api.models import Creation
    from kgp_tui.api.v1 import creation_from_v1
    from kgp_tui.edits import edit_refusal

    creation = creation_from_v1(Creation(creation_id=1, type="slides_video", status=status,
                                         scenes=[{"scene_id": "s1", "index": 1}],
                                         editable_actions=["update_scene_narration"]))
    reason = edit_refusal(creation, "update_scene_narration", can_create=True, busy=busy)
    assert wanted in reason and "not ready yet" not in reason and "(ready)" not in reason


# -- Retry-After (item 5) --------------------------------------------------------------------------------------

def test_retry_after_as_an_http_date_is_seconds_from_the_replys_own_date():
    # the server's Date header is the reference: a server whose clock is off still means what it says
    assert parse_retry_after("Wed, 21 Oct 2026 07:28:00 GMT", date="Wed, 21 Oct 2026 07:27:30 GMT") == 30.0
    error = error_from_response(429, {"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT",
                                      "Date": "Wed, 21 Oct 2026 07:27:48 GMT"}, b"{}", "GET", "/me")
    assert isinstance(error, RateLimited) and error.retry_after == 12.0
    assert "wait 12 s" in error.hint


def test_retry_after_as_an_http_date_without_a_date_header_is_measured_from_now():
    now = 1_792_567_650.0  # Wed, 21 Oct 2026 07:27:30 GMT
    assert parse_retry_after("Wed, 21 Oct 2026 07:28:00 GMT", now=now) == 30.0
    assert parse_retry_after("Wednesday, 21-Oct-26 07:28:00 GMT", now=now) == 30.0  # RFC 850
    assert parse_retry_after("Wed Oct 21 07:28:00 2026", now=now) == 30.0  # asctime
    assert parse_retry_after("Wed, 21 Oct 2026 07:27:00 GMT", now=now) == 0.0  # already past: retry now
    assert parse_retry_after("Thu, 21 Oct 2027 07:28:00 GMT", now=now) == 3600.0  # capped as a number is
    assert parse_retry_after("Wed, 41 Oct 2026 07:28:00 GMT", now=now) is None
    assert parse_retry_after("soon", now=now) is None

"""Unit tests for kgp_tui.format: sanitising hostile server text, sizes, durations, ETA, progress."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from rich.text import Text

from kgp_tui.format import (
    estimate_remaining,
    host_of,
    human_duration,
    human_size,
    parse_time,
    progress_bar,
    sanitize,
    seconds_between,
    status_label,
    truncate,
)


@pytest.mark.parametrize(
    ("hostile", "expected"),
    [
        ("\x1b[2Jcleared", "cleared"),
        ("a\x1b]52;c;AAAA\x07b", "ab"),
        ("a\x1b]52;c;AAAA\x1b\\b", "ab"),
        ("\x1b[31mred\x1b[0m", "red"),
        ("bell\x07 and nul\x00", "bell and nul"),
        ("8-bit csi \x9b31m", "8-bit csi "),
        ("lone escape \x1b", "lone escape "),
        ("dcs \x1bPq#0;2;0;0;0\x1b\\end", "dcs end"),
        ("trojan \u202eevil\u202c source", "trojan evil source"),
    ],
)
def test_sanitize_strips_escape_sequences_and_controls(hostile: str, expected: str) -> None:
    assert sanitize(hostile) == expected


def test_sanitize_keeps_markup_characters_literally() -> None:
    # Square brackets are data: sanitize keeps them and Text renders them as they are.
    for hostile in ("[bold]x", "[@click=app.quit]click me[/]"):
        cleaned = sanitize(hostile)
        assert cleaned == hostile
        assert Text(cleaned).plain == hostile


def test_sanitize_keeps_emoji_cjk_and_rtl_text() -> None:
    text = "🎬 注意力 שלום مرحبا"
    assert sanitize(text) == text


def test_sanitize_single_line_collapses_whitespace() -> None:
    assert sanitize("a\nb\r\n\tc   d", single_line=True) == "a b c d"
    assert sanitize("a\nb\tc") == "a\nb\tc"


def test_sanitize_caps_long_titles() -> None:
    title = "x" * 5000
    cleaned = sanitize(title, max_len=80)
    assert len(cleaned) == 80
    assert cleaned.endswith("…")


def test_sanitize_none_and_non_strings() -> None:
    assert sanitize(None) == ""
    assert sanitize(42) == "42"


def test_truncate() -> None:
    assert truncate("abc", 3) == "abc"
    assert truncate("abcd", 3) == "ab…"
    assert truncate("abcd", 0) == ""


@pytest.mark.parametrize(
    ("size", "expected"),
    [(None, "—"), (-1, "—"), ("junk", "—"), (0, "0 B"), (1023, "1023 B"), (1024, "1.0 KiB"),
     (48211009, "46.0 MiB"), (3 * 1024**3, "3.0 GiB"), (2 * 1024**5, "2048.0 TiB")],
)
def test_human_size(size: object, expected: str) -> None:
    assert human_size(size) == expected


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [(None, "—"), ("x", "—"), (-5, "0s"), (0, "0s"), (9.5, "10s"), (59, "59s"), (60, "1m 00s"), (185, "3m 05s"),
     (3720, "1h 02m")],
)
def test_human_duration(seconds: object, expected: str) -> None:
    assert human_duration(seconds) == expected


def test_estimate_remaining() -> None:
    assert estimate_remaining(30, 50) == pytest.approx(30)
    assert estimate_remaining(10, 25) == pytest.approx(30)
    assert estimate_remaining(10, 100) == 0.0
    assert estimate_remaining(10, 0) is None
    assert estimate_remaining(10, None) is None
    assert estimate_remaining(None, 50) is None
    assert estimate_remaining(0, 50) is None
    assert estimate_remaining(10, 150) is None


def test_progress_bar() -> None:
    assert progress_bar(50, width=10) == "█████░░░░░  50%"
    assert progress_bar(0, width=4) == "░░░░   0%"
    assert progress_bar(100, width=4) == "████ 100%"
    assert progress_bar(140, width=4) == "████ 100%"
    assert progress_bar(None, width=4) == "░░░░   ?%"


def test_status_label_uses_symbol_and_word() -> None:
    assert status_label("succeeded") == "✔ succeeded"
    assert status_label("failed") == "✖ failed"
    assert status_label("running") == "▶ running"
    assert status_label("paused_by_admin") == "? paused_by_admin"
    assert status_label("\x1b[2Jqueued") == "◷ queued"
    assert status_label(None) == "? unknown"


def test_parse_time_and_seconds_between() -> None:
    assert parse_time("2026-11-25T10:00:00Z") == datetime(2026, 11, 25, 10, tzinfo=UTC)
    assert parse_time("2026-11-25T11:00:00+01:00") == datetime(2026, 11, 25, 10, tzinfo=UTC)
    assert parse_time("not a time") is None
    assert parse_time(None) is None
    assert seconds_between("2026-11-25T10:00:00Z", "2026-11-25T10:00:21Z") == 21
    assert seconds_between(None, "2026-11-25T10:00:21Z") is None


def test_host_of() -> None:
    assert host_of("https://api.kpainter.ai/openapi/v1") == "api.kpainter.ai"
    assert host_of("http://127.0.0.1:8080/openapi/v1") == "127.0.0.1:8080"
    assert host_of(None) == "—"


def test_connect_error_says_what_failed_what_server_said_and_what_to_do():
    from kgp_tui.api.errors import AuthError, ConnectionFailed
    from kgp_tui.format import describe_connect_error

    refused = AuthError("The key is not valid.", status=401, code="invalid_api_key")
    lines = describe_connect_error(refused, "https://api.kpainter.ai/openapi/v1", "kgp_live_3f9a…").split("\n")
    assert lines[0] == "The key kgp_live_3f9a… was refused."
    assert lines[1] == "The key is not valid."
    assert lines[2].startswith("→ ") and "API Key page" in lines[2]
    assert len(lines) == 3  # each thing said once

    down = ConnectionFailed("Could not connect to 127.0.0.1:9 (refused)")
    text = describe_connect_error(down, "http://127.0.0.1:9/openapi/v1", "k…")
    assert text.startswith("Could not reach http://127.0.0.1:9/openapi/v1.\nCould not connect to 127.0.0.1:9")


def test_host_of_never_shows_credentials_in_the_url() -> None:
    assert host_of("https://ada:s3cret@api.kpainter.ai/openapi/v1") == "api.kpainter.ai"
    assert host_of("not a url") == "—"

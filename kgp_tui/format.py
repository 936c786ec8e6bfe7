"""Pure formatting helpers: sizes, durations, ETA, progress bars and sanitising server text.

Nothing here imports Textual; every function is a plain value-in, value-out transform.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timezone

# CSI (ESC [ ... final), OSC (ESC ] ... BEL or ST), DCS/SOS/PM/APC (ESC P|X|^|_ ... ST), other two-byte ESC sequences.
_ESCAPE_SEQUENCE = re.compile(
    r"""
    \x1b\[[0-?]*[ -/]*[@-~]            # CSI
    | \x1b\][^\x07\x1b]*(?:\x07|\x1b\\)? # OSC, terminated by BEL or ST (or unterminated)
    | \x1b[PX^_][^\x1b]*(?:\x1b\\)?    # DCS, SOS, PM, APC
    | \x9b[0-?]*[ -/]*[@-~]            # 8-bit CSI
    | \x9d[^\x07\x9c]*(?:\x07|\x9c)?   # 8-bit OSC
    | \x1b[@-Z\\-_]?                   # any other ESC + one byte (or a lone ESC)
    """,
    re.VERBOSE,
)

# Bidi controls can reorder what follows them on screen (the "Trojan Source" trick); they are dropped.
_BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")

ELLIPSIS = "…"


def sanitize(text: object, *, max_len: int | None = None, single_line: bool = False) -> str:
    """Server text made safe to show: escape sequences and control characters removed.

    Newlines and tabs survive unless `single_line` is set, in which case all whitespace runs become one space.
    The result is still *data*: render it with `rich.text.Text`, never as markup.
    """
    if text is None:
        return ""
    value = str(text)
    value = _ESCAPE_SEQUENCE.sub("", value)
    kept = []
    for char in value:
        if char in "\n\t":
            kept.append(" " if single_line else char)
            continue
        if char == "\r":
            kept.append(" " if single_line else "")
            continue
        if char in _BIDI_CONTROLS:
            continue
        category = unicodedata.category(char)
        if category == "Cc":
            continue
        kept.append(char)
    value = "".join(kept)
    if single_line:
        value = " ".join(value.split())
    if max_len is not None:
        value = truncate(value, max_len)
    return value


def truncate(text: str, max_len: int) -> str:
    """`text` cut to at most `max_len` characters, marking the cut with an ellipsis."""
    if max_len <= 0:
        return ""
    if len(text) <= max_len:
        return text
    return text[: max_len - 1] + ELLIPSIS


def human_size(size: int | float | None) -> str:
    """Bytes in human units: 48211009 -> '46.0 MiB'."""
    if size is None:
        return "—"
    try:
        value = float(size)
    except (TypeError, ValueError):
        return "—"
    if value < 0:
        return "—"
    if value < 1024:
        return f"{int(value)} B"
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        value /= 1024
        if value < 1024 or unit == "TiB":
            return f"{value:.1f} {unit}"
    return f"{value:.1f} TiB"  # pragma: no cover - loop always returns


def human_duration(seconds: float | None) -> str:
    """A duration as '45s', '3m 05s', '1h 02m'; '—' when unknown."""
    if seconds is None:
        return "—"
    try:
        total = int(round(float(seconds)))
    except (TypeError, ValueError):
        return "—"
    if total < 0:
        total = 0
    if total < 60:
        return f"{total}s"
    minutes, secs = divmod(total, 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


def estimate_remaining(elapsed: float | None, progress_pct: float | None) -> float | None:
    """Seconds left, extrapolated linearly from progress so far; None when it cannot be estimated."""
    if elapsed is None or progress_pct is None:
        return None
    try:
        pct = float(progress_pct)
    except (TypeError, ValueError):
        return None
    if pct <= 0 or pct > 100 or elapsed <= 0:
        return None
    if pct >= 100:
        return 0.0
    return elapsed * (100.0 - pct) / pct


def progress_bar(progress_pct: float | None, width: int = 10) -> str:
    """A text progress bar with the percentage: '█████░░░░░  50%'; unknown progress shows '?'."""
    if progress_pct is None:
        return "░" * width + "   ?%"
    try:
        pct = max(0.0, min(100.0, float(progress_pct)))
    except (TypeError, ValueError):
        return "░" * width + "   ?%"
    filled = int(round(width * pct / 100.0))
    return "█" * filled + "░" * (width - filled) + f" {int(pct):3d}%"


STATUS_SYMBOLS = {
    "queued": "◷",
    "running": "▶",
    "processing": "▶",
    "succeeded": "✔",
    "ready": "✔",
    "failed": "✖",
    "invalid": "✖",
    "cancelled": "⊘",
}


def status_label(status: object) -> str:
    """Status as symbol and word (never colour alone); an unknown status is shown as-is with '?'."""
    word = sanitize(status, single_line=True, max_len=20) or "unknown"
    symbol = STATUS_SYMBOLS.get(word.lower(), "?")
    return f"{symbol} {word}"


def parse_time(value: object) -> datetime | None:
    """An ISO-8601 timestamp (with 'Z' or an offset) as an aware UTC datetime; None if absent or unreadable."""
    if value is None:
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        text = str(value).strip()
        if not text:
            return None
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def seconds_between(start: object, end: object) -> float | None:
    """Seconds from `start` to `end` (timestamps or datetimes); None if either is missing."""
    first, last = parse_time(start), parse_time(end)
    if first is None or last is None:
        return None
    return max(0.0, (last - first).total_seconds())


def host_of(base_url: str | None) -> str:
    """The host[:port] part of a base URL, for the status bar."""
    if not base_url:
        return "—"
    text = base_url.split("://", 1)[-1]
    return sanitize(text.split("/", 1)[0], single_line=True, max_len=40)


def error_text(error: BaseException) -> str:
    """One line for the user: the error's message and its hint; never a traceback (keys are already redacted)."""
    message = sanitize(getattr(error, "message", None) or str(error) or type(error).__name__, single_line=True)
    hint = sanitize(getattr(error, "hint", None) or "", single_line=True)
    return f"{message} — {hint}" if hint and hint not in message else message


def describe_connect_error(error: BaseException, base_url: str, prefix: str) -> str:
    """What went wrong while connecting (first line), what the server said, and what to do (the error's hint)."""
    status = getattr(error, "status", None)
    kind = type(error).__name__
    message = sanitize(getattr(error, "message", None) or str(error) or kind, single_line=True)
    hint = sanitize(getattr(error, "hint", None) or "", single_line=True)
    where = sanitize(base_url, single_line=True, max_len=120)
    if status == 401 or kind == "AuthError":
        head = f"The key {prefix} was refused."
    elif status == 403 or kind == "PermissionDenied":
        head = f"The key {prefix} may not be used here."
    elif kind in ("ConnectionFailed", "RequestTimeout"):
        head = f"Could not reach {where}."
    else:
        head = f"Connecting to {where} failed."
    lines = [head, message]
    if hint and hint not in message:
        lines.append(f"→ {hint}")
    return "\n".join(lines)

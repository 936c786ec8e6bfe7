"""Pure formatting helpers: sizes, durations, ETA, progress bars and sanitising server text.

Nothing here imports Textual; every function is a plain value-in, value-out transform.
"""

from __future__ import annotations

import math

from kgp_tui.api.text import (
    ELLIPSIS,
    cell_width,
    parse_time,
    sanitize,
    truncate,
    url_host,
)

# re-exported: the app formats through this module
__all__ = ["ELLIPSIS", "UNTITLED", "cell_width", "clip_words", "parse_time", "sanitize", "title_text", "truncate"]

UNTITLED = "(untitled)"  # the one placeholder for an empty, blank or missing title, wherever a title is shown
UNEXPECTED = "an unexpected error inside kgp-tui (the log file has the details)"


def title_text(title: object, max_len: int | None = None) -> str:
    """A title to show on one line, cut to `max_len` terminal cells; empty, blank or missing: "(untitled)"."""
    value = sanitize(title, single_line=True)
    return truncate(value or UNTITLED, max_len) if max_len is not None else value or UNTITLED



def human_size(size: int | float | None) -> str:
    """Bytes in human units: 48211009 -> '46.0 MiB'."""
    if size is None:
        return "—"
    try:
        value = float(size)
    except (TypeError, ValueError):
        return "—"
    if value < 0 or not math.isfinite(value):
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
    except (TypeError, ValueError, OverflowError):  # None-like text, NaN, infinity
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


def clip_words(text: str, width: int) -> str:
    """`text` in at most `width` cells, cut after a whole word (spaces, '_' and '-' part words) where one fits in
    the first half, so "waiting_for_gpu" in 10 cells reads "waiting…", not "waiting_f…"."""
    if cell_width(text) <= width:
        return text
    cut = truncate(text, width)[:-1]
    boundary = max(cut.rfind(" "), cut.rfind("_"), cut.rfind("-"))
    if boundary >= max(1, len(cut) // 2):
        cut = cut[:boundary]
    return cut.rstrip(" _-") + ELLIPSIS if cut.strip(" _-") else truncate(text, width)


def ago(seconds: float | None) -> str:
    """How long ago, in one unit so it fits a narrow column: '12s ago', '3m ago', '5h ago', '2d ago'."""
    if seconds is None:
        return "—"
    try:
        total = max(0, int(float(seconds)))
    except (TypeError, ValueError, OverflowError):
        return "—"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if total >= size:
            return f"{total // size}{unit} ago"
    return f"{total}s ago"


def estimate_remaining(elapsed: float | None, progress_pct: float | None) -> float | None:
    """Seconds left, extrapolated linearly from progress so far; None when it cannot be estimated."""
    if elapsed is None or progress_pct is None:
        return None
    try:
        pct, spent = float(progress_pct), float(elapsed)
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(pct) and math.isfinite(spent)) or pct <= 0 or pct > 100 or spent <= 0:
        return None
    if pct >= 100:
        return 0.0
    return spent * (100.0 - pct) / pct


def progress_bar(progress_pct: float | None, width: int = 10) -> str:
    """A text progress bar with the percentage: '█████░░░░░  50%'; unknown progress shows '?'."""
    if progress_pct is None:
        return "░" * width + "   ?%"
    try:
        pct = float(progress_pct)
    except (TypeError, ValueError):
        return "░" * width + "   ?%"
    if not math.isfinite(pct):
        return "░" * width + "   ?%"
    pct = max(0.0, min(100.0, pct))
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
    "planning": "◷",  # the unified surface's statuses
    "generating": "▶",
    "reviewing": "▶",
    "paused": "⏸",
}


def status_label(status: object) -> str:
    """Status as symbol and word (never colour alone); an unknown status is shown as-is with '?'."""
    word = sanitize(status, single_line=True, max_len=20) or "unknown"
    symbol = STATUS_SYMBOLS.get(word.lower(), "?")
    return f"{symbol} {word}"


def seconds_between(start: object, end: object) -> float | None:
    """Seconds from `start` to `end` (timestamps or datetimes); None if either is missing."""
    first, last = parse_time(start), parse_time(end)
    if first is None or last is None:
        return None
    return max(0.0, (last - first).total_seconds())


def host_of(base_url: str | None) -> str:
    """The host[:port] part of a base URL for the status bar (never a user:password@ part)."""
    return sanitize(url_host(base_url), single_line=True, max_len=40) or "—"


def error_text(error: BaseException) -> str:
    """One line for the user: what the server said and, unless it said so already, what to do.

    Only the client's own errors (KGPError) are worded from their content; anything else is a fault inside
    kgp-tui, said as such: its str() holds internals ('NoneType' object has no attribute …), never shown.
    """
    # stdlib only: cheap, and only once something failed
    from kgp_tui.api.errors import KGPError

    if not isinstance(error, KGPError):
        return UNEXPECTED
    return sanitize(error.text, single_line=True)


def describe_connect_error(error: BaseException, base_url: str, prefix: str) -> str:
    """What went wrong while connecting (first line), what the server said, and what to do (the error's hint)."""
    from kgp_tui.api.errors import ConnectionFailed, KGPError, RequestTimeout

    status = getattr(error, "status", None)
    kind = type(error).__name__
    if not isinstance(error, KGPError):
        return f"Connecting to {sanitize(base_url, single_line=True, max_len=120)} failed: {UNEXPECTED}."
    message = sanitize(error.message or kind, single_line=True)
    hint = sanitize(error.hint or "", single_line=True)
    where = sanitize(base_url, single_line=True, max_len=120)
    if status == 401 or kind == "AuthError":
        head = f"The key {prefix} was refused."
    elif status == 403 or kind == "PermissionDenied":
        head = f"The key {prefix} may not be used here."
    elif status == 404:  # /me itself is missing: the base URL points somewhere that is not the KGP API
        head = f"{where} answered 404 for /me: no KGP API there."
        hint = "Check the base URL: it usually ends in /openapi/v1, like https://api.kpainter.ai/openapi/v1."
    elif isinstance(error, RequestTimeout):  # the head names the server: the advice need not say it again
        head, hint = f"{where} did not answer in time.", "It may be busy: try again, or raise the timeout."
    elif isinstance(error, ConnectionFailed) and error.stage == "connect":
        head, hint = f"Could not reach {where}.", "Check the base URL and your network connection."
    elif isinstance(error, ConnectionFailed):
        head = f"Connecting to {where} failed."
    else:
        head = f"Connecting to {where} failed."
    lines = [head, message]
    if hint and not error.advice_in(message) and hint not in message:
        lines.append(f"→ {hint}")
    return "\n".join(lines)


def markup_literal(text: object, *, max_len: int | None = None) -> str:
    """Server text for the few Textual APIs that accept only markup (command palette titles and help).

    Sanitised (one line), then every '[' gets one more backslash in front, so any bracket, closed or not, shows as
    typed: Content.from_markup(markup_literal(s)).plain == sanitize(s, single_line=True).
    """
    value = sanitize(text, single_line=True, max_len=max_len)
    return value.replace("[", "\\[")

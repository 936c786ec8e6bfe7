"""Server values made safe to show, and timestamps read without ever raising. Stdlib only.

Shared by the client (error messages) and the app (every widget that shows server text), so both strip the same
escape sequences, control and bidi characters.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import UTC, datetime
from urllib.parse import urlsplit

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
REPLACEMENT = "\ufffd"


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
        # A lone surrogate cannot be encoded for the terminal (it shows as a 6-character escape): a visible mark.
        kept.append(REPLACEMENT if category == "Cs" else char)
    value = "".join(kept)
    if single_line:
        value = " ".join(value.split())
    if max_len is not None:
        value = truncate(value, max_len)
    return value


def cell_width(text: str) -> int:
    """How many terminal cells `text` takes (a CJK character takes two), as Rich, and so Textual, draws it."""
    if text.isascii():
        return len(text)
    # rich comes with textual; imported lazily so a plain client script need not load it
    from rich.cells import cell_len

    return cell_len(text)


def truncate(text: str, max_len: int) -> str:
    """`text` cut to at most `max_len` terminal cells, marking the cut with an ellipsis (one cell).

    Measured in cells, not code points: twelve CJK characters are 24 cells wide and are cut as such, and a wide
    character is never split in half. At most `max_len` code points too, so zero-width characters cannot make a
    "short" text of any length.
    """
    if max_len <= 0:
        return ""
    if len(text) <= max_len and (text.isascii() or cell_width(text) <= max_len):
        return text
    if text.isascii():
        return text[: max_len - 1] + ELLIPSIS
    kept, used = [], 0
    for char in text[: max_len - 1]:
        width = cell_width(char)
        if used + width > max_len - 1:
            break
        kept.append(char)
        used += width
    return "".join(kept) + ELLIPSIS


def parse_time(value: object) -> datetime | None:
    """An aware UTC datetime from an ISO-8601 string (``Z`` allowed) or epoch seconds/ms; None, never an error."""
    try:
        if isinstance(value, datetime):
            moment = value
        elif isinstance(value, (int, float)) and not isinstance(value, bool) or (
            isinstance(value, str) and value.strip().replace(".", "", 1).isdigit()
        ):
            seconds = float(value)  # type: ignore[arg-type]
            if not math.isfinite(seconds):
                return None
            moment = datetime.fromtimestamp(seconds / 1000 if seconds > 1e12 else seconds, tz=UTC)
        elif isinstance(value, str) and value.strip():
            text = value.strip()
            if text[-1] in "zZ":
                text = text[:-1] + "+00:00"
            moment = datetime.fromisoformat(text)
        else:
            return None
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError, OSError, TypeError):
        return None


def url_host(url: str | None) -> str:
    """host[:port] of a URL without any ``user:password@`` part (safe to show); "" when there is none."""
    try:
        netloc = urlsplit(url or "").netloc
    except ValueError:
        netloc = ""
    return netloc.rpartition("@")[2]

"""Reading a ``Retry-After`` header: delay-seconds or an HTTP-date (RFC 9110 section 10.2.3). Stdlib only."""

from __future__ import annotations

import math
import time
from datetime import UTC

RETRY_AFTER_MAX = 3600.0  # a server asking for more is treated as asking for an hour


def parse_retry_after(value: str | None, *, now: float | None = None, date: str | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header (delay-seconds or an HTTP-date), at most an hour; garbage: None.

    An HTTP-date is measured from the reply's own ``Date`` header when it has one (a server whose clock is off
    still means what it says), else from ``now`` (the local clock); a date already past means "retry now".
    """
    if value is None:
        return None
    text = str(value).strip()
    try:
        seconds = float(text)
    except ValueError:
        seconds = _seconds_until(text, now=now, date=date)
        if seconds is None:
            return None
    if not math.isfinite(seconds) or seconds < 0:
        return None
    return min(seconds, RETRY_AFTER_MAX)


def _http_date(text: str | None) -> float | None:
    """Epoch seconds of an RFC 9110 HTTP-date (IMF-fixdate, RFC 850 or asctime); None when it is not one."""
    if not text or not any(ch.isalpha() for ch in text):
        return None
    # only for the rare HTTP-date: not on every import
    from email.utils import parsedate_to_datetime

    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment.tzinfo is None:  # HTTP-dates are GMT by definition
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _seconds_until(text: str, *, now: float | None, date: str | None) -> float | None:
    moment = _http_date(text)
    if moment is None:
        return None
    reference = _http_date(date)
    if reference is None:
        reference = time.time() if now is None else now
    return max(0.0, moment - reference)

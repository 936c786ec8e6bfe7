"""Key hygiene: show an API key only as its prefix, and scrub full keys out of any text."""

from __future__ import annotations

_ELLIPSIS = "…"
_SHORT_PREFIX = 6
_MIN_HIDDEN = 4  # a prefix never shows the whole key, however short the key is


def key_prefix(key: str) -> str:
    """The part of a key that may be shown: ``kgp_live_3f9a1234…`` → ``kgp_live_3f9a…``.

    Keys shaped ``a_b_rest`` show up to the second underscore plus 4 characters; other keys show
    their first 6 characters. At least 4 characters always stay hidden, so a short key is never shown whole.
    """
    if not key:
        return ""
    first = key.find("_")
    second = key.find("_", first + 1) if first >= 0 else -1
    visible = second + 1 + 4 if second >= 0 else _SHORT_PREFIX
    visible = min(visible, max(0, len(key) - _MIN_HIDDEN))
    return key[:visible] + _ELLIPSIS


def redact(text: str, *keys: str) -> str:
    """Replace every occurrence of each full key (6 characters or longer) in ``text`` by its prefix."""
    if not text:
        return text
    secrets = sorted({k for k in keys if k and len(k) >= 6}, key=len, reverse=True)
    if not secrets:
        return text
    # A replacement can, in adversarial text, join pieces into a new occurrence: repeat until none is left.
    # Every replacement makes the text shorter (a prefix is shorter than its key), so this ends.
    changed = True
    while changed:
        changed = False
        for secret in secrets:
            if secret in text:
                text = text.replace(secret, key_prefix(secret))
                changed = True
    return text

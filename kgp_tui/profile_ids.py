"""Who a row of local state belongs to: the base URL and a one-way digest of the whole key (kgp_tui.persist).

Its own module, without SQLite: the kept catalog is looked up by profile before the first frame, and importing
sqlite3 for it cost ~5 ms of that frame.
"""

from __future__ import annotations

import hashlib

DEMO_PREFIX = "demo|"
LEGACY_PREFIX = "v2:"  # rows of a v2 file, keyed by base URL + key prefix, waiting to be adopted (see _v3)
DIGEST_SCHEME = "sha256:"
_DIGEST_LABEL = b"kgp-tui local state profile\x00"  # fixed and app-specific: this digest matches no other use


def key_digest(api_key: str) -> str:
    """A one-way digest of the whole key: tells two keys apart that share a shown prefix; the key is not in it."""
    return DIGEST_SCHEME + hashlib.sha256(_DIGEST_LABEL + api_key.strip().encode("utf-8")).hexdigest()


def _server(base_url: str) -> str:
    return base_url.strip().rstrip("/")


def profile_id(base_url: str, digest: str, *, demo: bool = False) -> str:
    """Who a row belongs to: base URL + `key_digest(key)`. Anything but a digest is refused, so no key lands here."""
    if not digest.startswith(DIGEST_SCHEME):
        raise ValueError("a profile is keyed by key_digest(key), not by a key or its prefix")
    return f"{DEMO_PREFIX if demo else ''}{_server(base_url)}|{digest}"


def legacy_profile_id(base_url: str, key_prefix: str) -> str:
    """How a v2 file keyed a (non-demo) profile, as _v3 marked it: base URL + the key's shown prefix."""
    return f"{LEGACY_PREFIX}{_server(base_url)}|{key_prefix}"

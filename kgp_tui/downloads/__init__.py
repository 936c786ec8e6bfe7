"""Downloads: a creation's results saved to disk with progress, resume and safe names (issue 13). No Textual.

- ``naming``: file names from labels, kinds, MIME types and URLs, sanitized and never overwriting.
- ``engine``: one file's transfer (httpx streaming into NAME.part, Range resume, the key kept off media hosts).
- ``manager``: the queue (at most three at once), automatic resume after a drop, the journal in the state file.
- ``cli``: ``kgp-tui download CREATION_ID [--dir DIR] [--json]``.
Importing this package imports nothing else: httpx loads only when a download starts.
"""

from __future__ import annotations

from typing import Any

TIMEOUT = 30.0  # seconds without a byte before a transfer gives up (and is resumed)


def http_client(timeout: float = TIMEOUT) -> Any:
    """The client for media: no default headers beyond a User-Agent (so no key), redirects followed by hand."""
    import httpx

    from kgp_tui import __version__
    from kgp_tui.api.tls import tls_context

    return httpx.AsyncClient(timeout=httpx.Timeout(timeout, connect=10.0), follow_redirects=False,
                             headers={"User-Agent": f"kgp-tui/{__version__}"}, verify=tls_context())


def insecure_http_allowed(config: Any) -> bool:
    """allow_insecure_http, globally or for the chosen profile (an unknown profile counts as no)."""
    try:
        return bool(config.allows_insecure_http())
    except Exception:  # noqa: BLE001 - a config without profiles, or an unknown one: the global setting
        return bool(getattr(config, "allow_insecure_http", False))


def api_auth(adapter: Any) -> Any:
    """The API's origin and the headers that carry the key there, from a connected adapter (None if unknown)."""
    from .engine import ApiAuth

    client = getattr(adapter, "client", None)
    base_url = getattr(client, "base_url", None)
    headers = client.key_headers() if client is not None and hasattr(client, "key_headers") else {}
    if not base_url or not headers:
        return None
    return ApiAuth(origin=str(base_url), headers=headers)

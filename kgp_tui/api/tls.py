"""One verifying TLS context per process, shared by every HTTP client (the API's, media downloads, previews)."""

from __future__ import annotations

import functools
import ssl


@functools.cache
def tls_context() -> ssl.SSLContext:
    """httpx's own default context (certifi's bundle, SSL_CERT_FILE/SSL_CERT_DIR honoured). Building one loads the
    CA bundle, about 70 ms, and each client (each connect, a reconnect, a probe, a download) built its own."""
    import httpx

    return httpx.create_ssl_context()

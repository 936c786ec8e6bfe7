"""Client pieces checked without a server: ambiguity of failed POSTs, retry delays, ids, import hygiene.

httpx.MockTransport is used only to drive one function at a time (how a transport failure is classified).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from kgp_tui.api.client import KGPClient, _id, is_ambiguous
from kgp_tui.api.errors import (
    ConnectionFailed,
    MalformedResponse,
    NotFound,
    RateLimited,
    RequestTimeout,
    ServerError,
)

KEY = "kgp_test_5be1c0ffee2d4e6f8a9b"
API_DIR = Path(__file__).resolve().parents[1] / "kgp_tui" / "api"


def raising(exc_type: type[Exception]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc_type("simulated", request=request)

    return httpx.MockTransport(handler)


@pytest.mark.parametrize(
    ("exc_type", "post_ambiguous", "error_type"),
    [
        (httpx.ReadTimeout, True, RequestTimeout),
        (httpx.WriteTimeout, True, RequestTimeout),
        (httpx.ConnectTimeout, False, RequestTimeout),
        (httpx.PoolTimeout, False, RequestTimeout),
        (httpx.ConnectError, False, ConnectionFailed),
        (httpx.ReadError, True, ConnectionFailed),
        (httpx.WriteError, True, ConnectionFailed),
        (httpx.RemoteProtocolError, True, ConnectionFailed),
        (httpx.LocalProtocolError, False, ConnectionFailed),
        (httpx.UnsupportedProtocol, False, ConnectionFailed),
    ],
)
async def test_transport_failures_are_classified(exc_type, post_ambiguous, error_type):
    async with KGPClient("http://kgp.test/openapi/v1", KEY, transport=raising(exc_type)) as client:
        with pytest.raises(error_type) as post:
            await client.create({"type": "slides_video", "prompt": "x"})
        assert type(post.value) is error_type
        assert post.value.ambiguous is post_ambiguous
        assert post.value.status is None and post.value.method == "POST" and post.value.path == "/creations"
        assert post.value.host == "kgp.test"
        assert post.value.__cause__ is None and post.value.__context__ is None
        with pytest.raises(error_type) as get:
            await client.job(5001)
        assert get.value.ambiguous is False
    assert is_ambiguous(exc_type("x"), "POST") is post_ambiguous
    assert is_ambiguous(exc_type("x"), "GET") is False


async def test_edit_read_timeout_is_ambiguous_and_not_retried():
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        raise httpx.ReadTimeout("simulated", request=request)

    client = KGPClient("http://kgp.test", KEY, transport=httpx.MockTransport(handler), get_retries=3)
    with pytest.raises(RequestTimeout) as caught:
        await client.edit(101, {"action": "iterate", "prompt": "again"})
    await client.aclose()
    assert caught.value.ambiguous and caught.value.path == "/creations/101/edit"
    assert calls == ["POST"]


async def test_post_2xx_that_is_not_json_is_ambiguous_malformed():
    transport = httpx.MockTransport(lambda request: httpx.Response(202, text="<html>accepted</html>"))
    async with KGPClient("http://kgp.test", KEY, transport=transport) as client:
        with pytest.raises(MalformedResponse) as caught:
            await client.create({"type": "image", "prompt": "x"})
    assert caught.value.ambiguous and caught.value.status == 202


def test_retry_delays():
    client = KGPClient("http://kgp.test", KEY, backoff_base=0.5, backoff_cap=8.0)
    assert client._retry_delay(RateLimited("x", status=429, retry_after=7), 0) == 7
    assert client._retry_delay(RateLimited("x", status=429, retry_after=600), 0) == 60
    for attempt in range(8):
        delay = client._retry_delay(ServerError("x", status=500), attempt)
        assert 0 <= delay <= min(8.0, 0.5 * 2**attempt)
    assert 0 <= client._retry_delay(ConnectionFailed("x"), 2) <= 2.0
    assert 0 <= client._retry_delay(RateLimited("x", status=429), 1) <= 1.0
    assert client._retry_delay(NotFound("x", status=404), 0) is None
    assert client._retry_delay(MalformedResponse("x"), 0) is None


def test_client_identity_shows_only_the_prefix():
    client = KGPClient("http://user:pw@kgp.test:8443/openapi/v1/", KEY)
    assert client.base_url == "http://user:pw@kgp.test:8443/openapi/v1"
    assert client.key_prefix == "kgp_test_5be1…"
    assert client.host == "kgp.test:8443"
    assert repr(client) == "KGPClient(base_url='http://kgp.test:8443/openapi/v1', key='kgp_test_5be1…')"


def test_keys_that_cannot_be_sent_are_refused_without_echoing_them():
    with pytest.raises(ValueError) as caught:
        KGPClient("http://kgp.test", "kgp_test_bad key\n")
    assert "bad key" not in str(caught.value)
    assert KGPClient("http://kgp.test", f"  {KEY}\n").key_prefix == "kgp_test_5be1…"


def test_ids():
    assert _id(101) == 101 and _id("101") == 101 and _id(7.0) == 7
    for bad in (0, -1, "abc", None, 2.5, True):
        with pytest.raises(ValueError):
            _id(bad)


def _modules_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print('\\n'.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=API_DIR.parents[1]).stdout
    return set(out.split())


def test_importing_the_package_is_cheap_and_textual_free():
    loaded = _modules_after("import kgp_tui.api")
    assert "textual" not in loaded and "httpx" not in loaded and "pydantic" not in loaded


def test_models_errors_payload_do_not_import_httpx_and_nothing_imports_textual():
    loaded = _modules_after("import kgp_tui.api.models, kgp_tui.api.errors, kgp_tui.api.payload, kgp_tui.api.redact")
    assert "httpx" not in loaded and "textual" not in loaded
    client = _modules_after("from kgp_tui.api import KGPClient")
    assert "httpx" in client and "textual" not in client


def test_no_module_in_the_api_package_mentions_textual():
    for path in API_DIR.glob("*.py"):
        assert "import textual" not in path.read_text() and "from textual" not in path.read_text(), path


async def test_a_2xx_of_the_wrong_shape_is_malformed_and_names_the_problem():
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={"status": "running"}))
    async with KGPClient("http://kgp.test", KEY, transport=transport) as client:
        with pytest.raises(MalformedResponse) as caught:
            await client.job(5001)
    assert "job_id" in str(caught.value) and not caught.value.ambiguous
    assert caught.value.__context__ is None


async def test_connection_failure_hints_follow_the_stage():
    for exc_type, stage, words in [(httpx.ConnectError, "connect", "Could not reach"),
                                   (httpx.RemoteProtocolError, "reply", "broke before a full reply"),
                                   (httpx.UnsupportedProtocol, "url", "Check the base URL")]:
        async with KGPClient("http://kgp.test", KEY, transport=raising(exc_type)) as client:
            with pytest.raises(ConnectionFailed) as caught:
                await client.me()
        assert caught.value.stage == stage and words in caught.value.hint


def replying(content: bytes, status: int = 200) -> httpx.MockTransport:
    return httpx.MockTransport(lambda request: httpx.Response(status, content=content))


@pytest.mark.parametrize(
    "content",
    [b"[" * 100_000, b'{"job_id": 0, "status": "running"}', b'{"job_id": -4}', b'{"status": "running"}'],
    ids=["nested-100k", "id-zero", "id-negative", "id-missing"],
)
async def test_replies_that_cannot_be_a_job_are_malformed_not_crashes(content):
    async with KGPClient("http://kgp.test/openapi/v1", KEY, transport=replying(content)) as client:
        with pytest.raises(MalformedResponse):
            await client.job(5001)


async def test_nan_progress_is_read_as_unknown():
    content = b'{"job_id": 5001, "status": "running", "progress_pct": NaN, "current_step": "x"}'
    async with KGPClient("http://kgp.test/openapi/v1", KEY, transport=replying(content)) as client:
        job = await client.job(5001)
    assert job.progress_pct is None and job.current_step == "x"


def test_every_client_shares_one_tls_context_so_the_ca_bundle_loads_once():
    from kgp_tui.api.client import KGPClient
    from kgp_tui.api.tls import tls_context
    from kgp_tui.downloads import http_client

    def context_of(http):
        return http._transport._pool._ssl_context  # httpx 0.28's default transport

    first, second = KGPClient("k", "https://api.example"), KGPClient("k", "https://api.example")
    assert context_of(first._http) is context_of(second._http) is tls_context()
    assert context_of(http_client()) is tls_context()  # media downloads too
    assert tls_context().verify_mode.name == "CERT_REQUIRED" and tls_context().check_hostname

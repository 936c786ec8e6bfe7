"""What goes on the wire from the unified client (a mocked transport, one function each): the Bearer header and no
v1 key header, paths under the base URL without a doubled /v1, a POST never retried while GETs are."""

from __future__ import annotations

import httpx
import pytest

from kgp_tui.api.errors import ServerError
from kgp_tui.api.unified import UnifiedClient

KEY = "kgp_live_3f9a1234567890abcdef"


def recording(status=200, body=b'{"ok": true}'):
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status, content=body, headers={"Content-Type": "application/json"})

    return seen, httpx.MockTransport(handler)


@pytest.mark.parametrize("base", ["https://api.kpainter.ai/openapi/v1", "https://api.kpainter.ai/openapi/v1/"])
async def test_bearer_auth_and_paths_below_the_base_url(base):
    seen, transport = recording()
    async with UnifiedClient(base, KEY, transport=transport) as client:
        await client.get("/capabilities")
    request = seen[0]
    assert str(request.url) == "https://api.kpainter.ai/openapi/v1/capabilities"
    assert request.headers["Authorization"] == f"Bearer {KEY}"
    assert "X-KGP-Api-Key" not in request.headers


async def test_a_post_is_sent_once_even_with_get_retries_and_a_get_is_retried():
    seen, transport = recording(500, b'{"detail": "boom"}')
    async with UnifiedClient("http://127.0.0.1:9/openapi/v1", KEY, transport=transport, get_retries=2,
                             backoff_base=0) as client:
        with pytest.raises(ServerError) as caught:
            await client.post("/creations/cr_1/actions", {"action": "retry", "idempotency_key": "k" * 12})
        assert caught.value.ambiguous and len(seen) == 1
        with pytest.raises(ServerError):
            await client.get("/creations/cr_1")
    assert len(seen) == 1 + 3


async def test_the_key_never_appears_in_an_error_message():
    seen, transport = recording(401, f'{{"detail": "Bearer {KEY} is not valid"}}'.encode())
    async with UnifiedClient("http://127.0.0.1:9/openapi/v1", KEY, transport=transport) as client:
        with pytest.raises(Exception) as caught:
            await client.get("/capabilities")
    assert KEY not in str(caught.value) and "kgp_live_3f9a…" in str(caught.value)


async def test_capabilities_without_an_account_ask_me_and_read_its_answer():
    from kgp_tui.api.unified import UnifiedAdapter

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/capabilities"):
            return httpx.Response(200, json={"products": [{"type": "app"}]})
        if request.url.path.endswith("/me"):
            return httpx.Response(200, json={"displayName": "Ada", "can_create": False, "credits": {"balance": 0}})
        return httpx.Response(404, json={"detail": "no"})

    adapter = UnifiedAdapter.open("http://127.0.0.1:9/openapi/v1", KEY, transport=httpx.MockTransport(handler))
    try:
        account = await adapter.account()
    finally:
        await adapter.aclose()
    assert account.display_name == "Ada" and account.credits == 0 and not account.may_create
    assert account.key_prefix == "kgp_live_3f9a…"


async def test_a_server_that_echoes_the_whole_key_as_its_prefix_never_gets_it_shown():
    from kgp_tui.api.unified import UnifiedAdapter

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"account": {"display_name": "Ada", "key_prefix": KEY}, "products": []})

    adapter = UnifiedAdapter.open("http://127.0.0.1:9/openapi/v1", KEY, transport=httpx.MockTransport(handler))
    try:
        account = await adapter.account()
    finally:
        await adapter.aclose()
    assert account.key_prefix == "kgp_live_3f9a…" and KEY not in account.label

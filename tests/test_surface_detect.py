"""Finding the surface at connect (kgp-api-unified.md §5), against real simulators on loopback: GET /capabilities
200 → unified, 404 → v1 (/me, then /catalog), 401 → the key is refused, anything else → a connection error."""

from __future__ import annotations

import socket

import pytest
from support import TEST_KEY

from kgp_tui.api.errors import AuthError, ConnectionFailed, NotFound, SurfaceUnknown
from kgp_tui.api.surface import connect
from kgp_tui.simulator import Simulator


@pytest.fixture(params=["v1", "unified"])
def any_sim(request):
    with Simulator(api_key=TEST_KEY, step_seconds=0.05, surface=request.param) as server:
        yield server


@pytest.fixture
def usim():
    with Simulator(api_key=TEST_KEY, step_seconds=0.05, surface="unified") as server:
        yield server


def base(server, suffix="/openapi/v1"):
    return f"http://{server.host}:{server.port}{suffix}"


def paths(server):
    return [(method, path) for method, path, _status in server.request_log]


async def test_a_v1_only_server_is_v1_after_one_404_and_is_asked_me_then_catalog(sim):
    connection = await connect(base(sim), TEST_KEY)
    try:
        assert connection.surface == "v1" and connection.adapter.name == "v1"
        assert connection.account.display_name == "Ada" and connection.account.may_create
        assert connection.offer.product("slides_video") is not None
        assert [p for _m, p in paths(sim)] == ["/openapi/v1/capabilities", "/openapi/v1/me", "/openapi/v1/catalog"]
    finally:
        await connection.adapter.aclose()


async def test_a_unified_only_server_is_unified_and_capabilities_are_read_once(usim):
    connection = await connect(base(usim), TEST_KEY)
    try:
        assert connection.surface == "unified"
        assert {p.type for p in connection.offer.products} >= {"video", "image", "app"}
        assert connection.account.key_prefix.startswith("kgp_test_") and connection.account.may_create
        assert [p for _m, p in paths(usim)] == ["/openapi/v1/capabilities"]
    finally:
        await connection.adapter.aclose()


async def test_a_refused_key_on_either_surface_is_an_auth_error(any_sim):
    with pytest.raises(AuthError) as caught:
        await connect(base(any_sim), TEST_KEY + "_wrong")
    assert TEST_KEY not in str(caught.value) and TEST_KEY not in caught.value.hint


async def test_a_key_refused_by_scenario_on_either_surface(any_sim):
    any_sim.set_scenario("reject_key")
    with pytest.raises(AuthError):
        await connect(base(any_sim), TEST_KEY)


@pytest.mark.parametrize("scenario", ["server_error", "bad_gateway", "rate_limit"])
async def test_a_failing_capabilities_is_a_connection_error_not_a_guess(any_sim, scenario):
    any_sim.set_scenario(scenario, path="/capabilities")
    with pytest.raises(SurfaceUnknown) as caught:
        await connect(base(any_sim), TEST_KEY)
    assert isinstance(caught.value, ConnectionFailed)
    assert "Could not tell which KPainter API" in str(caught.value)
    assert [p for _m, p in paths(any_sim)] == ["/openapi/v1/capabilities"]  # no v1 call after an unclear answer


async def test_a_garbled_200_on_capabilities_is_a_connection_error_but_a_garbled_404_is_still_v1(any_sim):
    any_sim.set_scenario("malformed_json", path="/capabilities")
    if any_sim.surface == "unified":
        with pytest.raises(SurfaceUnknown, match="not JSON"):
            await connect(base(any_sim), TEST_KEY)
    else:  # the status decides: a 404 says v1 whatever its body
        connection = await connect(base(any_sim), TEST_KEY)
        await connection.adapter.aclose()
        assert connection.surface == "v1"


async def test_a_dropped_connection_on_capabilities_is_a_connection_error(any_sim):
    any_sim.set_scenario("drop_connection", path="/capabilities")
    with pytest.raises(ConnectionFailed):
        await connect(base(any_sim), TEST_KEY)


async def test_a_base_url_that_is_not_the_api_says_so(any_sim):
    with pytest.raises(SurfaceUnknown, match="neither GET /capabilities nor GET /me"):
        await connect(base(any_sim, "/somewhere"), TEST_KEY)


async def test_nothing_listening_is_a_connection_error():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ConnectionFailed) as caught:
        await connect(f"http://127.0.0.1:{port}/openapi/v1", TEST_KEY)
    assert not isinstance(caught.value, SurfaceUnknown)


async def test_a_forced_surface_skips_detection(any_sim):
    other = "v1" if any_sim.surface == "unified" else "unified"
    connection = await connect(base(any_sim), TEST_KEY, surface=any_sim.surface)
    await connection.adapter.aclose()
    assert connection.surface == any_sim.surface
    expected = {"v1": ["/openapi/v1/me", "/openapi/v1/catalog"], "unified": ["/openapi/v1/capabilities"]}
    assert [p for _m, p in paths(any_sim)] == expected[any_sim.surface]
    with pytest.raises(NotFound):  # forced to the surface this server does not speak
        await connect(base(any_sim), TEST_KEY, surface=other)


async def test_an_unknown_surface_setting_is_refused_before_any_request(sim):
    with pytest.raises(ValueError, match="auto, v1 or unified"):
        await connect(base(sim), TEST_KEY, surface="v2")
    assert paths(sim) == []


async def test_a_read_only_key_connects_on_either_surface_and_is_told_why_it_cannot_create(any_sim):
    connection = await connect(base(any_sim), any_sim.readonly_key)
    await connection.adapter.aclose()
    assert connection.surface == any_sim.surface
    assert not connection.account.may_create and "cannot create" in connection.account.why_not
    assert connection.offer.products  # it may still look at what can be made


async def test_a_key_without_credits_gets_insufficient_credits_on_create_on_either_surface(any_sim):
    from kgp_tui.api.errors import InsufficientCredits

    connection = await connect(base(any_sim), any_sim.no_credit_key)
    try:
        product = connection.offer.products[0]
        values = {**product.defaults(), "prompt": "Explain attention"}
        with pytest.raises(InsufficientCredits) as caught:
            await connection.adapter.create(product, values)
        assert not caught.value.ambiguous and "Nothing was created" in caught.value.hint
    finally:
        await connection.adapter.aclose()


async def test_a_remembered_surface_is_tried_first_and_a_404_from_it_detects_again(any_sim):
    same = await connect(base(any_sim), TEST_KEY, remembered=any_sim.surface)
    await same.adapter.aclose()
    assert same.surface == any_sim.surface
    expected = {"v1": ["/openapi/v1/me", "/openapi/v1/catalog"], "unified": ["/openapi/v1/capabilities"]}
    assert [p for _m, p in paths(any_sim)] == expected[any_sim.surface]  # no detection round trip
    any_sim.reset_stats()
    other = "v1" if any_sim.surface == "unified" else "unified"
    moved = await connect(base(any_sim), TEST_KEY, remembered=other)  # the server changed surface since
    await moved.adapter.aclose()
    assert moved.surface == any_sim.surface


async def test_a_refused_key_with_a_remembered_surface_is_still_an_auth_error(any_sim):
    with pytest.raises(AuthError):
        await connect(base(any_sim), TEST_KEY + "_wrong", remembered=any_sim.surface)


async def test_a_404_from_the_catalog_after_me_is_that_404_not_a_wrong_base_url():
    import httpx

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/me"):
            return httpx.Response(200, json={"key_scope": "user", "can_create": True})
        return httpx.Response(404, json={"detail": {"code": "not_found", "message": "No such endpoint"}})

    with pytest.raises(NotFound) as caught:
        await connect("http://127.0.0.1:9/openapi/v1", TEST_KEY, transport=httpx.MockTransport(handler))
    assert not isinstance(caught.value, SurfaceUnknown) and caught.value.path == "/catalog"

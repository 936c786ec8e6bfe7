"""The simulator's ETag on GET /catalog (v1) and GET /capabilities (unified): 304 when If-None-Match names it."""

from __future__ import annotations

import pytest
from support import TEST_KEY
from support.http import call


@pytest.fixture(params=[("v1", "/catalog"), ("unified", "/capabilities")], ids=["v1", "unified"])
def offer(request):
    from kgp_tui.simulator import Simulator

    surface, path = request.param
    with Simulator(api_key=TEST_KEY, surface=surface) as server:
        yield server, path


def test_the_offer_has_a_strong_etag_and_a_304_when_it_is_named(offer):
    sim, path = offer
    first = call(sim, "GET", path)
    etag = first.headers["ETag"]
    assert first.status == 200 and etag.startswith('"') and etag.endswith('"') and first.json()
    assert call(sim, "GET", path).headers["ETag"] == etag  # the same offer, the same tag
    again = call(sim, "GET", path, headers={"If-None-Match": f'"other", {etag}'})
    assert (again.status, again.raw, again.headers["ETag"]) == (304, b"", etag)
    stale = call(sim, "GET", path, headers={"If-None-Match": '"not-this-one"'})
    assert stale.status == 200 and stale.json() == first.json()


def test_a_refused_key_gets_401_whatever_it_names(offer):
    sim, path = offer
    etag = call(sim, "GET", path).headers["ETag"]
    assert call(sim, "GET", path, key="kgp_live_wrong", headers={"If-None-Match": etag}).status == 401

"""The kept offer is revalidated, not read whole (issue 15): the next connect sends the ETag the server gave it
(`If-None-Match`), and a 304 makes the kept offer the connection's own; a changed offer, or a server that sends no
ETag, is read whole as before. Against the simulator over HTTP, on both surfaces."""

from __future__ import annotations

from dataclasses import replace

import pytest
from support import TEST_KEY
from support.app import connected_app_on_catalog, make_app, open_type, submit_prompt, wait_for

from kgp_tui.api.surface import connect

OFFER_PATH = {"v1": "/catalog", "unified": "/capabilities"}
PRODUCT = {"v1": "slides_video", "unified": "app"}


def offer_replies(sim) -> list[int | None]:
    return [status for method, path, status in sim.request_log if method == "GET" and path.endswith(OFFER_PATH[sim.surface])]


async def connected(sim, kept=None):
    connection = await connect(sim.base_url, TEST_KEY, sim.surface, kept=kept, get_retries=0, timeout=10)
    return connection


async def test_a_kept_offer_the_server_still_has_is_not_sent_again(surface_sim):
    first = await connected(surface_sim)
    await first.adapter.aclose()
    assert first.offer.etag, "the simulator tags its offer"
    second = await connected(surface_sim, kept=first.offer)
    try:
        assert offer_replies(surface_sim) == [200, 304]
        assert second.offer is first.offer
        # what the kept offer stands for still works: the body of a create is the one a fresh read gives
        fresh = await connected(surface_sim)
        product = second.offer.product(PRODUCT[surface_sim.surface])
        values = {**product.defaults(), "prompt": "A lesson on tides"}
        assert second.adapter.validate(product, values) == {}
        assert second.adapter.build_create_body(product, values) == fresh.adapter.build_create_body(
            fresh.offer.product(product.type), values)
        await fresh.adapter.aclose()
    finally:
        await second.adapter.aclose()


async def test_an_offer_changed_since_is_read_whole(surface_sim):
    first = await connected(surface_sim)
    await first.adapter.aclose()
    stale = replace(first.offer, etag='"from-another-day"')
    second = await connected(surface_sim, kept=stale)
    try:
        assert offer_replies(surface_sim) == [200, 200]
        assert second.offer is not stale and second.offer == first.offer and second.offer.etag == first.offer.etag
    finally:
        await second.adapter.aclose()


async def test_a_server_without_etags_is_read_whole_every_time(surface_sim):
    surface_sim.set_scenario("no_etag")
    first = await connected(surface_sim)
    await first.adapter.aclose()
    assert first.offer.etag is None
    kept = replace(first.offer, etag='"one-it-never-gave"')  # even if one was kept: the server answers whole
    second = await connected(surface_sim, kept=kept)
    try:
        assert offer_replies(surface_sim) == [200, 200]
        assert second.offer is not kept and second.offer == first.offer
    finally:
        await second.adapter.aclose()


@pytest.mark.parametrize("surface_sim", ["v1", "unified"], indirect=True)
async def test_the_second_start_revalidates_and_a_create_from_the_kept_offer_goes_through(surface_sim, tmp_path):
    from kgp_tui import offer_cache
    from kgp_tui.persist import key_digest, profile_id

    app = make_app(surface_sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=(120, 40)) as pilot:
        await connected_app_on_catalog(pilot)
        profile = profile_id(surface_sim.base_url, key_digest(TEST_KEY))
        await wait_for(pilot, lambda: offer_cache.load(profile) is not None, what="the offer kept")
    again = make_app(surface_sim, tmp_path, key=TEST_KEY)
    async with again.run_test(size=(120, 40)) as pilot:
        await connected_app_on_catalog(pilot)
        assert offer_replies(surface_sim) == [200, 304]
        await open_type(pilot, PRODUCT[surface_sim.surface])
        await submit_prompt(pilot, "Made from the kept catalog")
        await wait_for(pilot, lambda: any(t.title == "Made from the kept catalog" for t in again.store.runs.values()),
                       what="the creation tracked")

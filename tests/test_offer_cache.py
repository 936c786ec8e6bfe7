"""kgp_tui.offer_cache: what a profile's server offered last time, read back whole, or not at all."""

from __future__ import annotations

import json
import os
import stat

import pytest
from support import TEST_KEY

from kgp_tui import offer_cache
from kgp_tui.api.surface import connect
from kgp_tui.persist import key_digest, profile_id


@pytest.fixture
async def found(surface_sim):
    """What a real connect to the simulator found: (profile, account, offer)."""
    connection = await connect(surface_sim.base_url, TEST_KEY)
    await connection.adapter.aclose()
    return profile_id(surface_sim.base_url, key_digest(TEST_KEY)), connection.account, connection.offer


async def test_what_is_kept_reads_back_equal_on_either_surface(found, tmp_path):
    profile, account, offer = found
    offer_cache.save(profile, account, offer, root=tmp_path, now=1234.5)
    kept = offer_cache.load(profile, root=tmp_path)
    assert kept is not None
    assert kept.offer == offer and kept.account == account and kept.surface == offer.surface
    assert kept.offer.raw == offer.raw and kept.saved_at == 1234.5
    assert [p.type for p in kept.offer.products] == [p.type for p in offer.products]


async def test_the_file_is_the_users_alone_and_holds_no_key(found, tmp_path):
    profile, account, offer = found
    offer_cache.save(profile, account, offer, root=tmp_path)
    [path] = list(tmp_path.glob("*.json"))
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert TEST_KEY not in path.read_text(encoding="utf-8")
    assert not list(tmp_path.glob("*.tmp"))  # written whole, then renamed


async def test_a_file_that_does_not_read_is_a_miss(found, tmp_path):
    profile, account, offer = found
    assert offer_cache.load(profile, root=tmp_path) is None  # never saved
    offer_cache.save(profile, account, offer, root=tmp_path)
    [path] = list(tmp_path.glob("*.json"))
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: len(text) // 2], encoding="utf-8")  # a torn write
    assert offer_cache.load(profile, root=tmp_path) is None
    data = json.loads(text)
    for changed in ({**data, "version": 99}, {**data, "profile": "another|sha256:00"},
                    {**data, "offer": {"surface": "v3"}}, {**data, "account": None}, [1, 2]):
        path.write_text(json.dumps(changed), encoding="utf-8")
        assert offer_cache.load(profile, root=tmp_path) is None, changed


async def test_forget_drops_it_and_a_failed_save_raises_nothing(found, tmp_path):
    profile, account, offer = found
    offer_cache.save(profile, account, offer, root=tmp_path)
    offer_cache.forget(profile, root=tmp_path)
    assert offer_cache.load(profile, root=tmp_path) is None
    offer_cache.forget(profile, root=tmp_path)  # nothing to drop: no error
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    offer_cache.save(profile, account, offer, root=blocker / "offers")  # its folder cannot be made
    assert offer_cache.load(profile, root=blocker / "offers") is None

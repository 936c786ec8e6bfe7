"""Whose rows are whose in the state file: profiles keyed by a digest of the whole key, and the v2 → v3 upgrade."""

from __future__ import annotations

import sqlite3

import pytest
from support import TEST_KEY

from kgp_tui import persist
from kgp_tui.api.redact import key_prefix
from kgp_tui.persist import LocalStore, key_digest, legacy_profile_id, profile_id

BASE = "http://127.0.0.1:8765/openapi/v1"
TWIN_KEY = TEST_KEY + "_nocredit"  # another account's key with the same shown prefix


def write_v2_file(path, rows_by_profile: dict[str, int]) -> None:
    """A state file as kgp-tui v2 wrote it: its schema steps only, one job/creation/draft/recent per profile."""
    conn = sqlite3.connect(path, isolation_level=None)
    for number, step in enumerate(persist.MIGRATIONS[:2]):
        step(conn)
        conn.execute(f"PRAGMA user_version = {number + 1}")
    for profile, job_id in rows_by_profile.items():
        conn.execute("INSERT INTO jobs (profile, job_id, status, data) VALUES (?, ?, 'running', '{}')",
                     (profile, job_id))
        conn.execute("INSERT INTO creations VALUES (?, ?, ?, 0)", (profile, job_id - 4900, '{"creation_id": 1}'))
        conn.execute("INSERT INTO drafts VALUES (?, 'image', ?, 0)", (profile, f'{{"prompt": "{profile}"}}'))
        conn.execute("INSERT INTO recent VALUES (?, ?, 1.0)", (profile, job_id - 4900))
    conn.close()


def test_keys_sharing_a_prefix_get_different_profiles_and_neither_key_is_in_them():
    assert key_prefix(TWIN_KEY) == key_prefix(TEST_KEY)
    mine, theirs = profile_id(BASE, key_digest(TEST_KEY)), profile_id(BASE, key_digest(TWIN_KEY))
    assert mine != theirs
    assert mine == profile_id(BASE + "/", key_digest(TEST_KEY))  # the same key and server: the same profile
    hidden = TEST_KEY[len(key_prefix(TEST_KEY)) - 1:]  # the part of the key a prefix never shows
    assert TEST_KEY not in mine and hidden not in mine and key_prefix(TEST_KEY) not in mine
    assert key_digest(TEST_KEY).startswith("sha256:") and len(key_digest(TEST_KEY)) == len("sha256:") + 64


def test_a_key_or_a_prefix_is_refused_as_a_profile():
    for not_a_digest in (TEST_KEY, key_prefix(TEST_KEY), ""):
        with pytest.raises(ValueError):
            profile_id(BASE, not_a_digest)


def test_a_v2_file_upgrades_and_its_rows_are_adopted_once_by_the_first_key(tmp_path):
    path = tmp_path / "state.sqlite3"
    old = f"{BASE}|{key_prefix(TEST_KEY)}"
    old_demo = f"demo|http://127.0.0.1:40001/openapi/v1|{key_prefix('kgp_demo_key')}"
    elsewhere = f"https://api.kpainter.ai/openapi/v1|{key_prefix(TEST_KEY)}"
    write_v2_file(path, {old: 5001, old_demo: 5002, elsewhere: 5003})

    db = LocalStore.open(path)
    assert db.notice == ""  # upgraded in place
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == persist.schema_version() == 5
    assert db.profiles() == sorted(["v2:" + old, "v2:" + elsewhere])  # the dead demo's rows are dropped

    mine, twin = profile_id(BASE, key_digest(TEST_KEY)), profile_id(BASE, key_digest(TWIN_KEY))
    db.save(mine, drafts=[("image", {"prompt": "typed after the upgrade"})])
    assert db.adopt(legacy_profile_id(BASE, key_prefix(TEST_KEY)), mine) == 3  # job, creation, recent
    snap = db.load(mine)
    assert [j["job_id"] for j in snap.jobs] == ["5001"] and snap.recent == [("101", 1.0)]
    assert snap.drafts == {"image": {"prompt": "typed after the upgrade"}}  # the newer row wins
    assert db.adopt(legacy_profile_id(BASE, key_prefix(TWIN_KEY)), twin) == 0  # once: nothing left for the twin
    assert db.load(twin).jobs == []
    assert "v2:" + elsewhere in db.profiles()  # another server's old rows wait for their own key


def test_a_newer_row_of_the_profile_wins_over_the_adopted_one(tmp_path):
    path = tmp_path / "state.sqlite3"
    write_v2_file(path, {f"{BASE}|{key_prefix(TEST_KEY)}": 5001})
    db = LocalStore.open(path)
    mine = profile_id(BASE, key_digest(TEST_KEY))
    db.save(mine, jobs=[{"job_id": 5001, "status": "succeeded", "data": {"job_id": 5001}}])
    db.adopt(legacy_profile_id(BASE, key_prefix(TEST_KEY)), mine)
    assert [(j["job_id"], j["status"]) for j in db.load(mine).jobs] == [("5001", "succeeded")]
    assert db.profiles() == [mine]

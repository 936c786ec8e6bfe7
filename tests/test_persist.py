"""The local state file (kgp_tui.persist): round trip, profiles, migrations, damage, and no key on disk."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time

import pytest
from support import TEST_KEY

from kgp_tui import persist
from kgp_tui.api.redact import key_prefix
from kgp_tui.persist import LocalStore, key_digest, legacy_profile_id, profile_id

BASE = "http://127.0.0.1:8765/openapi/v1"
PROFILE = profile_id(BASE, key_digest(TEST_KEY))


def job_row(job_id: int, status: str = "running", **extra) -> dict:
    data = {"job_id": job_id, "creation_id": job_id - 4900, "kind": "create", "status": status,
            "progress_pct": 40.0, "current_step": "Writing script"}
    row = {"job_id": job_id, "creation_id": job_id - 4900, "kind": "create", "action": None, "scene": None,
           "type_name": "explainer_video", "title": "Photosynthesis", "status": status, "progress": 40.0,
           "step": "Writing script", "error": None, "created_at": "2026-01-01T10:00:00Z", "updated_at": None,
           "finished_at": None, "first_seen": 1.0, "received_at": 2.0, "data": data}
    row.update(extra)
    return row


def test_round_trip_of_jobs_creations_drafts_and_recent(tmp_path):
    path = tmp_path / "state.sqlite3"
    db = LocalStore.open(path)
    db.save(PROFILE, jobs=[job_row(5009, label="narration scene 3")])
    assert [j["label"] for j in db.load(PROFILE).jobs] == ["narration scene 3"]
    db.close()
    path.unlink()
    db = LocalStore.open(path)
    error = {"code": "render_failed", "message": "GPU ran out of \x1b[2J memory [bold]"}
    db.save(PROFILE, jobs=[job_row(5001), job_row(5002, "failed", error=error)],
            creations=[(101, {"creation_id": 101, "title": "Ünïcode ✓ עברית", "scenes": [{"scene_id": "sc_101_1"}]})],
            drafts=[("explainer_video", {"prompt": "Why is the sky blue?", "duration": 60, "voice_id": None})])
    db.viewed(PROFILE, 101, 100.0)
    db.viewed(PROFILE, 102, 200.0)
    db.save(PROFILE, jobs=[job_row(5001, "succeeded", progress=100.0)])  # an update replaces the row
    db.close()

    snap = LocalStore.open(path).load(PROFILE)
    assert [(j["job_id"], j["status"]) for j in snap.jobs] == [("5001", "succeeded"), ("5002", "failed")]
    assert snap.jobs[0]["progress"] == 100.0 and snap.jobs[0]["type_name"] == "explainer_video"
    assert snap.jobs[1]["error"] == error  # server text is stored as data, byte for byte
    assert snap.jobs[1]["data"]["job_id"] == 5002
    assert snap.creations == [{"creation_id": 101, "title": "Ünïcode ✓ עברית", "scenes": [{"scene_id": "sc_101_1"}]}]
    assert snap.drafts == {"explainer_video": {"prompt": "Why is the sky blue?", "duration": 60, "voice_id": None}}
    assert snap.recent == [("102", 200.0), ("101", 100.0)]  # ids are text, whatever the surface


def test_profiles_are_isolated(tmp_path):
    db = LocalStore.open(tmp_path / "state.sqlite3")
    other_key = profile_id(BASE, key_digest("kgp_live_abcd99999999999"))
    other_server = profile_id("https://api.kpainter.ai/openapi/v1/", key_digest(TEST_KEY))
    db.save(PROFILE, jobs=[job_row(5001)], drafts=[("image", {"prompt": "mine"})])
    db.save(other_key, jobs=[job_row(6001)])
    db.save(other_server, drafts=[("image", {"prompt": "theirs"})])
    assert [j["job_id"] for j in db.load(PROFILE).jobs] == ["5001"]
    assert [j["job_id"] for j in db.load(other_key).jobs] == ["6001"]
    assert db.load(other_server).drafts == {"image": {"prompt": "theirs"}}
    assert db.load(PROFILE).drafts == {"image": {"prompt": "mine"}}
    assert profile_id(BASE + "/", key_digest("k")) == profile_id(BASE, key_digest("k"))  # the same server


def test_forget_profiles_drops_old_demo_runs_only(tmp_path):
    db = LocalStore.open(tmp_path / "state.sqlite3")
    old_demo = profile_id("http://127.0.0.1:40001/openapi/v1", key_digest("kgp_demo_key"), demo=True)
    new_demo = profile_id("http://127.0.0.1:40002/openapi/v1", key_digest("kgp_demo_key"), demo=True)
    # the same demo run, another of its accounts (F4 with the no-credit key): kept, as the account's own rows
    other_account = profile_id("http://127.0.0.1:40002/openapi/v1", key_digest("kgp_demo_key_nocredit"), demo=True)
    for profile in (old_demo, new_demo, other_account, PROFILE):
        db.save(profile, jobs=[job_row(5001)])
        db.viewed(profile, 101, 1.0)
    db.forget_profiles(persist.DEMO_PREFIX, keep=new_demo.rsplit("|", 1)[0] + "|")
    assert db.profiles() == sorted([new_demo, other_account, PROFILE])


def test_recent_keeps_only_the_newest(tmp_path):
    db = LocalStore.open(tmp_path / "state.sqlite3")
    for n in range(persist.RECENT_KEPT + 5):
        db.viewed(PROFILE, 100 + n, float(n))
    recent = db.load(PROFILE).recent
    assert len(recent) == persist.RECENT_KEPT and recent[0] == (str(100 + persist.RECENT_KEPT + 4),
                                                                persist.RECENT_KEPT + 4.0)


def test_new_file_is_wal_at_the_current_version(tmp_path):
    path = tmp_path / "deep" / "dir" / "state.sqlite3"
    LocalStore.open(path).close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == persist.schema_version() == 5
    tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"jobs", "creations", "drafts", "recent", "surfaces", "downloads"} <= tables


def test_migration_from_an_older_version_keeps_the_rows(tmp_path, monkeypatch):
    path = tmp_path / "state.sqlite3"
    old_profile = f"{BASE}|{key_prefix(TEST_KEY)}"  # how v1 and v2 keyed a profile
    # a v1 file, as the first version wrote it (no label column yet)
    conn = sqlite3.connect(path, isolation_level=None)
    monkeypatch.setattr(persist, "MIGRATIONS", persist.MIGRATIONS[:1])
    persist.migrate(conn)
    columns = [c for c in persist.JOB_COLUMNS if c != "label"]
    row = {**job_row(5001), "data": "{}", "error": None}
    conn.execute(f"INSERT INTO jobs (profile, {', '.join(columns)}) VALUES ({', '.join('?' * (len(columns) + 1))})",
                 (old_profile, *(row.get(c) for c in columns)))
    conn.execute("INSERT INTO creations VALUES (?, 101, ?, 0)", (old_profile, '{"creation_id": 101}'))
    conn.close()
    monkeypatch.undo()

    db = LocalStore.open(path)
    assert db.notice == ""  # an older file is upgraded in place, not moved aside
    db.adopt(legacy_profile_id(BASE, key_prefix(TEST_KEY)), PROFILE)  # the key's first connect (v3)
    snap = db.load(PROFILE)
    assert [(j["job_id"], j["label"]) for j in snap.jobs] == [("5001", "")]
    assert snap.creations == [{"creation_id": 101}]
    db.close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == persist.schema_version()


def test_a_failing_migration_step_rolls_back_to_the_last_good_version(tmp_path, monkeypatch):
    path = tmp_path / "state.sqlite3"
    LocalStore.open(path).close()

    def broken(conn):
        conn.execute("CREATE TABLE half_done (x)")
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(persist, "MIGRATIONS", [*persist.MIGRATIONS, broken])
    conn = sqlite3.connect(path, isolation_level=None)
    with pytest.raises(sqlite3.OperationalError):
        persist.migrate(conn)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == persist.schema_version() - 1
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'half_done'").fetchone()[0] == 0


def test_corrupt_file_is_moved_aside_and_a_fresh_one_started(tmp_path):
    path = tmp_path / "state.sqlite3"
    path.write_bytes(b"this is not a database\x00" * 200)
    db = LocalStore.open(path, now=lambda: 1_795_000_000.0)
    assert "cannot read it" in db.notice and ".corrupt-" in db.notice and "\n" not in db.notice
    moved = [p.name for p in tmp_path.iterdir() if ".corrupt-" in p.name]
    assert len(moved) == 1 and moved[0] in db.notice
    assert (tmp_path / moved[0]).read_bytes().startswith(b"this is not a database")
    db.save(PROFILE, jobs=[job_row(5001)])  # the fresh file works
    assert [j["job_id"] for j in db.load(PROFILE).jobs] == ["5001"]


def test_damaged_pages_are_found_and_moved_aside(tmp_path):
    path = tmp_path / "state.sqlite3"
    db = LocalStore.open(path)
    db.save(PROFILE, jobs=[job_row(5000 + n) for n in range(300)])
    db.close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    raw = bytearray(path.read_bytes())
    page = 4096
    raw[2 * page: 4 * page] = b"\xff" * (2 * page)  # scribble over two pages of table data
    path.write_bytes(bytes(raw))
    db = LocalStore.open(path)
    assert ".corrupt-" in db.notice
    assert db.load(PROFILE).jobs == []


def test_newer_version_is_moved_aside_not_touched(tmp_path):
    path = tmp_path / "state.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE future (x)")
    conn.execute("PRAGMA user_version = 99")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    db = LocalStore.open(path)
    assert "newer kgp-tui" in db.notice and "v99" in db.notice and ".newer-" in db.notice
    moved = [p for p in tmp_path.iterdir() if ".newer-" in p.name and not p.name.endswith(("-wal", "-shm"))]
    assert len(moved) == 1 and moved[0].read_bytes() == before  # kept as it was, for the newer kgp-tui
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == persist.schema_version()


def test_a_file_another_handle_keeps_locked_is_left_alone_and_this_run_keeps_state_in_memory(tmp_path, monkeypatch):
    monkeypatch.setattr(persist, "BUSY_WAIT", 0.2)
    path = tmp_path / "state.sqlite3"
    first = LocalStore.open(path)
    first.save(PROFILE, jobs=[job_row(5001)])
    first.close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")  # readers too are kept out until it ends
    try:
        db = LocalStore.open(path)
        assert db.path is None and "left as it is" in db.notice and "nothing will be kept" in db.notice
        assert [p.name for p in tmp_path.iterdir() if ".corrupt-" in p.name] == []
        db.save(PROFILE, drafts=[("image", {"prompt": "this run only"})])
        assert db.load(PROFILE).drafts == {"image": {"prompt": "this run only"}}
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    again = LocalStore.open(path)
    assert not again.notice and [j["job_id"] for j in again.load(PROFILE).jobs] == ["5001"]
    again.close()


def test_a_file_locked_for_a_moment_is_waited_for_not_given_up(tmp_path):
    path = tmp_path / "state.sqlite3"
    LocalStore.open(path).close()
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    release = threading.Timer(0.3, lambda: (holder.execute("ROLLBACK"), holder.close()))
    release.start()
    try:
        db = LocalStore.open(path)
        assert db.path == path and not db.notice
        db.close()
    finally:
        release.join()


def test_unusable_location_falls_back_to_memory_with_a_notice(tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the data dir should be")
    db = LocalStore.open(blocker / "state.sqlite3")
    assert db.path is None and "nothing will be kept" in db.notice
    db.save(PROFILE, drafts=[("image", {"prompt": "still works this run"})])
    assert db.load(PROFILE).drafts == {"image": {"prompt": "still works this run"}}


def test_the_key_never_reaches_the_file(tmp_path):
    path = tmp_path / "state.sqlite3"
    db = LocalStore.open(path)
    profile = profile_id(BASE, key_digest(TEST_KEY))
    assert TEST_KEY not in profile and TEST_KEY[len(key_prefix(TEST_KEY)) - 1:] not in profile
    db.save(profile, jobs=[job_row(5001)], creations=[(101, {"creation_id": 101})],
            drafts=[("image", {"prompt": "p"})])
    db.viewed(profile, 101, 1.0)
    db.close()
    secret = TEST_KEY.encode()
    hidden = TEST_KEY[len(key_prefix(TEST_KEY)) - 1:].encode()  # the part after the shown prefix
    for file in tmp_path.iterdir():
        data = file.read_bytes()
        assert secret not in data and hidden not in data, file.name


def test_locate_names_the_state_file(isolated_dirs):
    result = subprocess.run([sys.executable, "-m", "kgp_tui", "locate"], capture_output=True, text=True,
                            timeout=60, env={**os.environ, "XDG_DATA_HOME": str(isolated_dirs / "data")})
    assert f"state:  {isolated_dirs / 'data' / 'kgp-tui' / 'state.sqlite3'}" in result.stdout


WRITER = textwrap.dedent(
    """
    import sys
    from kgp_tui.persist import LocalStore
    db = LocalStore.open(sys.argv[1])
    n = 0
    while True:
        n += 1
        rows = [{"job_id": n * 10 + i, "status": "running", "progress": float(i), "data": {"x": "y" * 2000}}
                for i in range(10)]
        db.save("p", jobs=rows, creations=[(n, {"creation_id": n, "blob": "z" * 5000})])
        print(n, flush=True)  # committed: the parent counts this as durable
    """
)


def test_kill_9_in_the_middle_of_writes_leaves_a_sound_file(tmp_path):
    path = tmp_path / "state.sqlite3"
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True)
    committed = 0
    try:
        deadline = time.monotonic() + 60
        while committed < 200 and time.monotonic() < deadline:  # well into a stream of writes
            line = proc.stdout.readline()
            if not line:
                break
            committed = int(line)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert committed >= 200, "the writer did not get going"
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    db = LocalStore.open(path)
    assert db.notice == ""
    snap = db.load("p")
    ids = {j["job_id"] for j in snap.jobs}
    assert all(str(n * 10 + i) in ids for n in range(1, committed + 1) for i in range(10))  # every reported commit
    assert {c["creation_id"] for c in snap.creations} >= set(range(1, committed + 1))

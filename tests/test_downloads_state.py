"""The state file's downloads table (what a restart resumes), and two processes opening the file at once (the app
and `kgp-tui download`, or the app's own two handles): neither may take the other's migration for corruption."""

from __future__ import annotations

import sqlite3
import threading

from kgp_tui import persist
from kgp_tui.persist import LocalStore


def test_download_rows_round_trip_and_drop(tmp_path):
    db = LocalStore.open(tmp_path / "state.sqlite3")
    try:
        db.save_download("/d/a.mp4.part", {"url": "http://127.0.0.1:1/a", "etag": '"x"'}, now=1.0)
        db.save_download("/d/b.png.part", {"url": "http://127.0.0.1:1/b"}, now=2.0)
        db.save_download("/d/a.mp4.part", {"url": "http://127.0.0.1:1/a", "etag": '"y"'}, now=3.0)
        assert [row.get("etag") for row in db.downloads()] == [None, '"y"']
        db.drop_download("/d/b.png.part")
        assert db.downloads() == [{"url": "http://127.0.0.1:1/a", "etag": '"y"'}]
    finally:
        db.close()


def test_two_handles_opening_a_fresh_file_at_once_both_work_and_nothing_is_moved_aside(tmp_path):
    for attempt in range(10):
        folder = tmp_path / str(attempt)
        path = folder / "state.sqlite3"
        opened: list[LocalStore] = []
        start = threading.Barrier(2)

        def open_it(path=path, start=start, opened=opened):
            start.wait()
            opened.append(LocalStore.open(path))

        threads = [threading.Thread(target=open_it) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        try:
            assert sorted(p.name for p in folder.iterdir() if ".corrupt-" in p.name) == []
            assert all(store.path == path and not store.notice for store in opened)
            opened[0].save_download("/x.part", {"url": "u"})
            assert opened[1].downloads() == [{"url": "u"}]
        finally:
            for store in opened:
                store.close()
        conn = sqlite3.connect(path)
        assert conn.execute("PRAGMA user_version").fetchone()[0] == persist.schema_version()
        conn.close()

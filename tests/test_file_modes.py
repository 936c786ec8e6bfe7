"""kgp-tui's folders are 0700 and its files 0600 (issue 11 item 3): they hold the user's prompts, creations and key.

Real files in `isolated_dirs`, under the usual umask 022, both made fresh and left looser by an older kgp-tui.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import stat

import pytest

from kgp_tui.config import app_paths, private_dir, save_profile
from kgp_tui.logs import PrivateRotatingFileHandler, setup_logging
from kgp_tui.persist import LocalStore

pytestmark = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def usual_umask():
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def use_everything() -> None:
    """What one run of kgp-tui writes: the state file (in WAL mode), a log line, a saved profile."""
    db = LocalStore.open()
    db.save("p", drafts=[("image", {"prompt": "my private prompt"})])
    db.viewed("p", 101, 1.0)
    setup_logging(app_paths().log_file)
    try:
        logging.getLogger("kgp_tui.test").info("a line")
        for handler in logging.getLogger("kgp_tui").handlers:
            handler.flush()
    finally:
        for handler in list(logging.getLogger("kgp_tui").handlers):
            logging.getLogger("kgp_tui").removeHandler(handler)
            handler.close()
    save_profile(None, "default", "https://api.kpainter.ai/openapi/v1", "kgp_live_0123456789abcdef")
    assert os.path.exists(f"{db.path}-wal") and os.path.exists(f"{db.path}-shm")  # still open: WAL companions
    check_private()
    db.close()


def check_private() -> None:
    paths = app_paths()
    state = paths.data_dir / "state.sqlite3"
    folders = [paths.data_dir, paths.log_dir, paths.log_dir.parent, paths.config_file.parent]
    files = [state, paths.log_file, paths.config_file] + [p for p in (f"{state}-wal", f"{state}-shm") if os.path.exists(p)]
    assert {str(f): oct(mode(f)) for f in folders} == {str(f): "0o700" for f in folders}
    assert {str(f): oct(mode(f)) for f in files} == {str(f): "0o600" for f in files}


def test_fresh_folders_are_0700_and_files_0600(isolated_dirs, usual_umask):
    assert app_paths().log_dir.parent.name == "kgp-tui"  # the log dir is <state>/kgp-tui/log: both are ours
    use_everything()


def test_looser_folders_and_files_left_by_an_older_run_are_tightened(isolated_dirs, usual_umask):
    paths = app_paths()
    for folder in (paths.data_dir, paths.log_dir, paths.config_file.parent):
        folder.mkdir(parents=True, mode=0o755)
    state = paths.data_dir / "state.sqlite3"
    conn = sqlite3.connect(state)  # as kgp-tui v2 left it: 0644, with its WAL companions
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    for loose in (state, f"{state}-wal", f"{state}-shm", paths.log_file, f"{paths.log_file}.1"):
        open(loose, "ab").close()
        os.chmod(loose, 0o644)
    os.chmod(paths.log_dir.parent, 0o755)
    conn.close()

    use_everything()
    assert mode(f"{paths.log_file}.1") == 0o600  # an old rotated log too


def test_folders_of_the_users_own_are_left_alone(tmp_path, usual_umask):
    mine = tmp_path / "dotfiles"
    mine.mkdir(mode=0o755)
    save_profile(mine / "kgp.toml", "default", "https://api.kpainter.ai/openapi/v1", "kgp_live_0123456789abcdef")
    assert mode(mine) == 0o755 and mode(mine / "kgp.toml") == 0o600  # --config PATH: the file is ours, not the folder
    private_dir(tmp_path / "new" / "kgp-tui")
    assert mode(tmp_path / "new") == 0o755 and mode(tmp_path / "new" / "kgp-tui") == 0o700


def test_a_rotated_log_and_its_successor_are_0600(tmp_path, usual_umask):
    log_file = tmp_path / "kgp-tui.log"
    handler = PrivateRotatingFileHandler(log_file, maxBytes=200, backupCount=2, encoding="utf-8")
    logger = logging.getLogger("kgp_tui.rotation-test")
    logger.addHandler(handler)
    try:
        for n in range(40):
            logger.warning("line %d of a log that rotates", n)
    finally:
        logger.removeHandler(handler)
        handler.close()
    assert os.path.exists(f"{log_file}.2")
    assert [oct(mode(p)) for p in (log_file, f"{log_file}.1", f"{log_file}.2")] == ["0o600"] * 3


def test_a_state_file_moved_aside_stays_private(tmp_path, usual_umask):
    path = tmp_path / "kgp-tui" / "state.sqlite3"
    path.parent.mkdir()
    path.write_bytes(b"not a database\x00" * 400)
    os.chmod(path, 0o644)
    db = LocalStore.open(path)
    assert ".corrupt-" in db.notice
    moved = [p for p in path.parent.iterdir() if ".corrupt-" in p.name]
    assert moved and all(mode(p) == 0o600 for p in moved) and mode(path) == 0o600

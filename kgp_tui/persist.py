"""On-disk state that must survive a restart: tracked jobs, creations, form drafts, recently viewed creations.

One SQLite file in the platformdirs data dir (``kgp-tui locate`` prints it). WAL mode with ``synchronous=NORMAL``:
a committed transaction survives the process being killed (its pages are in the OS cache and the WAL), though a
power cut may lose the last few commits — acceptable for what is a local copy of server state plus drafts.

Rows are grouped by a *profile id*: the base URL and a one-way digest of the whole key (``key_digest``), never the
key and never only its shown prefix, which two accounts' keys can share. The schema version lives in
``PRAGMA user_version``; ``MIGRATIONS[n]`` takes a database from version n to n+1.
Ids are text (v1's numbers and the unified surface's ``cr_…`` alike); each profile remembers the surface its server
spoke last time (``surfaces``), so the next connect asks that one first.
A file that SQLite cannot read, or one written by a newer kgp-tui, is moved aside and a fresh one started;
``LocalStore.notice`` then holds the one line the app shows. Plain stdlib: no Textual, no pydantic.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kgp_tui.config import private_dir, private_file, tighten_file
from kgp_tui.profile_ids import (  # noqa: F401 - part of this module's interface
    _DIGEST_LABEL,
    DEMO_PREFIX,
    DIGEST_SCHEME,
    LEGACY_PREFIX,
    _server,
    key_digest,
    legacy_profile_id,
    profile_id,
)

DB_NAME = "state.sqlite3"
RECENT_KEPT = 50  # recently viewed creations kept per profile
TABLES = ("jobs", "creations", "drafts", "recent", "surfaces")  # every table keyed by profile
COMPANIONS = ("-wal", "-shm")  # SQLite's files beside the state file in WAL mode


def default_path() -> Path:
    from kgp_tui.config import app_paths

    return app_paths().data_dir / DB_NAME


# -- schema: one step per version ------------------------------------------------------------------------------

def _v1(conn: sqlite3.Connection) -> None:
    conn.execute(
        """CREATE TABLE jobs (
            profile TEXT NOT NULL, job_id INTEGER NOT NULL, creation_id INTEGER, kind TEXT, action TEXT, scene TEXT,
            type_name TEXT NOT NULL DEFAULT '', title TEXT NOT NULL DEFAULT '', status TEXT NOT NULL,
            progress REAL, step TEXT, error TEXT, created_at TEXT, updated_at TEXT, finished_at TEXT,
            first_seen REAL, received_at REAL, data TEXT NOT NULL,
            PRIMARY KEY (profile, job_id)) WITHOUT ROWID"""
    )
    conn.execute(
        """CREATE TABLE creations (profile TEXT NOT NULL, creation_id INTEGER NOT NULL, data TEXT NOT NULL,
            saved_at REAL NOT NULL, PRIMARY KEY (profile, creation_id)) WITHOUT ROWID"""
    )
    conn.execute(
        """CREATE TABLE drafts (profile TEXT NOT NULL, type_name TEXT NOT NULL, data TEXT NOT NULL,
            saved_at REAL NOT NULL, PRIMARY KEY (profile, type_name)) WITHOUT ROWID"""
    )
    conn.execute(
        """CREATE TABLE recent (profile TEXT NOT NULL, creation_id INTEGER NOT NULL, viewed_at REAL NOT NULL,
            PRIMARY KEY (profile, creation_id)) WITHOUT ROWID"""
    )
    conn.execute("CREATE INDEX recent_by_time ON recent (profile, viewed_at)")


def _v2(conn: sqlite3.Connection) -> None:
    """What an edit job does ("narration scene 3"): kept so the jobs list still says it after a restart."""
    conn.execute("ALTER TABLE jobs ADD COLUMN label TEXT NOT NULL DEFAULT ''")


def _v3(conn: sqlite3.Connection) -> None:
    """Profiles were base URL + key prefix, which two accounts' keys can share; now base URL + key_digest.

    A prefix cannot be turned into a digest without the key, so v2 rows are marked "v2:" and the first key that
    connects to that base URL with that prefix adopts them once (LocalStore.adopt): they were one profile before,
    and there is no telling whose they were. Old demo rows belong to simulators that are gone: dropped.
    """
    for table in ("jobs", "creations", "drafts", "recent"):  # literals: a released step never changes
        conn.execute(f"DELETE FROM {table} WHERE substr(profile, 1, 5) = 'demo|'")
        conn.execute(f"UPDATE {table} SET profile = 'v2:' || profile")


def _text_ids(conn: sqlite3.Connection) -> None:
    """Ids become text (the unified surface's are strings), and each profile remembers its server's surface."""
    conn.execute(
        """CREATE TABLE jobs_text (
            profile TEXT NOT NULL, job_id TEXT NOT NULL, creation_id TEXT, kind TEXT, action TEXT, scene TEXT,
            type_name TEXT NOT NULL DEFAULT '', title TEXT NOT NULL DEFAULT '', status TEXT NOT NULL,
            progress REAL, step TEXT, error TEXT, created_at TEXT, updated_at TEXT, finished_at TEXT,
            first_seen REAL, received_at REAL, data TEXT NOT NULL, label TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (profile, job_id)) WITHOUT ROWID"""
    )
    conn.execute(
        """INSERT INTO jobs_text SELECT profile, CAST(job_id AS TEXT), CAST(creation_id AS TEXT), kind, action,
            scene, type_name, title, status, progress, step, error, created_at, updated_at, finished_at, first_seen,
            received_at, data, label FROM jobs"""
    )
    conn.execute(
        """CREATE TABLE creations_text (profile TEXT NOT NULL, creation_id TEXT NOT NULL, data TEXT NOT NULL,
            saved_at REAL NOT NULL, PRIMARY KEY (profile, creation_id)) WITHOUT ROWID"""
    )
    conn.execute("INSERT INTO creations_text SELECT profile, CAST(creation_id AS TEXT), data, saved_at FROM creations")
    conn.execute(
        """CREATE TABLE recent_text (profile TEXT NOT NULL, creation_id TEXT NOT NULL, viewed_at REAL NOT NULL,
            PRIMARY KEY (profile, creation_id)) WITHOUT ROWID"""
    )
    conn.execute("INSERT INTO recent_text SELECT profile, CAST(creation_id AS TEXT), viewed_at FROM recent")
    for table in ("jobs", "creations", "recent"):
        conn.execute(f"DROP TABLE {table}")
        conn.execute(f"ALTER TABLE {table}_text RENAME TO {table}")
    conn.execute("CREATE INDEX recent_by_time ON recent (profile, viewed_at)")
    conn.execute(
        """CREATE TABLE surfaces (profile TEXT NOT NULL PRIMARY KEY, surface TEXT NOT NULL,
            seen_at REAL NOT NULL) WITHOUT ROWID"""
    )


def _downloads(conn: sqlite3.Connection) -> None:
    """Downloads in progress (kgp_tui.downloads), by their .part path: a restart resumes them. Not per profile:
    a file on disk is the user's whichever key fetched it."""
    conn.execute("CREATE TABLE downloads (part TEXT NOT NULL PRIMARY KEY, data TEXT NOT NULL, saved_at REAL NOT NULL)"
                 " WITHOUT ROWID")


# MIGRATIONS[n] upgrades a database at user_version n to n + 1. Append a step; never edit a released one.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_v1, _v2, _v3, _text_ids, _downloads]

JOB_COLUMNS = (
    "job_id", "creation_id", "kind", "action", "scene", "type_name", "title", "status", "progress", "step",
    "error", "created_at", "updated_at", "finished_at", "first_seen", "received_at", "data", "label",
)


def schema_version() -> int:
    return len(MIGRATIONS)


@dataclass
class Snapshot:
    """What one profile left behind: job rows (dicts of JOB_COLUMNS), creations and drafts as JSON-decoded
    values, recently viewed creations as (creation_id, viewed_at), newest first, and the surface last seen."""

    jobs: list[dict[str, Any]] = field(default_factory=list)
    creations: list[Any] = field(default_factory=list)
    drafts: dict[str, dict[str, Any]] = field(default_factory=dict)
    recent: list[tuple[str, float]] = field(default_factory=list)
    surface: str | None = None


class NewerSchema(Exception):
    def __init__(self, found: int) -> None:
        super().__init__(f"schema v{found} is newer than this kgp-tui knows (v{schema_version()})")
        self.found = found


class LocalStore:
    """A thread-safe handle on the state file; every write is one short transaction."""

    def __init__(self, conn: sqlite3.Connection, path: Path | None, notice: str = "") -> None:
        self._conn = conn
        self._lock = threading.Lock()
        self.path = path
        self.notice = notice  # one line for the user when the file was moved aside or could not be used

    # -- opening -------------------------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path | str | None = None, *, now: Callable[[], float] = time.time) -> LocalStore:
        """Open (creating and migrating) the state file; a corrupt or newer one is moved aside first.

        Only a file SQLite finds damaged or not a database is moved aside. One that stays locked (another kgp-tui
        in the middle of opening it), read-only or on a full disk is left alone, and this run keeps its state in
        memory.

        Never raises for a bad file: when even a fresh file cannot be made (a read-only data dir), the state lives
        in memory for this run and `notice` says so.
        """
        path = Path(path) if path is not None else default_path()
        try:
            private_dir(path.parent)
            return cls(_open_checked(_private(path)), path)
        except NewerSchema as error:
            why, reason = "newer", f"it was written by a newer kgp-tui ({error})"
        except sqlite3.Error as error:
            if not _unreadable(error):  # locked past the wait, read-only, disk full: the file is not at fault
                return cls.in_memory(f"kgp-tui cannot use {path} now ({error}); it is left as it is, and nothing "
                                     "will be kept after this run.")
            why, reason = "corrupt", f"SQLite cannot read it ({error})"
        except OSError as error:
            return cls.in_memory(f"kgp-tui cannot use {path} ({error}); nothing will be kept after this run.")
        try:
            notice = _move_aside(path, why, now(), reason)
        except OSError as move_error:
            return cls.in_memory(f"kgp-tui cannot use {path}: {reason}, and it could not be moved aside "
                                 f"({move_error}); nothing will be kept after this run.")
        try:
            return cls(_open_checked(_private(path)), path, notice)
        except (sqlite3.Error, OSError, NewerSchema) as error:
            return cls.in_memory(f"{notice} A fresh file could not be made either ({error}); "
                                 "nothing will be kept after this run.")

    @classmethod
    def in_memory(cls, notice: str = "") -> LocalStore:
        return cls(_open_checked(":memory:"), None, notice.strip())

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    # -- writing ---------------------------------------------------------------------------------------------

    def save(
        self,
        profile: str,
        *,
        jobs: Iterable[dict[str, Any]] = (),
        creations: Iterable[tuple[str, Any]] = (),
        drafts: Iterable[tuple[str, dict[str, Any]]] = (),
        now: float | None = None,
    ) -> None:
        """Upsert job rows, creations (id, JSON-able value) and drafts (type name, values) in one transaction."""
        stamp = time.time() if now is None else now
        job_rows = [(profile, *(_column(row, name) for name in JOB_COLUMNS)) for row in jobs]
        creation_rows = [(profile, str(cid), _dumps(value), stamp) for cid, value in creations]
        draft_rows = [(profile, name, _dumps(values), stamp) for name, values in drafts]
        if not (job_rows or creation_rows or draft_rows):
            return
        marks = ", ".join("?" * (len(JOB_COLUMNS) + 1))
        with self._write() as conn:
            if job_rows:
                conn.executemany(f"INSERT OR REPLACE INTO jobs (profile, {', '.join(JOB_COLUMNS)}) VALUES ({marks})",
                                 job_rows)
            if creation_rows:
                conn.executemany("INSERT OR REPLACE INTO creations VALUES (?, ?, ?, ?)", creation_rows)
            if draft_rows:
                conn.executemany("INSERT OR REPLACE INTO drafts VALUES (?, ?, ?, ?)", draft_rows)

    def viewed(self, profile: str, creation_id: str, viewed_at: float) -> None:
        """Remember that a creation was opened; only the newest RECENT_KEPT per profile are kept."""
        with self._write() as conn:
            conn.execute("INSERT OR REPLACE INTO recent VALUES (?, ?, ?)", (profile, str(creation_id), viewed_at))
            conn.execute(
                "DELETE FROM recent WHERE profile = ? AND creation_id NOT IN "
                "(SELECT creation_id FROM recent WHERE profile = ? ORDER BY viewed_at DESC LIMIT ?)",
                (profile, profile, RECENT_KEPT),
            )

    def remember_surface(self, profile: str, surface: str, now: float | None = None) -> None:
        """The surface this profile's server spoke: the next connect tries it first."""
        with self._write() as conn:
            conn.execute("INSERT OR REPLACE INTO surfaces VALUES (?, ?, ?)",
                         (profile, surface, time.time() if now is None else now))

    def surface(self, profile: str) -> str | None:
        with self._lock:
            row = self._conn.execute("SELECT surface FROM surfaces WHERE profile = ?", (profile,)).fetchone()
        return str(row[0]) if row else None

    def adopt(self, legacy: str, profile: str) -> int:
        """Re-key the rows a v2 file kept under `legacy` to `profile`, once; returns how many rows moved.

        Rows the profile already has win over the old ones (they are newer).
        """
        moved = 0
        with self._write() as conn:
            for table in TABLES:
                moved += conn.execute(f"UPDATE OR IGNORE {table} SET profile = ? WHERE profile = ?",
                                      (profile, legacy)).rowcount
                conn.execute(f"DELETE FROM {table} WHERE profile = ?", (legacy,))
        return moved

    def forget_profiles(self, prefix: str, keep: str = "") -> None:
        """Delete every row of the profiles whose id starts with `prefix`, except those starting with `keep` (old
        demo runs go; the running demo's profiles stay, one per account its keys belong to)."""
        def like(text: str) -> str:
            return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"

        with self._write() as conn:
            for table in TABLES:
                conn.execute(f"DELETE FROM {table} WHERE profile LIKE ? ESCAPE '\\' AND profile NOT LIKE ? ESCAPE '\\'",
                             (like(prefix), like(keep) if keep else ""))

    # -- reading ---------------------------------------------------------------------------------------------

    def save_download(self, part: str, data: dict[str, Any], now: float | None = None) -> None:
        with self._write() as conn:
            conn.execute("INSERT OR REPLACE INTO downloads VALUES (?, ?, ?)",
                         (part, _dumps(data), time.time() if now is None else now))

    def drop_download(self, part: str) -> None:
        with self._write() as conn:
            conn.execute("DELETE FROM downloads WHERE part = ?", (part,))

    def downloads(self) -> list[dict[str, Any]]:
        """The downloads left in progress, oldest first, as saved."""
        with self._lock:
            rows = self._conn.execute("SELECT data FROM downloads ORDER BY saved_at").fetchall()
        return [value for (text,) in rows if isinstance(value := _loads(text), dict)]

    def load(self, profile: str) -> Snapshot:
        snapshot = Snapshot()
        with self._lock:
            conn = self._conn
            cursor = conn.execute(f"SELECT {', '.join(JOB_COLUMNS)} FROM jobs WHERE profile = ? "
                                  "ORDER BY first_seen, length(job_id), job_id",
                                  (profile,))
            for values in cursor:
                row = dict(zip(JOB_COLUMNS, values))
                row["error"] = _loads(row["error"])
                row["data"] = _loads(row["data"])
                snapshot.jobs.append(row)
            for (data,) in conn.execute("SELECT data FROM creations WHERE profile = ? ORDER BY creation_id",
                                        (profile,)):
                value = _loads(data)
                if value is not None:
                    snapshot.creations.append(value)
            for name, data in conn.execute("SELECT type_name, data FROM drafts WHERE profile = ?", (profile,)):
                value = _loads(data)
                if isinstance(value, dict):
                    snapshot.drafts[name] = value
            snapshot.recent = [
                (str(cid), float(at))
                for cid, at in conn.execute(
                    "SELECT creation_id, viewed_at FROM recent WHERE profile = ? ORDER BY viewed_at DESC", (profile,)
                )
            ]
            found = conn.execute("SELECT surface FROM surfaces WHERE profile = ?", (profile,)).fetchone()
            snapshot.surface = str(found[0]) if found else None
        return snapshot

    def profiles(self) -> list[str]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT profile FROM jobs UNION SELECT profile FROM creations UNION SELECT profile FROM drafts "
                "UNION SELECT profile FROM recent"
            ).fetchall()
        return sorted(profile for (profile,) in rows)


# -- helpers ---------------------------------------------------------------------------------------------------

def _private(path: Path) -> Path:
    """The state file and its -wal/-shm 0600 (SQLite makes the companions with the file's own mode)."""
    private_file(path)
    for suffix in COMPANIONS:
        tighten_file(Path(f"{path}{suffix}"))
    return path


class Unsound(sqlite3.DatabaseError):
    """SQLite opened the file, but its own check found it damaged."""


BUSY_WAIT = 5.0  # seconds another handle may hold the file locked while this one opens it


def _primary_code(error: sqlite3.Error) -> int | None:
    """SQLite's primary result code of the error (its extended code's low byte); None for one SQLite did not raise."""
    code = getattr(error, "sqlite_errorcode", None)
    return None if code is None else code & 0xFF


def _unreadable(error: sqlite3.Error) -> bool:
    """The file itself is bad (not a database, damaged), as against locked, read-only, full or unreachable."""
    return isinstance(error, Unsound) or _primary_code(error) in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)


def _busy(error: sqlite3.Error) -> bool:
    return _primary_code(error) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def _open_checked(path: Path | str, *, wait: float | None = None) -> sqlite3.Connection:
    """Connect, refuse a newer schema, check the file is sound, then run the migrations it still needs.

    A file another handle holds locked is tried again until `wait` has passed: SQLite returns "database is locked"
    at once, without its busy timeout, when two handles switch a fresh file to WAL together. Every step is safe to
    run again (each migration reads the version under the write lock).
    """
    wait = BUSY_WAIT if wait is None else wait
    deadline = time.monotonic() + wait
    pause = 0.005
    while True:
        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=min(2.0, wait))
        try:
            found = conn.execute("PRAGMA user_version").fetchone()[0]
            if found > schema_version():
                raise NewerSchema(found)
            check = conn.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise Unsound(f"integrity check: {check}")
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            migrate(conn)
        except sqlite3.Error as error:
            conn.close()
            if not _busy(error) or time.monotonic() + pause > deadline:
                raise
        except BaseException:
            conn.close()
            raise
        else:
            return conn
        time.sleep(pause)
        pause = min(pause * 2, 0.2)


def migrate(conn: sqlite3.Connection) -> int:
    """Run MIGRATIONS from the file's user_version up; each step and its version bump is one transaction."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    while version < schema_version():
        conn.execute("BEGIN IMMEDIATE")
        try:
            # read again under the write lock: another handle may have run this step meanwhile
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version < schema_version():
                MIGRATIONS[version](conn)
                version += 1
                conn.execute(f"PRAGMA user_version = {version}")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    return version


def _move_aside(path: Path, why: str, now: float, reason: str) -> str:
    """Rename the file (and its -wal/-shm companions) to `<name>.<why>-<timestamp>`; returns the user's message."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    target = path.with_name(f"{path.name}.{why}-{stamp}")
    counter = 1
    while target.exists():
        counter += 1
        target = path.with_name(f"{path.name}.{why}-{stamp}-{counter}")
    for suffix in ("", *COMPANIONS):
        source = Path(f"{path}{suffix}")
        if source.exists():
            source.rename(Path(f"{target}{suffix}"))
            tighten_file(Path(f"{target}{suffix}"))  # an old file, perhaps made looser by an older kgp-tui
    return f"Local state {path.name}: {reason}; moved it to {target.name} and started afresh."


def _column(row: dict[str, Any], name: str) -> Any:
    value = row.get(name)
    if name == "label":
        return value or ""
    if name in ("error", "data"):
        return _dumps(value)
    return value


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def _loads(text: Any) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return None

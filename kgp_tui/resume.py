"""Persistence: keeps the local state file (kgp_tui.persist) in step with the app's Store, and restores from it.

- On start (when the connection is known) and on every connect, the profile's rows are read on a worker thread
  and come back as a `StateRestored` message; the App hands it to `apply`, which puts jobs, creations and drafts
  back in the Store and resumes polling the jobs that were still running. A job restored already finished is
  shown as it is and not announced again; one that finished while the app was closed is announced once, by the
  App's usual "status changed to terminal" rule, because the store now holds its last known status.
- Store changes are written in small transactions at most every `FLUSH_DELAY` seconds (drafts change on every
  keystroke); a job turning terminal is written at once, before the App announces it, so a kill right after the
  notification cannot bring the same notification back on the next start.
- The demo talks to a new simulator each run: its rows live under a "demo|" profile with the simulator's URL, and
  a new demo run deletes the old demo profiles (their simulators, and so their jobs, are gone).

Nothing here imports sqlite3 or pydantic at module level: `import kgp_tui.app` stays cheap.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from functools import partial
from typing import TYPE_CHECKING, Any

from kgp_tui.format import markup_literal, title_text
from kgp_tui.store import CREATIONS, DRAFTS, JOBS, TrackedRun

if TYPE_CHECKING:
    from textual.app import SystemCommand

    from kgp_tui.api.domain import Creation, Run, SurfaceName
    from kgp_tui.messages import StateRestored

FLUSH_DELAY = 0.5
FLUSH_BATCH = 200  # rows one flush writes at most; the rest follow right after: 2,000 jobs at once held the loop 330 ms
NEXT_BATCH = 0.02  # the wait before the next batch: keys and frames are handled in between
RECENT_SHOWN = 10
GONE_MESSAGE = "The server no longer knows this job (it was removed, or the server was reset)."
log = logging.getLogger("kgp_tui.persist")


class Persistence:
    def __init__(self, app: Any, path: Any = None) -> None:
        self.app = app
        self.store = app.store
        self.path = path  # None: the platformdirs data dir
        self.db: Any = None
        self._opening = threading.Lock()  # restore workers run on threads: open the file once
        self.profile: str | None = None
        self.recent: list[tuple[str, float]] = []  # (creation id, viewed at), newest first
        self.write_seconds: list[float] = []  # how long each flush took (kept short; for the benchmark)
        self._dirty_jobs: set[str] = set()
        self._dirty_creations: set[str] = set()
        self._dirty_drafts: set[str] = set()
        self._timer: Any = None
        self._restoring = False
        self._gone: list[str] = []
        self._warned = False
        self.store.subscribe(self._on_store)

    # -- choosing the profile and restoring ---------------------------------------------------------------

    def start(self) -> None:
        """At first paint: restore at once for a connection given on the command line (before /me answers)."""
        conn = self.app.initial_connection
        if conn is not None and not self.app.demo:
            from kgp_tui.api.redact import key_prefix
            from kgp_tui.profile_ids import key_digest

            self.activate(conn.base_url, key_digest(conn.api_key), key_prefix(conn.api_key))

    def is_demo(self, base_url: str) -> bool:
        simulator = self.app.simulator
        return simulator is not None and base_url.rstrip("/") == str(simulator.base_url).rstrip("/")

    def remembered_surface(self, base_url: str, digest: str) -> SurfaceName | None:
        """Worker thread: the surface this profile's server spoke last time, or None (never seen, or the demo)."""
        from kgp_tui.profile_ids import profile_id

        if self.is_demo(base_url):
            return None
        try:
            found = self._open().surface(profile_id(base_url, digest))
        except Exception as error:  # noqa: BLE001 - then the surface is found again, as on a first connect
            log.warning("could not read the remembered surface: %s", error)
            return None
        return found if found in ("v1", "unified") else None  # type: ignore[return-value]

    def activate(self, base_url: str, digest: str, key_prefix: str, surface: SurfaceName | None = None) -> None:
        """Switch to the profile of this connection (base URL + `persist.key_digest` of the key); restores its
        state unless it is already the current one. The prefix only finds rows a v2 file kept (persist._v3).
        ``surface`` (what the server spoke now) is remembered for the next connect."""
        from kgp_tui.profile_ids import DEMO_PREFIX, legacy_profile_id, profile_id

        demo = self.is_demo(base_url)
        profile = profile_id(base_url, digest, demo=demo)
        if surface is not None and not demo:
            self.app.run_worker(partial(self._remember, profile, surface), thread=True, group="persist-surface",
                                exit_on_error=False, name="remember the surface")
        if profile == self.profile:
            return
        if self.profile is not None:
            self.flush(limit=None)  # all of it: what is left dirty belongs to the profile being left
            self._leave_profile()
        self.profile = profile
        forget = DEMO_PREFIX if demo else ""
        legacy = "" if demo else legacy_profile_id(base_url, key_prefix)
        self.app.run_worker(partial(self._load, profile, forget, legacy), thread=True, group="persist",
                            exit_on_error=False, name="restore local state")

    def _remember(self, profile: str, surface: str) -> None:
        try:
            self._open().remember_surface(profile, surface, self.app.now())
        except Exception as error:  # noqa: BLE001 - the next connect then finds it again
            log.warning("could not remember the surface: %s", error)

    def _leave_profile(self) -> None:
        for run_id in list(self.store.runs):
            self.app.poller.forget(run_id)
        self.store.reset_local()
        self.app.edit_baselines.clear()  # creation ids of the old server mean nothing on the new one
        self.recent = []
        self._dirty_jobs.clear()
        self._dirty_creations.clear()
        self._dirty_drafts.clear()

    def _open(self) -> Any:
        with self._opening:
            if self.db is None:
                from kgp_tui.persist import LocalStore

                self.db = LocalStore.open(self.path)
            return self.db

    def _load(self, profile: str, forget_prefix: str, legacy: str = "") -> None:
        """Worker thread: open the file, adopt v2 rows once, read the profile, build the models, post them."""
        from kgp_tui.messages import StateRestored

        started = time.perf_counter()
        try:
            db = self._open()
            notice, db.notice = db.notice, ""
            if forget_prefix:  # older demo runs' simulators are gone; this one's accounts (keys) all stay
                db.forget_profiles(forget_prefix, keep=profile.rsplit("|", 1)[0] + "|")
            if legacy and db.adopt(legacy, profile):
                log.info("adopted the rows an older kgp-tui kept for this server and key prefix")
            snapshot = db.load(profile)
        except Exception as error:  # noqa: BLE001 - e.g. the disk went away: start empty, say so once
            log.warning("could not read local state: %s", error)
            self.app.post_message(StateRestored(profile, [], [], {}, [], f"Could not read the local state: {error}"))
            return
        jobs = [t for t in (tracked_from_row(row) for row in snapshot.jobs) if t is not None]
        creations = [c for c in (creation_from_data(d) for d in snapshot.creations) if c is not None]
        log.info("restored %d jobs, %d creations, %d drafts in %.1f ms", len(jobs), len(creations),
                 len(snapshot.drafts), 1000 * (time.perf_counter() - started))
        self.app.post_message(StateRestored(profile, jobs, creations, snapshot.drafts, snapshot.recent, notice))

    def apply(self, message: StateRestored) -> None:
        """Main thread: put the restored state in the Store (what this run already knows wins), resume polling."""
        if message.notice:
            self.app.notify(message.notice, severity="warning", markup=False, timeout=15)
        if message.profile != self.profile:
            return  # the user connected elsewhere meanwhile
        self._restoring = True
        try:
            self.store.restore(message.runs, message.creations, message.drafts)
        finally:
            self._restoring = False
        seen = {cid for cid, _ in self.recent}
        self.recent = sorted(self.recent + [r for r in message.recent if r[0] not in seen], key=lambda r: -r[1])
        for tracked in message.runs:
            if self.store.runs.get(tracked.id) is tracked and not tracked.run.stops_polling:
                self.app.poller.track(tracked.run)

    # -- writing ---------------------------------------------------------------------------------------------

    def _on_store(self, topic: str, key: Any) -> None:
        if self._restoring or self.profile is None or key is None:
            return
        if topic == JOBS:
            self._dirty_jobs.add(key)
            tracked = self.store.runs.get(key)
            if tracked is not None and tracked.run.stops_polling and tracked.previous_status != tracked.run.status:
                self.flush(first=key)  # before the App announces it: a later start must not announce it again
                return
        elif topic == CREATIONS:
            self._dirty_creations.add(key)
        elif topic == DRAFTS:
            self._dirty_drafts.add(key)
        else:
            return
        if self._timer is None:
            self._timer = self.app.set_timer(FLUSH_DELAY, self._flush_due, name="persist-flush")

    def _flush_due(self) -> None:
        self._timer = None
        self.flush()

    def flush(self, first: str | None = None, limit: int | None = FLUSH_BATCH) -> None:
        """Write what changed since the last flush, in one transaction: at most `limit` rows (job `first` among
        them), the rest in the next batch, a moment later."""
        if self.db is None or self.profile is None:
            dirty = self._dirty_jobs or self._dirty_creations or self._dirty_drafts
            if dirty and self._timer is None and self.app.is_running:  # the file is still opening: try again soon
                self._timer = self.app.set_timer(FLUSH_DELAY, self._flush_due, name="persist-flush")
            return
        store = self.store
        room = limit if limit is not None else len(self._dirty_jobs) + len(self._dirty_creations) + len(
            self._dirty_drafts)
        job_ids = _take(self._dirty_jobs, room, first)
        creation_ids = _take(self._dirty_creations, room - len(job_ids))
        draft_names = _take(self._dirty_drafts, room - len(job_ids) - len(creation_ids))
        jobs = [job_row(store.runs[i]) for i in job_ids if i in store.runs]
        creations = [(i, dump(store.creations[i])) for i in creation_ids if i in store.creations]
        drafts = [(name, store.drafts[name]) for name in draft_names if name in store.drafts]
        if (self._dirty_jobs or self._dirty_creations or self._dirty_drafts) and self.app.is_running:
            if self._timer is not None:
                self._timer.stop()
            self._timer = self.app.set_timer(NEXT_BATCH, self._flush_due, name="persist-flush")
        started = time.perf_counter()
        try:
            self.db.save(self.profile, jobs=jobs, creations=creations, drafts=drafts)
        except Exception as error:  # noqa: BLE001 - a full disk or a locked file must not stop the app
            self._warn(error)
            return
        self.write_seconds = [*self.write_seconds[-99:], time.perf_counter() - started]

    def viewed(self, creation_id: str) -> None:
        """A creation was opened: it goes to the top of the palette's "Recent" list."""
        if self.profile is None:
            return
        now = self.app.now()
        self.recent = [(creation_id, now)] + [r for r in self.recent if r[0] != creation_id]
        if self.db is not None:
            try:
                self.db.viewed(self.profile, creation_id, now)
            except Exception as error:  # noqa: BLE001
                self._warn(error)

    def close(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self.flush(limit=None)
        if self.db is not None:
            self.db.close()
            self.db = None

    def _warn(self, error: Exception) -> None:
        log.warning("could not save local state: %s", error)
        if not self._warned:
            self._warned = True
            self.app.notify(f"Could not save local state: {error}", severity="warning", markup=False)

    # -- jobs the server forgot --------------------------------------------------------------------------------

    def run_gone(self, job_id: str, error: BaseException) -> bool:
        """A poll said 404: mark the run finished-as-gone (kept, never polled again) and say so once."""
        from dataclasses import replace

        from kgp_tui.api.domain import RunError
        from kgp_tui.api.errors import NotFound

        tracked = self.store.runs.get(job_id)
        if not isinstance(error, NotFound) or tracked is None or tracked.run.is_terminal:
            return False
        gone = replace(tracked.run, status="failed", error=RunError(code="gone", message=GONE_MESSAGE))
        self.app.poller.forget(job_id)
        self.store.update_run(gone, now=self.app.now())
        if not self._gone:
            self.app.set_timer(0.2, self._say_gone, name="persist-gone")
        self._gone.append(job_id)
        return True

    def _say_gone(self) -> None:
        ids, self._gone = sorted(self._gone), []
        if len(ids) == 1:
            tracked = self.store.runs.get(ids[0])
            what = f"creation #{tracked.creation_id}" if tracked and tracked.creation_id else f"job {ids[0]}"
            text = f"The server no longer knows {what} (job {ids[0]}): marked gone, no longer polled."
        else:
            shown = ", ".join(str(i) for i in ids[:10]) + (", …" if len(ids) > 10 else "")
            text = f"The server no longer knows {len(ids)} jobs ({shown}): marked gone, no longer polled."
        self.app.notify(text, severity="warning", markup=False, timeout=10)

    # -- the command palette ---------------------------------------------------------------------------------

    def recent_commands(self) -> Iterator[SystemCommand]:
        from textual.app import SystemCommand

        for creation_id, _ in self.recent[:RECENT_SHOWN]:
            creation = self.store.creations.get(creation_id)
            tracked = self.store.run_for_creation(creation_id)
            title = title_text(getattr(creation, "title", None) or (tracked.title if tracked else ""))
            kind = getattr(creation, "type", None) or (tracked.type_name if tracked else "") or ""
            yield SystemCommand(
                f"Recent #{creation_id} {markup_literal(title, max_len=50)}",
                f"Viewed recently · {markup_literal(kind, max_len=40)}",
                lambda cid=creation_id: self.app.open_creation(cid),
            )


# -- rows <-> domain objects ------------------------------------------------------------------------------------

def dump(creation: Creation) -> dict[str, Any]:
    from kgp_tui.api.domain.codec import creation_to_dict

    return creation_to_dict(creation)


def job_row(tracked: TrackedRun) -> dict[str, Any]:
    from kgp_tui.api.domain.codec import run_to_dict

    run = tracked.run
    error = run.error
    scene = run.raw.get("scene_id") or run.raw.get("scene")
    return {
        "job_id": run.id,
        "creation_id": run.creation_id,
        "kind": run.kind,
        "action": run.action,
        "scene": None if scene is None else str(scene),
        "type_name": tracked.type_name or "",
        "title": tracked.title or "",
        "label": tracked.label or "",
        "status": run.status or "unknown",
        "progress": run.progress_pct,
        "step": run.step,
        "error": None if error is None else {"code": error.code, "message": error.message},
        "created_at": run.created_at,
        "updated_at": run.updated_at,
        "finished_at": run.finished_at,
        "first_seen": tracked.first_seen,
        "received_at": tracked.received_at,
        "data": run_to_dict(run),
    }


def _take(dirty: set[Any], room: int, first: Any = None) -> list[Any]:
    """Up to `room` keys out of `dirty` (`first` among them when it is there)."""
    taken = [first] if first is not None and first in dirty else []
    for key in dirty:
        if len(taken) >= room:
            break
        if key != first:
            taken.append(key)
    dirty.difference_update(taken)
    return taken


def tracked_from_row(row: dict[str, Any]) -> TrackedRun | None:
    """A stored row back as a TrackedRun; a row that no longer reads as a run is skipped, not fatal."""
    try:
        run = run_of_row(row)
    except Exception:  # noqa: BLE001
        log.warning("skipping stored job %r: it no longer reads as a run", row.get("job_id"))
        return None
    return TrackedRun(run=run, type_name=row.get("type_name") or "", title=row.get("title") or "",
                      label=row.get("label") or "",
                      received_at=float(row.get("received_at") or 0.0), first_seen=float(row.get("first_seen") or 0.0))


def run_of_row(row: dict[str, Any]) -> Run:
    """The row's run: a domain dict, or (written before ids were text) a v1 job as the server sent it."""
    from kgp_tui.api.domain.codec import run_from_dict

    data = row.get("data") if isinstance(row.get("data"), dict) else {}
    if "surface" in data:
        return run_from_dict(data)
    from kgp_tui.api.models import Job
    from kgp_tui.api.v1 import run_from_job

    fallback = {"job_id": row.get("job_id"), "creation_id": row.get("creation_id"), "kind": row.get("kind"),
                "action": row.get("action"), "status": row.get("status"), "progress_pct": row.get("progress"),
                "current_step": row.get("step"), "error": row.get("error"), "created_at": row.get("created_at"),
                "updated_at": row.get("updated_at"), "finished_at": row.get("finished_at")}
    return run_from_job(Job.model_validate({**fallback, **data}))


def creation_from_data(data: Any) -> Creation | None:
    """A stored creation: a domain dict, or (written before ids were text) a v1 creation as the server sent it."""
    try:
        if isinstance(data, dict) and "surface" in data:
            from kgp_tui.api.domain.codec import creation_from_dict

            return creation_from_dict(data)
        from kgp_tui.api.models import Creation as V1Creation
        from kgp_tui.api.v1 import creation_from_v1

        return creation_from_v1(V1Creation.model_validate(data))
    except Exception:  # noqa: BLE001
        return None

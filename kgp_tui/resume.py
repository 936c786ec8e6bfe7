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
from functools import partial
from typing import Any

from kgp_tui.format import markup_literal, title_text
from kgp_tui.store import CREATIONS, DRAFTS, JOBS, TrackedJob

FLUSH_DELAY = 0.5
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
        self.recent: list[tuple[int, float]] = []  # (creation id, viewed at), newest first
        self.write_seconds: list[float] = []  # how long each flush took (kept short; for the benchmark)
        self._dirty_jobs: set[int] = set()
        self._dirty_creations: set[int] = set()
        self._dirty_drafts: set[str] = set()
        self._timer: Any = None
        self._restoring = False
        self._gone: list[int] = []
        self._warned = False
        self.store.subscribe(self._on_store)

    # -- choosing the profile and restoring ---------------------------------------------------------------

    def start(self) -> None:
        """At first paint: restore at once for a connection given on the command line (before /me answers)."""
        conn = self.app.initial_connection
        if conn is not None and not self.app.demo:
            from kgp_tui.api.redact import key_prefix
            from kgp_tui.persist import key_digest

            self.activate(conn.base_url, key_digest(conn.api_key), key_prefix(conn.api_key))

    def activate(self, base_url: str, digest: str, key_prefix: str) -> None:
        """Switch to the profile of this connection (base URL + `persist.key_digest` of the key); restores its
        state unless it is already the current one. The prefix only finds rows a v2 file kept (persist._v3)."""
        from kgp_tui.persist import DEMO_PREFIX, legacy_profile_id, profile_id

        simulator = self.app.simulator
        demo = simulator is not None and base_url.rstrip("/") == str(simulator.base_url).rstrip("/")
        profile = profile_id(base_url, digest, demo=demo)
        if profile == self.profile:
            return
        if self.profile is not None:
            self.flush()
            self._leave_profile()
        self.profile = profile
        forget = DEMO_PREFIX if demo else ""
        legacy = "" if demo else legacy_profile_id(base_url, key_prefix)
        self.app.run_worker(partial(self._load, profile, forget, legacy), thread=True, group="persist",
                            exit_on_error=False, name="restore local state")

    def _leave_profile(self) -> None:
        for job_id in list(self.store.jobs):
            self.app.poller.forget(job_id)
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
            if forget_prefix:
                db.forget_profiles(forget_prefix, keep=profile)
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

    def apply(self, message: Any) -> None:
        """Main thread: put the restored state in the Store (what this run already knows wins), resume polling."""
        if message.notice:
            self.app.notify(message.notice, severity="warning", markup=False, timeout=15)
        if message.profile != self.profile:
            return  # the user connected elsewhere meanwhile
        self._restoring = True
        try:
            self.store.restore(message.jobs, message.creations, message.drafts)
        finally:
            self._restoring = False
        seen = {cid for cid, _ in self.recent}
        self.recent = sorted(self.recent + [r for r in message.recent if r[0] not in seen], key=lambda r: -r[1])
        for tracked in message.jobs:
            if self.store.jobs.get(tracked.job_id) is tracked and not tracked.job.is_terminal:
                self.app.poller.track(tracked.job_id)

    # -- writing ---------------------------------------------------------------------------------------------

    def _on_store(self, topic: str, key: Any) -> None:
        if self._restoring or self.profile is None or key is None:
            return
        if topic == JOBS:
            self._dirty_jobs.add(key)
            tracked = self.store.jobs.get(key)
            if tracked is not None and tracked.job.is_terminal and tracked.previous_status != tracked.job.status:
                self.flush()  # before the App announces it: a later start must not announce it again
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

    def flush(self) -> None:
        """Write what changed since the last flush, in one transaction."""
        if self.db is None or self.profile is None:
            dirty = self._dirty_jobs or self._dirty_creations or self._dirty_drafts
            if dirty and self._timer is None and self.app.is_running:  # the file is still opening: try again soon
                self._timer = self.app.set_timer(FLUSH_DELAY, self._flush_due, name="persist-flush")
            return
        store = self.store
        jobs = [job_row(store.jobs[i]) for i in self._dirty_jobs if i in store.jobs]
        creations = [(i, dump(store.creations[i])) for i in self._dirty_creations if i in store.creations]
        drafts = [(name, store.drafts[name]) for name in self._dirty_drafts if name in store.drafts]
        self._dirty_jobs.clear()
        self._dirty_creations.clear()
        self._dirty_drafts.clear()
        started = time.perf_counter()
        try:
            self.db.save(self.profile, jobs=jobs, creations=creations, drafts=drafts)
        except Exception as error:  # noqa: BLE001 - a full disk or a locked file must not stop the app
            self._warn(error)
            return
        self.write_seconds = [*self.write_seconds[-99:], time.perf_counter() - started]

    def viewed(self, creation_id: int) -> None:
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
        self.flush()
        if self.db is not None:
            self.db.close()
            self.db = None

    def _warn(self, error: Exception) -> None:
        log.warning("could not save local state: %s", error)
        if not self._warned:
            self._warned = True
            self.app.notify(f"Could not save local state: {error}", severity="warning", markup=False)

    # -- jobs the server forgot --------------------------------------------------------------------------------

    def job_gone(self, job_id: int, error: Any) -> bool:
        """A poll said 404: mark the job finished-as-gone (kept, never polled again) and say so once."""
        from kgp_tui.api.errors import NotFound

        tracked = self.store.jobs.get(job_id)
        if not isinstance(error, NotFound) or tracked is None or tracked.job.is_terminal:
            return False
        from kgp_tui.api.models import JobError

        gone = tracked.job.model_copy(update={"status": "failed", "error": JobError(code="gone", message=GONE_MESSAGE)})
        self.app.poller.forget(job_id)
        self.store.update_job(gone, now=self.app.now())
        if not self._gone:
            self.app.set_timer(0.2, self._say_gone, name="persist-gone")
        self._gone.append(job_id)
        return True

    def _say_gone(self) -> None:
        ids, self._gone = sorted(self._gone), []
        if len(ids) == 1:
            tracked = self.store.jobs.get(ids[0])
            what = f"creation #{tracked.creation_id}" if tracked and tracked.creation_id else f"job {ids[0]}"
            text = f"The server no longer knows {what} (job {ids[0]}): marked gone, no longer polled."
        else:
            shown = ", ".join(str(i) for i in ids[:10]) + (", …" if len(ids) > 10 else "")
            text = f"The server no longer knows {len(ids)} jobs ({shown}): marked gone, no longer polled."
        self.app.notify(text, severity="warning", markup=False, timeout=10)

    # -- the command palette ---------------------------------------------------------------------------------

    def recent_commands(self) -> Any:
        from textual.app import SystemCommand

        for creation_id, _ in self.recent[:RECENT_SHOWN]:
            creation = self.store.creations.get(creation_id)
            tracked = self.store.job_for_creation(creation_id)
            title = title_text(getattr(creation, "title", None) or (tracked.title if tracked else ""))
            kind = getattr(creation, "type", None) or (tracked.type_name if tracked else "") or ""
            yield SystemCommand(
                f"Recent #{creation_id} {markup_literal(title, max_len=50)}",
                f"Viewed recently · {markup_literal(kind, max_len=40)}",
                lambda cid=creation_id: self.app.open_creation(cid),
            )


# -- rows <-> models -------------------------------------------------------------------------------------------

def dump(model: Any) -> Any:
    if hasattr(model, "model_dump"):
        return model.model_dump(mode="json")
    return dict(vars(model))


def job_row(tracked: TrackedJob) -> dict[str, Any]:
    job = tracked.job
    data = dump(job)
    return {
        "job_id": tracked.job_id,
        "creation_id": tracked.creation_id,
        "kind": data.get("kind"),
        "action": data.get("action"),
        "scene": data.get("scene_id") or data.get("scene"),
        "type_name": tracked.type_name or "",
        "title": tracked.title or "",
        "label": tracked.label or "",
        "status": str(data.get("status") or "unknown"),
        "progress": data.get("progress_pct"),
        "step": data.get("current_step"),
        "error": data.get("error"),
        "created_at": data.get("created_at"),
        "updated_at": data.get("updated_at"),
        "finished_at": data.get("finished_at"),
        "first_seen": tracked.first_seen,
        "received_at": tracked.received_at,
        "data": data,
    }


def tracked_from_row(row: dict[str, Any]) -> TrackedJob | None:
    """A stored row back as a TrackedJob; a row that no longer reads as a job is skipped, not fatal."""
    from kgp_tui.api.models import Job

    data = row.get("data") if isinstance(row.get("data"), dict) else {}
    fallback = {"job_id": row.get("job_id"), "creation_id": row.get("creation_id"), "kind": row.get("kind"),
                "action": row.get("action"), "status": row.get("status"), "progress_pct": row.get("progress"),
                "current_step": row.get("step"), "error": row.get("error"), "created_at": row.get("created_at"),
                "updated_at": row.get("updated_at"), "finished_at": row.get("finished_at")}
    try:
        job = Job.model_validate({**fallback, **data})
    except Exception:  # noqa: BLE001
        log.warning("skipping stored job %r: it no longer reads as a job", row.get("job_id"))
        return None
    return TrackedJob(job=job, type_name=row.get("type_name") or "", title=row.get("title") or "",
                      label=row.get("label") or "",
                      received_at=float(row.get("received_at") or 0.0), first_seen=float(row.get("first_seen") or 0.0))


def creation_from_data(data: Any) -> Any:
    from kgp_tui.api.models import Creation

    try:
        return Creation.model_validate(data)
    except Exception:  # noqa: BLE001
        return None

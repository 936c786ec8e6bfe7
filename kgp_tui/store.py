"""The app-level state store: session, catalog, tracked jobs, creations and form drafts.

Plain Python, no Textual. Only the App's message handlers call the mutating methods; screens and widgets
subscribe and re-render from what the store holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

Observer = Callable[[str, Any], None]

# Topics observers are told about; the second argument names what changed (a job id, a creation id, ...).
SESSION = "session"
CATALOG = "catalog"
JOBS = "jobs"
CREATIONS = "creations"
POLL = "poll"
FORM = "form"
DRAFTS = "drafts"


@dataclass
class Session:
    base_url: str
    key_prefix: str
    me: Any


@dataclass
class TrackedJob:
    """A job the user started in this session (or opened), with what we know locally about it."""

    job: Any
    type_name: str = ""
    title: str = ""
    received_at: float = 0.0
    first_seen: float = 0.0
    previous_status: str | None = None
    label: str = ""  # what an edit job does ("narration scene 3"); the jobs list shows it before the title

    @property
    def job_id(self) -> int:
        return self.job.job_id

    @property
    def creation_id(self) -> int | None:
        return getattr(self.job, "creation_id", None)


@dataclass
class PollState:
    ok: bool = True
    retry_at: float | None = None
    reason: str = ""


@dataclass
class SentCreation:
    """What a form last sent and the creation it made (or an ambiguous send was found to have made)."""

    payload: dict[str, Any]
    creation_id: int
    at: float  # when it was made, seconds since the epoch


@dataclass
class Store:
    session: Session | None = None
    catalog: Any = None
    jobs: dict[int, TrackedJob] = field(default_factory=dict)
    creations: dict[int, Any] = field(default_factory=dict)
    drafts: dict[str, dict[str, Any]] = field(default_factory=dict)
    poll: PollState = field(default_factory=PollState)
    # type name -> (severity, message, {field: error}) from the last submit of that type's form
    form_results: dict[str, tuple[str, str, dict[str, str]]] = field(default_factory=dict)
    # type name -> what its form last sent: sending the same payload again asks first (no second charge by accident)
    sent: dict[str, SentCreation] = field(default_factory=dict)
    _observers: list[Observer] = field(default_factory=list, repr=False)

    # -- observation -------------------------------------------------------------------------------

    def subscribe(self, observer: Observer) -> Callable[[], None]:
        """Call `observer(topic, key)` on every change; returns a function that unsubscribes."""
        self._observers.append(observer)

        def unsubscribe() -> None:
            if observer in self._observers:
                self._observers.remove(observer)

        return unsubscribe

    def _changed(self, topic: str, key: Any = None) -> None:
        for observer in list(self._observers):
            observer(topic, key)

    # -- mutations (App handlers only) ---------------------------------------------------------------

    def set_session(self, session: Session | None) -> None:
        self.session = session
        self._changed(SESSION)

    def set_me(self, me: Any) -> None:
        if self.session is not None:
            self.session.me = me
            self._changed(SESSION)

    def set_catalog(self, catalog: Any) -> None:
        self.catalog = catalog
        self._changed(CATALOG)

    def track_job(self, job: Any, *, type_name: str = "", title: str = "", now: float = 0.0,
                  label: str = "") -> TrackedJob:
        tracked = self.jobs.get(job.job_id)
        if tracked is None:
            tracked = TrackedJob(job=job, type_name=type_name, title=title, received_at=now, first_seen=now,
                                 label=label)
            self.jobs[job.job_id] = tracked
        else:
            tracked.previous_status = tracked.job.status
            tracked.job = job
            tracked.received_at = now
            tracked.type_name = tracked.type_name or type_name
            tracked.title = tracked.title or title
        self._changed(JOBS, job.job_id)
        return tracked

    def update_job(self, job: Any, *, now: float, type_name: str = "", title: str = "") -> tuple[str | None, TrackedJob]:
        """Store a polled job; returns (status before this update, tracked entry)."""
        tracked = self.jobs.get(job.job_id)
        if tracked is None:
            tracked = self.track_job(job, now=now, type_name=type_name, title=title)
            return None, tracked
        before = tracked.job.status
        merged = _merge_job(tracked.job, job)
        tracked.previous_status = before
        tracked.job = merged
        tracked.received_at = now
        self._changed(JOBS, job.job_id)
        return before, tracked

    def set_creation(self, creation: Any) -> None:
        self.creations[creation.creation_id] = creation
        for tracked in self.jobs.values():
            if tracked.creation_id == creation.creation_id:
                title = getattr(creation, "title", None)
                if title:
                    tracked.title = str(title)  # an edit job's label stays apart: the jobs list puts it first
                tracked.type_name = tracked.type_name or str(getattr(creation, "type", "") or "")
        self._changed(CREATIONS, creation.creation_id)

    def set_draft(self, type_name: str, values: dict[str, Any]) -> None:
        """Drafts change on every keystroke: only the persistence observer cares (it saves them debounced)."""
        self.drafts[type_name] = dict(values)
        self._changed(DRAFTS, type_name)

    def restore(self, jobs: list[TrackedJob], creations: list[Any], drafts: dict[str, dict[str, Any]]) -> None:
        """Put back what the local state file kept from an earlier run; what this run already knows wins."""
        for tracked in jobs:
            self.jobs.setdefault(tracked.job_id, tracked)
        for creation in creations:
            self.creations.setdefault(creation.creation_id, creation)
        for type_name, values in drafts.items():
            self.drafts.setdefault(type_name, dict(values))
        self._changed(JOBS)
        self._changed(CREATIONS)

    def reset_local(self) -> None:
        """Forget the jobs, creations and drafts of the previous profile (the user connected elsewhere)."""
        self.jobs.clear()
        self.creations.clear()
        self.drafts.clear()
        self.form_results.clear()
        self.sent.clear()
        self._changed(JOBS)
        self._changed(CREATIONS)

    def set_form_result(self, type_name: str, severity: str, message: str, fields: dict[str, str]) -> None:
        self.form_results[type_name] = (severity, message, dict(fields))
        self._changed(FORM, type_name)

    def set_sent(self, type_name: str, sent: SentCreation) -> None:
        self.sent[type_name] = sent
        self._changed(FORM, type_name)

    def set_poll_state(self, ok: bool, retry_at: float | None = None, reason: str = "") -> None:
        changed = (self.poll.ok, self.poll.retry_at, self.poll.reason) != (ok, retry_at, reason)
        self.poll = PollState(ok=ok, retry_at=retry_at, reason=reason)
        if changed:
            self._changed(POLL)

    # -- queries ---------------------------------------------------------------------------------------

    def job_for_creation(self, creation_id: int) -> TrackedJob | None:
        """The most recent tracked job of a creation."""
        found = [t for t in self.jobs.values() if t.creation_id == creation_id]
        return max(found, key=lambda t: t.job_id) if found else None

    @property
    def can_create(self) -> bool:
        me = self.session.me if self.session else None
        return bool(me is not None and getattr(me, "can_use", False))


def _merge_job(old: Any, new: Any) -> Any:
    """A poll that omits progress or step keeps the last known value rather than blanking the row, and progress
    of a running job never goes backwards on screen (a stale reply, a server restarted from an older snapshot)."""
    if getattr(new, "is_terminal", False):
        return new
    updates = {}
    for name in ("progress_pct", "current_step"):
        if getattr(new, name, None) is None and getattr(old, name, None) is not None:
            updates[name] = getattr(old, name)
    before, after = getattr(old, "progress_pct", None), getattr(new, "progress_pct", None)
    if before is not None and after is not None and after < before and not getattr(old, "is_terminal", False):
        updates["progress_pct"] = before
    if updates and hasattr(new, "model_copy"):
        return new.model_copy(update=updates)
    return new

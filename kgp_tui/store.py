"""The app-level state store: session, offer, tracked runs, creations and form drafts, on domain types.

Plain Python, no Textual. Only the App's message handlers call the mutating methods; screens and widgets
subscribe and re-render from what the store holds. Ids are text on both surfaces: a run's id is the v1 job id or
the unified creation id (what is polled), a creation's id is the creation id.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kgp_tui.api.domain import Account, Creation, Offer, Run, SurfaceName

Observer = Callable[[str, Any], None]

# Topics observers are told about; the second argument names what changed (a run id, a creation id, ...).
SESSION = "session"
CATALOG = "catalog"
JOBS = "jobs"
CREATIONS = "creations"
POLL = "poll"
FORM = "form"
DRAFTS = "drafts"


def id_order(value: str) -> tuple[int, str]:
    """Ids sorted as numbers where they are numbers (v1's "999" before "1000"), else as text."""
    return (len(value), value) if value.isdigit() else (1 << 30, value)


@dataclass
class Session:
    base_url: str
    key_prefix: str
    account: Account
    surface: SurfaceName = "v1"
    # False while the account and the offer shown are the ones kept from last time (kgp_tui.offer_cache) and the
    # connect that checks the key is still under way: nothing can be sent yet
    confirmed: bool = True


@dataclass
class TrackedRun:
    """A run the user started in this session (or opened), with what we know locally about it."""

    run: Run
    type_name: str = ""
    title: str = ""
    received_at: float = 0.0
    first_seen: float = 0.0
    previous_status: str | None = None
    label: str = ""  # what an edit run does ("narration scene 3"); the jobs list shows it before the title

    @property
    def id(self) -> str:
        return self.run.id

    @property
    def creation_id(self) -> str | None:
        return self.run.creation_id


@dataclass
class PollState:
    ok: bool = True
    retry_at: float | None = None
    reason: str = ""


@dataclass
class SentCreation:
    """What a form last sent and the creation it made (or an ambiguous send was found to have made)."""

    payload: dict[str, Any]
    creation_id: str
    at: float  # when it was made, seconds since the epoch


@dataclass
class Store:
    session: Session | None = None
    offer: Offer | None = None
    runs: dict[str, TrackedRun] = field(default_factory=dict)
    creations: dict[str, Creation] = field(default_factory=dict)
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

    def set_account(self, account: Account) -> None:
        if self.session is not None:
            self.session.account = account
            self._changed(SESSION)

    def set_offer(self, offer: Offer | None) -> None:
        self.offer = offer
        self._changed(CATALOG)

    def track_run(self, run: Run, *, type_name: str = "", title: str = "", now: float = 0.0,
                  label: str = "") -> TrackedRun:
        tracked = self.runs.get(run.id)
        if tracked is None:
            tracked = TrackedRun(run=run, type_name=type_name, title=title, received_at=now, first_seen=now,
                                 label=label)
            self.runs[run.id] = tracked
        else:
            tracked.previous_status = tracked.run.status
            tracked.run = run
            tracked.received_at = now
            tracked.type_name = tracked.type_name or type_name
            tracked.title = tracked.title or title
            tracked.label = label or tracked.label
        self._changed(JOBS, run.id)
        return tracked

    def update_run(self, run: Run, *, now: float, type_name: str = "", title: str = ""
                   ) -> tuple[str | None, TrackedRun]:
        """Store a polled run; returns (status before this update, tracked entry)."""
        tracked = self.runs.get(run.id)
        if tracked is None:
            tracked = self.track_run(run, now=now, type_name=type_name, title=title)
            return None, tracked
        before = tracked.run.status
        tracked.previous_status = before
        tracked.run = _merge_run(tracked.run, run)
        tracked.received_at = now
        self._changed(JOBS, run.id)
        return before, tracked

    def set_creation(self, creation: Creation) -> None:
        self.creations[creation.id] = creation
        for tracked in self.runs.values():
            if tracked.creation_id == creation.id:
                if creation.title:
                    tracked.title = creation.title  # an edit run's label stays apart: the jobs list puts it first
                tracked.type_name = tracked.type_name or (creation.type or "")
        self._changed(CREATIONS, creation.id)

    def set_draft(self, type_name: str, values: dict[str, Any]) -> None:
        """Drafts change on every keystroke: only the persistence observer cares (it saves them debounced)."""
        self.drafts[type_name] = dict(values)
        self._changed(DRAFTS, type_name)

    def restore(self, runs: Iterable[TrackedRun], creations: Iterable[Creation],
                drafts: dict[str, dict[str, Any]]) -> None:
        """Put back what the local state file kept from an earlier run; what this run already knows wins."""
        for tracked in runs:
            self.runs.setdefault(tracked.id, tracked)
        for creation in creations:
            self.creations.setdefault(creation.id, creation)
        for type_name, values in drafts.items():
            self.drafts.setdefault(type_name, dict(values))
        self._changed(JOBS)
        self._changed(CREATIONS)

    def reset_local(self) -> None:
        """Forget the runs, creations and drafts of the previous profile (the user connected elsewhere)."""
        self.runs.clear()
        self.creations.clear()
        self.drafts.clear()
        self.form_results.clear()
        self.sent.clear()
        self._changed(JOBS)
        self._changed(CREATIONS)

    def drop_form_result(self, type_name: str) -> None:
        self.form_results.pop(type_name, None)

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

    def run_for_creation(self, creation_id: str) -> TrackedRun | None:
        """The most recent tracked run of a creation."""
        found = [t for t in self.runs.values() if t.creation_id == creation_id]
        return max(found, key=lambda t: (t.first_seen, id_order(t.id))) if found else None

    @property
    def surface(self) -> SurfaceName | None:
        return self.session.surface if self.session is not None else None

    @property
    def can_create(self) -> bool:
        return self.session is not None and self.session.account.may_create


def _merge_run(old: Run, new: Run) -> Run:
    """A poll that omits progress or step keeps the last known value rather than blanking the row, and progress
    of a running run never goes backwards on screen (a stale reply, a server restarted from an older snapshot)."""
    if new.is_terminal:
        return new
    updates: dict[str, Any] = {}
    if new.progress_pct is None and old.progress_pct is not None:
        updates["progress_pct"] = old.progress_pct
    if new.step is None and old.step is not None:
        updates["step"] = old.step
    if old.progress_pct is not None and new.progress_pct is not None and new.progress_pct < old.progress_pct \
            and not old.is_terminal:
        updates["progress_pct"] = old.progress_pct
    if not new.creation_id and old.creation_id:
        updates["creation_id"] = old.creation_id
    return replace(new, **updates) if updates else new

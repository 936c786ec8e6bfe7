"""JobsScreen: every tracked run (a v1 job, a unified creation being processed) in a live table, updated in place
(the cursor never jumps). An unknown status is shown as the server said it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from kgp_tui.format import (
    ago,
    cell_width,
    clip_words,
    estimate_remaining,
    human_duration,
    parse_time,
    progress_bar,
    sanitize,
    status_label,
    title_text,
    truncate,
)
from kgp_tui.screens.base import KGPScreen
from kgp_tui.store import id_order
from kgp_tui.widgets.jobs_table import JobsTable

if TYPE_CHECKING:
    from kgp_tui.api.domain import Run
    from kgp_tui.store import TrackedRun

# (key, label, width); "creation" and "step" share what is left. Narrow terminals drop Type and Updated (the
# detail line below the table repeats them). Widths fit every documented status, "stalled" and "59m 59s ago".
FIXED_NARROW = [("status", "Status", 12), ("progress", "Progress", 13), ("elapsed", "Elapsed", 7), ("eta", "Left", 7)]
FIXED_WIDE = [("type", "Type", 16), *FIXED_NARROW, ("updated", "Updated", 8)]
WIDE_FROM = 120
TYPE_WIDTH = (10, 20)  # the Type column fits the catalog's longest type id, within these bounds
STALLED = "stalled"
STALL_SECONDS = 60.0  # progress unchanged this long: the estimate is no longer worth showing
WORD_CUT = ("type", "status")  # short values whose meaning a mid-word cut loses: cut after a word instead
GONE = "gone"  # a job the server no longer knows (kgp_tui.resume marks it failed with this error code)


def columns_for(width: int, type_width: int | None = None) -> list[tuple[str, str, int]]:
    fixed = FIXED_WIDE if width >= WIDE_FROM else FIXED_NARROW
    if type_width is not None:
        low, high = TYPE_WIDTH
        fixed = [(k, label, max(low, min(high, type_width)) if k == "type" else w) for k, label, w in fixed]
    spare = width - sum(w for _, _, w in fixed) - 2 * (len(fixed) + 2) - 2
    creation = max(12, spare * 55 // 100)
    step = max(10, spare - creation)
    cols = [("creation", "Creation", creation)]
    cols += [c for c in fixed if c[0] == "type"]
    cols += [c for c in fixed if c[0] in ("status", "progress")]
    cols.append(("step", "Step", step))
    cols += [c for c in fixed if c[0] in ("elapsed", "eta", "updated")]
    return cols


TIME_COLUMNS = ("elapsed", "eta", "updated")
EMPTY = "No jobs yet. F2 opens the catalog: pick a type, press Enter, fill the form, ctrl+s submits."


def is_gone(run: Run) -> bool:
    return run.status == "failed" and run.error is not None and run.error.code == GONE


def _epoch(value: Any) -> float | None:
    moment = parse_time(value)
    return moment.timestamp() if moment is not None else None


def job_elapsed(tracked: TrackedRun, now: float, ended_at: float | None = None) -> float | None:
    """Seconds the job ran, from one start on one clock, so the figure never goes backwards when the job ends.

    Start: the server's created_at, else when this app first saw the job. A running job counts to `now`. A job this
    screen saw end (`ended_at`, the local time of that reply) stops where the running count stood then, and so
    does a gone one; a job first seen finished takes the server's own finished_at − created_at.
    """
    run = tracked.run
    created = _epoch(run.created_at)
    start = created if created is not None else (tracked.first_seen or None)
    if start is None:
        return None
    if not run.stops_polling:
        return max(0.0, now - start)
    finished = _epoch(run.finished_at)
    if ended_at is None and not is_gone(run) and created is not None and finished is not None:
        return max(0.0, finished - created)
    end = ended_at if ended_at is not None else (tracked.received_at or now)
    return max(0.0, end - start)


def time_left(progress: float | None, elapsed: float | None, since_moved: float) -> str:
    """The Left cell: a countdown from the estimate made when progress last moved; "stalled" once it stands still
    past that estimate or for a minute (extrapolating a standing progress would make the time left grow)."""
    if progress is None or elapsed is None:
        return "—"
    since = max(0.0, since_moved)
    estimate = estimate_remaining(max(0.0, elapsed - since), progress)
    if since >= STALL_SECONDS or (estimate is not None and estimate - since <= 0 < progress < 100):
        return STALLED
    return "—" if estimate is None else human_duration(estimate - since)


def step_of(tracked: TrackedRun) -> str:
    """What the step column says: the error of a failed run, why a paused one waits, else the current step."""
    run = tracked.run
    if run.status == "failed" and run.error is not None:
        return run.error.message or run.error.code or ""
    if run.needs_user and run.pause is not None:
        return "needs you: " + (run.pause.message or run.pause.reason or "paused")
    return run.step or ""


def job_cells(tracked: TrackedRun, now: float, ended_at: float | None = None, moved_at: float | None = None
              ) -> dict[str, Text]:
    """The row of one run; `ended_at` / `moved_at`: when this screen saw it end / saw its progress last change.
    Time left is the server's estimate where it gives one (counted down from our last reply)."""
    run = tracked.run
    gone = is_gone(run)
    elapsed = job_elapsed(tracked, now, ended_at)
    ident = f"#{tracked.creation_id} " if tracked.creation_id is not None else f"job {run.id} "
    title = title_text(tracked.title)
    label = getattr(tracked, "label", "") or ""
    if label:  # an edit job: what it does goes first, so a narrow column still shows it
        title = f"✎ {sanitize(label, single_line=True)} · {title}"
    step = step_of(tracked)
    pct = 100 if run.succeeded else run.progress_pct
    if run.stops_polling:
        left = "—"
    elif run.eta_seconds is not None:
        left = human_duration(max(0.0, run.eta_seconds - max(0.0, now - (tracked.received_at or now))))
    else:
        since = now - (moved_at if moved_at is not None else tracked.received_at or now)
        left = time_left(run.progress_pct, elapsed, since)
    status = f"∅ {GONE}" if gone else status_label(run.status)
    return {
        "creation": Text(truncate(ident + title, 100), no_wrap=True, overflow="ellipsis"),
        "type": Text(sanitize(tracked.type_name, single_line=True, max_len=40), no_wrap=True, overflow="ellipsis"),
        "status": Text(status, style="bold" if run.stops_polling else "", no_wrap=True, overflow="ellipsis"),
        "progress": Text(progress_bar(pct, width=8)),
        "step": Text(sanitize(step or "", single_line=True, max_len=80), no_wrap=True, overflow="ellipsis"),
        "elapsed": Text(human_duration(elapsed)),
        "eta": Text(left),
        "updated": Text(ago(now - tracked.received_at) if tracked.received_at else "—"),
    }


def run_facts(tracked: TrackedRun) -> str:
    """Credits, review and result code, where the surface gives them (unified), in one line."""
    run = tracked.run
    parts = []
    if run.estimated_credits is not None or run.actual_credits is not None:
        spent = f", spent {run.actual_credits}" if run.actual_credits is not None else ""
        parts.append(f"credits: estimated {run.estimated_credits if run.estimated_credits is not None else '—'}"
                     + spent)
    if run.review is not None and (run.review.status or run.review.notes):
        notes = f" ({run.review.notes})" if run.review.notes else ""
        parts.append(f"review: {run.review.status or '—'}{notes}")
    if run.result_code:
        parts.append(f"result: {run.result_code}")
    return sanitize(" · ".join(parts), single_line=True, max_len=400)


class JobsScreen(KGPScreen):
    BINDINGS = [
        Binding("enter", "open", "Open creation", id="jobs.open"),
        Binding("r", "refresh", "Refresh now", id="jobs.refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._cells: dict[str, dict[str, str]] = {}  # what each row shows now, as plain text
        self._by_creation: dict[str, set[str]] = {}  # creation id -> run ids, for a creation's new title
        self._columns: list[tuple[str, str, int]] = []
        self._stale: set[str] = set()  # rows off screen whose job changed since they were last drawn
        self._detail: Text | None = None
        self._ended: dict[str, float] = {}  # run id -> local time of the reply that said it ended (seen here)
        self._moved: dict[str, tuple[Any, float]] = {}  # run id -> (progress, local time it was first seen)

    def compose_body(self) -> ComposeResult:
        yield JobsTable(id="jobs-table", cursor_type="row")
        yield Static(Text(EMPTY), id="jobs-empty", markup=False)
        yield Static("", id="job-detail", markup=False)

    def on_mount(self) -> None:
        super().on_mount()
        self._sync()
        # Only the time columns change with the clock, and only the rows on screen need it (see _tick).
        self.set_interval(1.0, self._tick, name="jobs-clock")
        table = self.query_one("#jobs-table", DataTable)
        self.watch(table, "scroll_y", lambda *_: self._tick(), init=False)
        table.focus()

    def on_resize(self) -> None:
        self._sync()

    def on_screen_resume(self) -> None:
        self._tick()  # the clock stops while another screen is shown

    def on_store(self, topic: str, key: Any) -> None:
        """One poll reply changes one row: update that row only (a full pass per reply would be O(jobs²))."""
        if topic == "jobs" and key is not None and self._columns:
            self._update_row(key)
        elif topic == "creations" and key is not None and self._columns:
            for job_id in list(self._by_creation.get(key, ())):
                self._update_row(job_id)
        elif topic in ("jobs", "creations", "catalog"):
            self._sync()

    def _wanted_columns(self) -> list[tuple[str, str, int]]:
        offer = self.app.store.offer
        types = [p.type for p in offer.products] if offer is not None else []
        widest = max((cell_width(sanitize(t, single_line=True)) for t in types), default=None)
        return columns_for(self.size.width or self.app.size.width, widest)

    def _observe(self, tracked: TrackedRun) -> None:
        """Remember when a run was seen to end and when its progress last changed (the time columns need both)."""
        job, job_id = tracked.run, tracked.id
        seen = self._moved.get(job_id)
        if job.stops_polling:
            if seen is not None and job_id not in self._ended:  # it was shown running here: freeze its elapsed
                self._ended[job_id] = tracked.received_at or self.app.now()
            return
        if seen is None or seen[0] != job.progress_pct:
            now = self.app.now()
            when = tracked.received_at or now
            if seen is None and now - when >= STALL_SECONDS:  # a reply from an earlier run (the state file)
                when = now
            self._moved[job_id] = (job.progress_pct, when)

    def cells_of(self, tracked: TrackedRun, now: float) -> dict[str, Text]:
        job_id = tracked.id
        moved = self._moved.get(job_id)
        cells = job_cells(tracked, now, self._ended.get(job_id), moved[1] if moved else None)
        for key, _, width in self._columns:
            if key in WORD_CUT and cell_width(cells[key].plain) > width:  # the table would cut it mid-word
                cell = cells[key]
                cells[key] = Text(clip_words(cell.plain, width), style=cell.style, no_wrap=True)
        return cells

    def _sync(self) -> None:
        """Add new rows and update changed cells in place; the table is rebuilt only when the layout changes."""
        table = self.query_one("#jobs-table", DataTable)
        wanted = self._wanted_columns()
        if wanted != self._columns:
            table.clear(columns=True)
            self._stale.clear()
            for key, label, width in wanted:
                table.add_column(label, key=key, width=width)
            self._columns = wanted
            self._cells.clear()
        now = self.app.now()
        for job_id in [j for j in self._cells if j not in self.app.store.runs]:  # e.g. another profile connected
            table.remove_row(job_id)
            del self._cells[job_id]
            self._ended.pop(job_id, None)
            self._moved.pop(job_id, None)
            self._stale.discard(job_id)
            for jobs in self._by_creation.values():
                jobs.discard(job_id)
        for job_id in sorted(self.app.store.runs, key=id_order):
            self._update_row(job_id, now, detail=False)
        self._show_empty()
        self._show_detail()

    def _update_row(self, job_id: str, now: float | None = None, detail: bool = True,
                    only: tuple[str, ...] | None = None) -> None:
        tracked = self.app.store.runs.get(job_id)
        if tracked is None:
            return
        self._observe(tracked)
        table = self.query_one("#jobs-table", DataTable)
        known = self._cells.get(job_id)
        if known is not None and not self._visible(job_id, table):
            self._stale.add(job_id)  # a row off screen is brought up to date when it scrolls into view (_tick)
            return
        self._stale.discard(job_id)
        cells = self.cells_of(tracked, self.app.now() if now is None else now)
        keys = [key for key, _, _ in self._columns]
        if known is None:
            table.add_row(*(cells[k] for k in keys), key=job_id)
            self._cells[job_id] = {k: cells[k].plain for k in keys}
            if tracked.creation_id is not None:
                self._by_creation.setdefault(tracked.creation_id, set()).add(job_id)
            if len(self._cells) == 1:
                self._show_empty()
        else:
            changed = {k: cells[k] for k in only or keys if k in known and known[k] != cells[k].plain}
            if changed:
                table.set_cells({job_id: changed})  # type: ignore[attr-defined]
                known.update((k, cell.plain) for k, cell in changed.items())
        if detail and table.row_count and job_id == self._selected_id():
            self._show_detail()

    def _tick(self) -> None:
        """Once a second: refresh the time cells of the rows on screen (and the detail line), nothing else."""
        table = self.query_one("#jobs-table", DataTable)
        if not table.row_count or not self.is_current:
            return
        first = max(0, int(table.scroll_y))
        rows = table.ordered_rows[first:first + table.size.height + 1]
        now = self.app.now()
        for row in rows:
            job_id = str(row.key.value)
            self._update_row(job_id, now, detail=False, only=None if job_id in self._stale else TIME_COLUMNS)
        self._show_detail()

    @staticmethod
    def _visible(job_id: str, table: DataTable) -> bool:
        try:
            index = table.get_row_index(job_id)
        except Exception:  # noqa: BLE001 - a row that is not there is not visible
            return False
        first = int(table.scroll_y)
        return first <= index <= first + table.size.height

    def _show_empty(self) -> None:
        empty = not self.app.store.runs
        self.query_one("#jobs-empty", Static).display = empty
        self.query_one("#jobs-table", DataTable).display = not empty

    def _selected_id(self) -> str | None:
        table = self.query_one("#jobs-table", DataTable)
        if table.row_count == 0:
            return None
        row_key, _ = table.coordinate_to_cell_key((table.cursor_row, 0))
        return str(row_key.value)

    def selected(self) -> TrackedRun | None:
        job_id = self._selected_id()
        return None if job_id is None else self.app.store.runs.get(job_id)  # type: ignore[no-any-return]

    def _show_detail(self) -> None:
        tracked = self.selected()
        detail = self.query_one("#job-detail", Static)
        if tracked is None:
            self._set_detail(detail, Text(""))
            return
        run = tracked.run
        cells = self.cells_of(tracked, self.app.now())
        text = Text()
        text.append(cells["creation"].plain + "\n", style="bold")
        parts = [tracked.type_name, cells["status"].plain, cells["progress"].plain.strip()]
        if run.step:
            parts.append(sanitize(run.step, single_line=True, max_len=120))
        parts += [f"elapsed {cells['elapsed'].plain}", f"left {cells['eta'].plain}", f"updated {cells['updated'].plain}"]
        text.append(" · ".join(p for p in parts if p))
        extras = run_facts(tracked)
        if extras:
            text.append("\n" + extras)
        error = run.error
        if run.status == "failed" and error is not None:
            code = sanitize(error.code or "", single_line=True, max_len=60)
            message = sanitize(error.message or "", single_line=True, max_len=400)
            text.append(f"\nError {code}: {message}", style="bold")
        if run.needs_user:
            text.append("\n" + sanitize(step_of(tracked), single_line=True, max_len=400), style="bold")
        if tracked.creation_id is not None:
            text.append("\nEnter opens the creation · r refreshes now", style="italic")
        self._set_detail(detail, text)

    def _set_detail(self, detail: Static, text: Text) -> None:
        """Redraw the detail line only when it changed, and re-layout only when its height did."""
        if text == self._detail:
            return
        lines = text.plain.count("\n")
        detail.update(text, layout=self._detail is None or lines != self._detail.plain.count("\n"))
        self._detail = text

    @on(DataTable.RowHighlighted, "#jobs-table")
    def _highlighted(self) -> None:
        self._show_detail()

    @on(DataTable.RowSelected, "#jobs-table")
    def _selected(self) -> None:
        self.action_open()

    def action_open(self) -> None:
        tracked = self.selected()
        if tracked is None or tracked.creation_id is None:
            return
        self.app.open_creation(tracked.creation_id)

    def action_refresh(self) -> None:
        self.app.action_refresh_jobs()

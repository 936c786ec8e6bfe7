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
    estimate_remaining,
    human_duration,
    progress_bar,
    sanitize,
    seconds_between,
    status_label,
)
from kgp_tui.screens.base import KGPScreen
from kgp_tui.store import id_order

if TYPE_CHECKING:
    from kgp_tui.store import TrackedRun

# (key, label, width); "creation" and "step" share what is left. Narrow terminals drop Type and Updated (the
# detail line below the table repeats them).
FIXED_NARROW = [("status", "Status", 11), ("progress", "Progress", 13), ("elapsed", "Elapsed", 7), ("eta", "Left", 6)]
FIXED_WIDE = [("type", "Type", 16), *FIXED_NARROW, ("updated", "Updated", 8)]
WIDE_FROM = 120


def columns_for(width: int) -> list[tuple[str, str, int]]:
    fixed = FIXED_WIDE if width >= WIDE_FROM else FIXED_NARROW
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


def job_timing(tracked: TrackedRun, now: float) -> tuple[float | None, float | None, float]:
    """(elapsed, seconds left, seconds since our last update) for a tracked run at wall time `now`. Seconds left
    are the server's estimate when it gives one (as of our last reply), else guessed from the progress."""
    from datetime import datetime, timezone

    run = tracked.run
    moment = datetime.fromtimestamp(now, tz=timezone.utc)
    end = (run.finished_at or run.updated_at) if run.is_terminal else None
    elapsed = seconds_between(run.created_at, end or moment)
    if elapsed is None:
        elapsed = max(0.0, now - tracked.first_seen) if tracked.first_seen else None
    age = max(0.0, now - tracked.received_at)
    if run.stops_polling:
        left = None
    elif run.eta_seconds is not None:
        left = max(0.0, run.eta_seconds - age)
    else:
        left = estimate_remaining(elapsed, run.progress_pct)
    return elapsed, left, age


def step_of(tracked: TrackedRun) -> str:
    """What the step column says: the error of a failed run, why a paused one waits, else the current step."""
    run = tracked.run
    if run.status == "failed" and run.error is not None:
        return run.error.message or run.error.code or ""
    if run.needs_user and run.pause is not None:
        return "needs you: " + (run.pause.message or run.pause.reason or "paused")
    return run.step or ""


def job_cells(tracked: TrackedRun, now: float) -> dict[str, Text]:
    run = tracked.run
    elapsed, left, age = job_timing(tracked, now)
    ident = f"#{tracked.creation_id} " if tracked.creation_id is not None else f"job {run.id} "
    title = tracked.title or ""
    label = getattr(tracked, "label", "") or ""
    if label:  # an edit job: what it does goes first, so a narrow column still shows it
        title = f"✎ {label} · {title}"
    title = sanitize(title, single_line=True, max_len=80)
    step = step_of(tracked)
    pct = 100 if run.succeeded else run.progress_pct
    return {
        "creation": Text(ident + title, no_wrap=True, overflow="ellipsis"),
        "type": Text(sanitize(tracked.type_name, single_line=True, max_len=30)),
        "status": Text(status_label(run.status), style="bold" if run.stops_polling else ""),
        "progress": Text(progress_bar(pct, width=8)),
        "step": Text(sanitize(step or "", single_line=True, max_len=80), no_wrap=True, overflow="ellipsis"),
        "elapsed": Text(human_duration(elapsed)),
        "eta": Text("—" if run.stops_polling else human_duration(left)),
        "updated": Text(f"{human_duration(age)} ago"),
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

    def compose_body(self) -> ComposeResult:
        yield DataTable(id="jobs-table", cursor_type="row")
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
        elif topic in ("jobs", "creations"):
            self._sync()

    def _wanted_columns(self) -> list[tuple[str, str, int]]:
        return columns_for(self.size.width or self.app.size.width)

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
        table = self.query_one("#jobs-table", DataTable)
        known = self._cells.get(job_id)
        if known is not None and not self._visible(job_id, table):
            # Any cell update makes the DataTable re-render every visible cell (its render cache is keyed by an
            # update counter): a row off screen is brought up to date when it scrolls into view (_tick).
            self._stale.add(job_id)
            return
        self._stale.discard(job_id)
        cells = job_cells(tracked, self.app.now() if now is None else now)
        keys = [key for key, _, _ in self._columns]
        if known is None:
            table.add_row(*(cells[k] for k in keys), key=job_id)
            self._cells[job_id] = {k: cells[k].plain for k in keys}
            if tracked.creation_id is not None:
                self._by_creation.setdefault(tracked.creation_id, set()).add(job_id)
            if len(self._cells) == 1:
                self._show_empty()
        else:
            for k in only or keys:
                if k in known and known[k] != cells[k].plain:
                    table.update_cell(job_id, k, cells[k])
                    known[k] = cells[k].plain
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
        cells = job_cells(tracked, self.app.now())
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

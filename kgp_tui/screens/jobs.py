"""JobsScreen: every tracked job in a live table, updated in place (the cursor never jumps)."""

from __future__ import annotations

from typing import Any

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


EMPTY = "No jobs yet. F2 opens the catalog: pick a type, press Enter, fill the form, ctrl+s submits."


def job_timing(tracked: Any, now: float) -> tuple[float | None, float | None, float]:
    """(elapsed, seconds left, seconds since our last update) for a tracked job at wall time `now`."""
    from datetime import datetime, timezone

    job = tracked.job
    moment = datetime.fromtimestamp(now, tz=timezone.utc)
    end = getattr(job, "finished_at", None) if job.is_terminal else None
    elapsed = seconds_between(getattr(job, "created_at", None), end or moment)
    if elapsed is None:
        elapsed = max(0.0, now - tracked.first_seen) if tracked.first_seen else None
    left = None if job.is_terminal else estimate_remaining(elapsed, job.progress_pct)
    return elapsed, left, max(0.0, now - tracked.received_at)


def job_cells(tracked: Any, now: float) -> dict[str, Text]:
    job = tracked.job
    elapsed, left, age = job_timing(tracked, now)
    ident = f"#{tracked.creation_id} " if tracked.creation_id is not None else f"job {job.job_id} "
    title = sanitize(tracked.title or "", single_line=True, max_len=80)
    step = job.current_step
    if job.status == "failed" and getattr(job, "error", None) is not None:
        step = job.error.message or job.error.code
    pct = 100 if job.status == "succeeded" else job.progress_pct
    return {
        "creation": Text(ident + title, no_wrap=True, overflow="ellipsis"),
        "type": Text(sanitize(tracked.type_name, single_line=True, max_len=30)),
        "status": Text(status_label(job.status), style="bold" if job.is_terminal else ""),
        "progress": Text(progress_bar(pct, width=8)),
        "step": Text(sanitize(step or "", single_line=True, max_len=80), no_wrap=True, overflow="ellipsis"),
        "elapsed": Text(human_duration(elapsed)),
        "eta": Text("—" if job.is_terminal else human_duration(left)),
        "updated": Text(f"{human_duration(age)} ago"),
    }


class JobsScreen(KGPScreen):
    BINDINGS = [
        Binding("enter", "open", "Open creation", id="jobs.open"),
        Binding("r", "refresh", "Refresh now", id="jobs.refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._cells: dict[int, dict[str, str]] = {}
        self._columns: list[tuple[str, str, int]] = []

    def compose_body(self) -> ComposeResult:
        yield DataTable(id="jobs-table", cursor_type="row")
        yield Static(Text(EMPTY), id="jobs-empty", markup=False)
        yield Static("", id="job-detail", markup=False)

    def on_mount(self) -> None:
        super().on_mount()
        self._sync()
        self.set_interval(1.0, self._sync, name="jobs-clock")
        self.query_one("#jobs-table", DataTable).focus()

    def on_resize(self) -> None:
        self._sync()

    def on_store(self, topic: str, key: Any) -> None:
        if topic in ("jobs", "creations"):
            self._sync()

    def _wanted_columns(self) -> list[tuple[str, str, int]]:
        return columns_for(self.size.width or self.app.size.width)

    def _sync(self) -> None:
        """Add new rows and update changed cells in place; the table is rebuilt only when the layout changes."""
        table = self.query_one("#jobs-table", DataTable)
        wanted = self._wanted_columns()
        if wanted != self._columns:
            table.clear(columns=True)
            for key, label, width in wanted:
                table.add_column(label, key=key, width=width)
            self._columns = wanted
            self._cells.clear()
        now = self.app.now()
        keys = [key for key, _, _ in wanted]
        for job_id, tracked in sorted(self.app.store.jobs.items()):
            cells = job_cells(tracked, now)
            plain = {k: cells[k].plain for k in keys}
            known = self._cells.get(job_id)
            if known is None:
                table.add_row(*(cells[k] for k in keys), key=str(job_id))
            else:
                for k in keys:
                    if known[k] != plain[k]:
                        table.update_cell(str(job_id), k, cells[k])
            self._cells[job_id] = plain
        empty = not self.app.store.jobs
        self.query_one("#jobs-empty", Static).display = empty
        table.display = not empty
        self._show_detail()

    def selected(self) -> Any:
        table = self.query_one("#jobs-table", DataTable)
        if table.row_count == 0:
            return None
        row_key, _ = table.coordinate_to_cell_key((table.cursor_row, 0))
        return self.app.store.jobs.get(int(row_key.value))

    def _show_detail(self) -> None:
        tracked = self.selected()
        detail = self.query_one("#job-detail", Static)
        if tracked is None:
            detail.update(Text(""))
            return
        job = tracked.job
        cells = job_cells(tracked, self.app.now())
        text = Text()
        text.append(cells["creation"].plain + "\n", style="bold")
        parts = [tracked.type_name, cells["status"].plain, cells["progress"].plain.strip()]
        if job.current_step:
            parts.append(sanitize(job.current_step, single_line=True, max_len=120))
        parts += [f"elapsed {cells['elapsed'].plain}", f"left {cells['eta'].plain}", f"updated {cells['updated'].plain}"]
        text.append(" · ".join(p for p in parts if p))
        error = getattr(job, "error", None)
        if job.status == "failed" and error is not None:
            code = sanitize(error.code or "", single_line=True, max_len=60)
            message = sanitize(error.message or "", single_line=True, max_len=400)
            text.append(f"\nError {code}: {message}", style="bold")
        if tracked.creation_id is not None:
            text.append("\nEnter opens the creation · r refreshes now", style="italic")
        detail.update(text)

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

"""Downloads in the app: `Downloads` (the queue behind F7), the `d`/`D` keys of the creation screen, and the
downloads view with a progress bar per file (bytes, rate, time left), cancel and retry.

Data flows one way: the manager's transfers (kgp_tui.downloads, on the event loop, disk and SQLite on threads)
post `DownloadChanged`; the App hands it to `Downloads.apply`, which keeps the latest view of each file and tells
the store's observers (topic "downloads"); the view and the status bar redraw from that.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widgets import DataTable, Static

from kgp_tui.format import human_duration, human_size, progress_bar, sanitize
from kgp_tui.screens.base import KGPScreen

if TYPE_CHECKING:
    from kgp_tui.api.domain import Creation, Result
    from kgp_tui.downloads.manager import Download, DownloadManager

TOPIC = "downloads"
CONNECT_WAIT_STEPS = 100  # × 0.2 s
STATE_WORDS = {"queued": "◷ queued", "active": "▶ downloading", "done": "✔ done", "failed": "✖ failed",
               "cancelled": "⊘ cancelled"}


class DownloadChanged(Message):
    """A download moved on (progress, state, message): its latest frozen view."""

    def __init__(self, item: Download) -> None:
        super().__init__()
        self.item = item


class _LazyJournal:
    """The state file's downloads table, opened on first use (always on a worker thread)."""

    def __init__(self, path: Any = None) -> None:
        self.path = path
        self._db: Any = None
        self._lock = threading.Lock()

    def _open(self) -> Any:
        with self._lock:
            if self._db is None:
                from kgp_tui.persist import LocalStore

                self._db = LocalStore.open(self.path)
            return self._db

    def save_download(self, part: str, data: dict[str, Any]) -> None:
        self._open().save_download(part, data)

    def drop_download(self, part: str) -> None:
        self._open().drop_download(part)

    def downloads(self) -> list[dict[str, Any]]:
        return list(self._open().downloads())

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None


class Downloads:
    """The app's downloads: the manager (made when first needed) and the latest view of every file."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.items: dict[int, Download] = {}
        self.journal = _LazyJournal(getattr(getattr(app, "persistence", None), "path", None))
        self._manager: DownloadManager | None = None
        self._http: Any = None

    @property
    def active_count(self) -> int:
        return sum(1 for item in self.items.values() if item.active)

    @property
    def manager(self) -> DownloadManager:
        if self._manager is None:
            from kgp_tui.downloads import http_client, insecure_http_allowed
            from kgp_tui.downloads.manager import DownloadManager

            config = self.app.config
            self._http = http_client()
            self._manager = DownloadManager(
                self._http, on_change=lambda item: self.app.post_message(DownloadChanged(item)),
                journal=self.journal, auth=self._auth, refresh_url=self._fresh_url,
                allow_insecure_http=insecure_http_allowed(config))
        return self._manager

    def folder_for(self, creation_id: str) -> Path:
        from kgp_tui.config import downloads_root
        from kgp_tui.downloads.naming import folder_name

        return downloads_root(self.app.config) / folder_name(creation_id)

    def start(self, creation: Creation, results: list[Result]) -> list[Download]:
        return self.manager.add(creation.id, results, self.folder_for(creation.id))

    def cancel(self, download_id: int) -> None:
        self.manager.cancel(download_id)

    def retry(self, download_id: int) -> Download | None:
        return self.manager.retry(download_id)

    def apply(self, item: Download) -> None:
        """The App's handler of DownloadChanged: the one place the shown state of a download changes."""
        self.items[item.id] = item
        self.app.store._changed(TOPIC, item.id)

    def restore(self) -> None:
        """At start: resume what a previous run left in progress (read on a thread; nothing if there is none)."""
        self.app.run_worker(self._restore, thread=True, exit_on_error=False, group="downloads-restore")

    def _restore(self) -> None:
        try:
            rows = self.journal.downloads()
        except Exception:  # noqa: BLE001 - a state file that cannot be read has nothing to resume
            return
        if rows:
            self.app.call_from_thread(lambda: self.manager.restore(rows))  # the manager is made on the loop

    async def close(self) -> None:
        """On quit: transfers stop, their .part files and rows stay for the next start."""
        if self._manager is not None:
            await self._manager.aclose()
        if self._http is not None:
            await self._http.aclose()
        self.journal.close()

    def _auth(self) -> Any:
        from kgp_tui.downloads import api_auth

        return api_auth(self.app.adapter) if self.app.adapter is not None else None

    async def _fresh_url(self, item: Download) -> str | None:
        """An expired link, retried: ask the server for the creation again and take the same result's new URL."""
        import asyncio

        for _ in range(CONNECT_WAIT_STEPS):  # a download resumed at start may come before the connect ends
            if self.app.adapter is not None or not item.creation_id:
                break
            await asyncio.sleep(0.2)
        adapter = self.app.adapter
        if adapter is None or not item.creation_id:
            return None
        try:
            creation = await adapter.creation(item.creation_id, retries=1)
            results = creation.results or (await adapter.outputs(item.creation_id) if creation.run else ())
        except Exception:  # noqa: BLE001 - the retry then tries the old link and says what it answers
            return None
        same = next((r for r in results if r.url and (r.id == item.result_id if item.result_id else
                                                      r.label == item.label)), None)
        return same.url if same is not None else None


class DownloadKeys:
    """`d` and `D` on the creation screen (mixed into CreationScreen, which has `creation` and `_selected`)."""

    def action_download_selected(self) -> None:
        creation = self.creation  # type: ignore[attr-defined]
        result = self._selected("#artifacts", creation.results) if creation is not None else None  # type: ignore[attr-defined]
        if result is None or not result.url:
            self.notify("Nothing to download here: select an artifact or output that has a URL.",  # type: ignore[attr-defined]
                        severity="warning", markup=False)
            return
        self._download(creation, [result])

    def action_download_all(self) -> None:
        creation = self.creation  # type: ignore[attr-defined]
        results = [r for r in creation.results if r.url] if creation is not None else []
        if not results:
            self.notify("This creation has no files to download.", severity="warning", markup=False)  # type: ignore[attr-defined]
            return
        self._download(creation, results)

    def _download(self, creation: Creation, results: list[Result]) -> None:
        downloads: Downloads = self.app.downloads  # type: ignore[attr-defined]
        items = downloads.start(creation, results)
        what = f"{len(items)} files" if len(items) != 1 else repr(items[0].name)
        folder = sanitize(str(downloads.folder_for(creation.id)), single_line=True, max_len=120)
        self.notify(f"Downloading {what} to {folder} (F7 shows them).", markup=False)  # type: ignore[attr-defined]


def _cells(item: Download) -> tuple[Text, ...]:
    pct = 100.0 * item.done / item.total if item.total else (100.0 if item.state == "done" else None)
    size = f"{human_size(item.done)} of {human_size(item.total or item.size_bytes)}"
    rate = f"{human_size(item.rate)}/s" if item.rate else "—"
    left = human_duration(item.eta) if item.active and item.eta is not None else "—"
    state = STATE_WORDS.get(item.state, item.state)
    note = f"{state}: {item.message}" if item.message else state
    return tuple(Text(sanitize(cell, single_line=True, max_len=200)) for cell in (
        item.name, progress_bar(pct, 12), size, rate, left, note))


class DownloadsScreen(KGPScreen):
    """Every file downloaded in this session (and those resumed from the last one), newest last."""

    BINDINGS = [
        Binding("c", "cancel", "Cancel", id="downloads.cancel"),
        Binding("r", "retry", "Retry", id="downloads.retry"),
    ]
    COLUMNS = (("name", "File"), ("progress", "Progress"), ("bytes", "Bytes"), ("rate", "Rate"), ("left", "Left"),
               ("state", "Status"))

    def compose_body(self) -> ComposeResult:
        yield Static(Text("Downloads"), id="downloads-summary", markup=False)
        yield DataTable(id="downloads", cursor_type="row")
        yield Static(Text(""), id="downloads-detail", markup=False)

    def on_mount(self) -> None:
        super().on_mount()
        table = self.query_one("#downloads", DataTable)
        for key, label in self.COLUMNS:
            table.add_column(label, key=key)
        for item in self._downloads.items.values():
            self._show(item)
        self._summarize()
        table.focus()

    @property
    def _downloads(self) -> Downloads:
        return getattr(self.app, "downloads")  # noqa: B009 - KGPApp's, not textual.App's

    def on_store(self, topic: str, key: Any) -> None:
        if topic == TOPIC and key in self._downloads.items:
            self._show(self._downloads.items[key])
            self._summarize()

    def _show(self, item: Download) -> None:
        table = self.query_one("#downloads", DataTable)
        cells = _cells(item)
        row = str(item.id)
        if row in table.rows:
            for (column, _label), cell in zip(self.COLUMNS, cells, strict=True):
                table.update_cell(row, column, cell, update_width=True)
        else:
            table.add_row(*cells, key=row)

    def _summarize(self) -> None:
        items = list(self._downloads.items.values())
        active = sum(1 for item in items if item.active)
        done = sum(1 for item in items if item.state == "done")
        text = (f"Downloads: {active} in progress, {done} done of {len(items)}. c cancels, r retries."
                if items else "No downloads yet: d on a creation's artifact or output downloads it, D all of them.")
        self.query_one("#downloads-summary", Static).update(Text(text))
        selected = self._selected()
        detail = ""
        if selected is not None:
            where = selected.path or selected.folder / selected.name
            detail = f"{where}" + (f"  sha256 {selected.sha256}" if selected.sha256 else "")
        self.query_one("#downloads-detail", Static).update(Text(sanitize(detail, single_line=True, max_len=400)))

    def on_data_table_row_highlighted(self) -> None:
        self._summarize()

    def _selected(self) -> Download | None:
        table = self.query_one("#downloads", DataTable)
        if table.row_count == 0:
            return None
        try:
            key = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value
        except Exception:  # noqa: BLE001 - no row under the cursor
            return None
        return self._downloads.items.get(int(key)) if key is not None else None

    def action_cancel(self) -> None:
        item = self._selected()
        if item is None or not item.active:
            self.notify("Select a download in progress to cancel it.", severity="warning", markup=False)
            return
        self._downloads.cancel(item.id)

    def action_retry(self) -> None:
        item = self._selected()
        if item is None or item.state not in ("failed", "cancelled"):
            self.notify("Only a failed or cancelled download can be retried.", severity="warning", markup=False)
            return
        self._downloads.retry(item.id)

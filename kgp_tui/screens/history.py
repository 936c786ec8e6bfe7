"""HistoryScreen: every creation of the key's owner (GET /creations), page by page as the user scrolls.

Filters (type, status) and a debounced search restart the list from page 1. A filter the server's surface lacks
(the unified list has no status or search filter: `adapter.list_filters`) is applied here to the rows loaded, and
the summary line says so. Each restart bumps a generation
counter; a reply from an older generation is dropped, so a slow answer to an old search never overwrites a newer
one. Rows are small tuples (kgp_tui.screens.history_list), not models: ten thousand of them stay cheap.
"""

from __future__ import annotations

import asyncio
from typing import Any, NamedTuple

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Input, Select, Static

from kgp_tui.failures import log_unexpected
from kgp_tui.format import error_text, sanitize, status_label
from kgp_tui.screens.base import KGPScreen
from kgp_tui.screens.history_list import HistoryList, HistoryRow, columns_for, row_of
from kgp_tui.widgets.ordered import ListFilter

PAGE_SIZE = 100
PREFETCH_ROWS = 20  # ask for the next page when the cursor or the scroll is this close to the last loaded row
DEBOUNCE_SECONDS = 0.3
STATUSES = ("queued", "processing", "ready", "failed", "invalid")  # the documented creation statuses
UNIFIED_STATUSES = ("planning", "generating", "reviewing", "ready", "failed", "paused")


class Query(NamedTuple):
    text: str = ""
    type: str | None = None
    status: str | None = None


class HistoryPage(Message):
    """One page of GET /creations for the query of `generation`."""

    def __init__(self, generation: int, page: int, rows: list[HistoryRow], total: int | None,
                 has_next: bool) -> None:
        super().__init__()
        self.generation, self.page, self.rows, self.total, self.has_next = generation, page, rows, total, has_next


class HistoryFailed(Message):
    def __init__(self, generation: int, page: int, error: BaseException) -> None:
        super().__init__()
        self.generation, self.page, self.error = generation, page, error


class HistoryScreen(KGPScreen):
    BINDINGS = [
        Binding("enter", "open", "Open", id="history.open"),
        Binding("slash", "search", "Search", id="history.search"),
        Binding("t", "pick_type", "Type", id="history.type"),
        Binding("s", "pick_status", "Status", id="history.status"),
        Binding("r", "reload", "Reload", id="history.reload"),
        Binding("escape", "clear_search", "Clear search", id="history.clear_search", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[HistoryRow] = []
        self._positions: dict[str, int] = {}  # creation id -> index in self.rows
        self.query_state = Query()
        self.generation = 0
        self.total: int | None = None
        self.has_next = False
        self._next_page = 1
        self.fetching: int | None = None  # the page being fetched for the current generation
        self._debouncing: int | None = None  # the generation whose search waits for the typist to pause
        self._listed: Query | None = None  # the query whose rows are on screen
        self._id_width = 6  # the widest creation id loaded (the id column fits it)
        self._open_when_listed: int | None = None  # Enter came before this generation's rows: open on arrival
        self.failed_page: int | None = None
        self.stale_replies = 0  # replies dropped because a newer query had started (tests read it)
        self._note = ""
        self._adapter: Any = None
        self._columns: list[tuple[str, str, int]] = []
        self._type_options: list[str] | None = None
        self._quick_pick: Select | None = None  # the filter list opened with t or s

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="history-filters"):
            yield ListFilter(placeholder="/ search title or prompt", id="history-search", list_id="history-table")
            yield Select([], prompt="All types", id="history-type", compact=True)
            yield Select([(status_label(s), s) for s in STATUSES], prompt="All statuses", id="history-status",
                         compact=True)
        yield Static("", id="history-summary", markup=False)
        yield HistoryList(id="history-table")
        yield Static("", id="history-message", markup=False)

    def on_mount(self) -> None:
        super().on_mount()
        table = self.query_one("#history-table", HistoryList)
        self._layout_columns()
        self.watch(table, "scroll_y", self._scrolled, init=False)
        for select in self.query(Select):
            self.watch(select, "expanded", self._select_closed, init=False)
        self.call_after_refresh(self._fill_type_options)  # the Select must finish composing first
        table.focus()
        self._adapter = self.app.adapter
        if self._adapter is not None:
            self.restart()
        else:
            session = self.app.store.session
            self._note = ("Connecting: the list loads once the key is checked." if session is not None
                          and not session.confirmed else "Not connected: F4 connects; the list loads once you are.")
            self._show_status()

    def on_resize(self) -> None:
        self._layout_columns()

    def on_store(self, topic: str, key: Any) -> None:
        if topic in ("catalog", "session"):  # an unchanged offer is not set again: the session says connected
            if topic == "catalog":
                self._fill_type_options()
            if self.app.adapter is not None and self.app.adapter is not self._adapter:
                self._adapter = self.app.adapter  # connected (anew: another server or key): start over
                self.restart()
        elif topic == "creations" and key in self._positions:
            self._update_status(key)

    # -- fetching ------------------------------------------------------------------------------------------

    def restart(self, debounce: float = 0.0) -> None:
        """A new query (or a reload): fetch page 1; the rows on screen stay until it arrives."""
        self.generation += 1
        self.failed_page = None
        self._request(1, debounce)

    def _request(self, page: int, debounce: float = 0.0) -> None:
        if self.app.adapter is None:
            self._note = "Not connected: F4 connects."
            self._show_status()
            return
        self.fetching = page
        self._note = ""
        self._show_status()
        self._fetch(self.app.adapter, self.generation, page, self.query_state, debounce)

    @work(exclusive=True, exit_on_error=False, group="history-fetch")
    async def _fetch(self, adapter: Any, generation: int, page: int, query: Query, debounce: float) -> None:
        if debounce:
            self._debouncing = generation
            await asyncio.sleep(debounce)  # a newer keystroke cancels this worker (exclusive) before it sends
            self._debouncing = None
        from kgp_tui.api.domain import filter_locally

        filters = adapter.list_filters
        status = query.status if filters.status else None
        text = (query.text or None) if filters.query else None
        try:  # the adapter asked with, not self.app.adapter: that may have been replaced (or dropped) meanwhile
            result = await adapter.list_creations(type=query.type, status=status, query=text, page=page,
                                                  page_size=PAGE_SIZE, retries=1)
            items = list(result.items)
            if (query.status and not filters.status) or (query.text and not filters.query):
                items = filter_locally(items, None if filters.status else query.status,
                                       None if filters.query else query.text)
            rows = [row_of(item) for item in items]
        except Exception as error:  # noqa: BLE001 - every failure becomes the message line
            self.post_message(HistoryFailed(generation, page, error))
            return
        self.post_message(HistoryPage(generation, page, rows, result.total, result.has_next))

    def on_history_page(self, message: HistoryPage) -> None:
        if message.generation != self.generation:
            self.stale_replies += 1
            return
        self.fetching = None
        self.failed_page = None
        self.total = message.total
        self.has_next = message.has_next and bool(message.rows)
        table = self.query_one("#history-table", HistoryList)
        table.now = self.app.now()
        if message.page == 1:
            self.rows = []
            self._positions = {}
        for row in message.rows:
            if row.creation_id not in self._positions:  # pages shift as new creations arrive: no row twice
                self._positions[row.creation_id] = len(self.rows)
                self.rows.append(row)
        # the id column fits the widest id loaded: page 1 starts again from v1's width, later pages only widen it
        floor = 6 if message.page == 1 else self._id_width
        self._id_width = max([floor, *(len(row.creation_id) for row in message.rows)])
        self._layout_columns()  # re-lays the list out only when the columns change
        if message.page == 1:
            self._listed = self.query_state
            table.set_rows(self.rows)  # the list shares this list object; later pages only call grew()
        else:
            table.grew()
        if self._open_when_listed == message.generation:
            self._open_when_listed = None
            self.call_after_refresh(self.action_open)
        self._next_page = message.page + 1
        self._show_status()
        self.call_after_refresh(self._maybe_load_more)

    def on_history_failed(self, message: HistoryFailed) -> None:
        if message.generation != self.generation:
            self.stale_replies += 1
            return
        self.fetching = None
        self.failed_page = message.page
        self._open_when_listed = None
        log_unexpected(message.error, f"loading page {message.page} of the history")
        what = "Searching" if message.page == 1 else f"Loading page {message.page}"
        kept = f" The {len(self.rows)} rows loaded stay." if self.rows else ""
        self._note = f"{what} failed: {error_text(message.error)} — r retries.{kept}"
        self._show_status()

    def _maybe_load_more(self) -> None:
        """The next page, when the cursor or the view is near the last loaded row and nothing is in flight."""
        if self.fetching is not None or self.failed_page is not None or not self.has_next or not self.is_mounted:
            return
        table = self.query_one("#history-table", HistoryList)
        bottom_row = table.scroll_y + table.scrollable_content_region.height - 1  # less the header line
        if table.cursor_row >= len(self.rows) - PREFETCH_ROWS or bottom_row >= len(self.rows) - PREFETCH_ROWS:
            self._request(self._next_page)

    def _scrolled(self, _value: float) -> None:
        self._maybe_load_more()

    @on(HistoryList.Highlighted, "#history-table")
    def _highlighted(self) -> None:
        self._maybe_load_more()

    # -- showing -------------------------------------------------------------------------------------------

    def _layout_columns(self) -> None:
        wanted = columns_for(self.size.width or self.app.size.width, self._id_width)
        if wanted != self._columns:
            self._columns = wanted
            self.query_one("#history-table", HistoryList).set_columns(wanted)

    def _update_status(self, creation_id: str) -> None:
        """A creation opened or polled since it was listed: its row shows the newer status."""
        creation = self.app.store.creations.get(creation_id)
        index = self._positions[creation_id]
        status = sanitize(getattr(creation, "status", None) or "unknown", single_line=True, max_len=20)
        row = self.rows[index]
        if row.status != status:
            self.rows[index] = row._replace(status=status)
            self.query_one("#history-table", HistoryList).refresh_row(index)

    def _show_status(self) -> None:
        query = self.query_state
        parts = []
        if self.total is not None:
            parts.append(f"{self.total} creation{'' if self.total == 1 else 's'}")
        parts.append(f"{len(self.rows)} loaded")
        filters = [f"type {query.type}" if query.type else "", f"status {query.status}" if query.status else "",
                   f"matching “{sanitize(query.text, single_line=True, max_len=40)}”" if query.text else ""]
        if any(filters):
            parts.append(", ".join(f for f in filters if f))
        local = self._local_filters()
        if local:
            parts.append(f"{local} filtered here, among the rows loaded (this server's list has no such filter)")
        self.query_one("#history-summary", Static).update(Text(" · ".join(parts)))
        message = self.query_one("#history-message", Static)
        if self._note:
            note = Text(self._note)
        elif self.fetching is not None:
            note = Text("Searching…" if self.fetching == 1 else f"Loading page {self.fetching}…")
        elif not self.rows and self.total is not None:
            note = Text("No creation matches these filters." if any(filters) else "No creations yet: F2 makes one.")
        else:
            note = Text("Enter opens · / searches · t type · s status · r reloads", style="italic")
        message.set_class(bool(self._note), "-error")
        message.update(note)

    def _local_filters(self) -> str:
        """Which of the current filters the server cannot apply ('' when it applies them all)."""
        adapter = self.app.adapter
        if adapter is None:
            return ""
        filters = adapter.list_filters
        local = [name for name, wanted, served in (("status", self.query_state.status, filters.status),
                                                     ("search", self.query_state.text, filters.query))
                 if wanted and not served]
        return " and ".join(local).capitalize()

    def _fill_type_options(self) -> None:
        offer = self.app.store.offer
        if offer is None:
            return
        types = [p.type for p in offer.products]
        if types == self._type_options:
            return
        self._type_options = types
        statuses = UNIFIED_STATUSES if offer.surface == "unified" else STATUSES
        self.query_one("#history-status", Select).set_options([(status_label(x), x) for x in statuses])
        labels = {p.type: sanitize(p.label or p.type, single_line=True, max_len=40) for p in offer.products}
        self.query_one("#history-type", Select).set_options([(Text(labels[t]), t) for t in types])

    # -- keys and filters -------------------------------------------------------------------------------------

    def selected(self) -> HistoryRow | None:
        table = self.query_one("#history-table", HistoryList)
        if not 0 <= table.cursor_row < len(self.rows):
            return None
        return self.rows[table.cursor_row]

    @on(HistoryList.Selected, "#history-table")
    def _row_selected(self) -> None:
        self.action_open()

    def action_open(self) -> None:
        if self.fetching == 1 and self._listed != self.query_state:
            # the rows on screen answer an older search (a burst: "/word", Enter, Enter): open what this one finds
            if self._debouncing == self.generation:
                self.restart()  # and ask now, not after the typist's pause
            self._open_when_listed = self.generation
            return
        row = self.selected()
        if row is not None:
            self.app.open_creation(row.creation_id)

    def action_search(self) -> None:
        # at once, not after the keys already queued (Widget.focus waits its turn): "/word" typed in a burst
        self.set_focus(self.query_one("#history-search", Input))

    def action_pick_type(self) -> None:
        self._open_select("#history-type")

    def action_pick_status(self) -> None:
        self._open_select("#history-status")

    def _open_select(self, selector: str) -> None:
        """t / s: open the list; once it closes (picked or not), focus is back on the rows."""
        select = self.query_one(selector, Select)
        select.focus()
        select.action_show_overlay()
        self._quick_pick = select

    def _select_closed(self, expanded: bool) -> None:
        if not expanded and self._quick_pick is not None:
            self._quick_pick = None
            # after the Select has re-focused itself (it does so once its overlay closes)
            self.call_after_refresh(self.query_one("#history-table", HistoryList).focus)

    def action_clear_search(self) -> None:
        search = self.query_one("#history-search", Input)
        if search.value:
            search.value = ""  # Input.Changed restarts the list
        self.set_focus(self.query_one("#history-table", HistoryList))

    def action_reload(self) -> None:
        if self.failed_page is not None and self.failed_page > 1:
            page, self.failed_page = self.failed_page, None
            self._request(page)  # the rows already loaded stay; only the missing page is asked again
        else:
            self.restart()

    @on(Input.Changed, "#history-search")
    def _search_changed(self, event: Input.Changed) -> None:
        self._set_query(self.query_state._replace(text=event.value.strip()), debounce=DEBOUNCE_SECONDS)

    @on(Input.Submitted, "#history-search")
    def _search_submitted(self) -> None:
        """Enter (the box hands the rows the focus itself): what was typed is searched now, not after the pause
        that lets a typist finish, so the Enter that follows opens one of its matches."""
        if self._debouncing == self.generation:  # still waiting to send: send now
            self.restart()

    @on(Select.Changed)
    def _filter_changed(self, event: Select.Changed) -> None:
        value = None if event.value in (Select.NULL, None) else str(event.value)
        if event.select.id == "history-type":
            changed = self._set_query(self.query_state._replace(type=value))
        elif event.select.id == "history-status":
            changed = self._set_query(self.query_state._replace(status=value))
        else:
            return
        if changed:  # picked (after t, s or Tab): back to the rows
            self.call_after_refresh(self.query_one("#history-table", HistoryList).focus)

    def _set_query(self, query: Query, debounce: float = 0.0) -> bool:
        if query == self.query_state:
            return False
        self.query_state = query
        self.restart(debounce)
        return True

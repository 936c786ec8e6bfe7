"""The history's rows: small tuples, and a Line-API list that draws only the rows on screen.

A DataTable keeps a dict of cells, a Row and a RowKey per row (about 2.4 KB a row, measured); ten thousand
creations here cost a tuple each, and the list renders the 30-odd visible lines from them on demand.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, NamedTuple

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from kgp_tui.format import sanitize, status_label, title_text
from kgp_tui.widgets.ordered import KeysInOrder

if TYPE_CHECKING:
    from kgp_tui.api.domain import Creation


class HistoryRow(NamedTuple):
    """One listed creation, already sanitised: what the list shows and what Enter needs."""

    creation_id: str
    type: str
    status: str
    title: str
    created: float | None  # epoch seconds


def row_of(item: Creation) -> HistoryRow:
    """A tuple from one listed creation; repeated words (types, statuses) are interned."""
    from kgp_tui.format import parse_time

    moment = parse_time(item.created_at)
    # a blank title (empty, spaces, only control characters) falls back to the prompt, then to "(untitled)"
    title = sanitize(item.title, single_line=True) or item.prompt
    return HistoryRow(
        item.id,
        sys.intern(sanitize(item.type or "—", single_line=True, max_len=40)),
        sys.intern(sanitize(item.status or "unknown", single_line=True, max_len=20)),
        title_text(title, max_len=200),
        moment.timestamp() if moment is not None else None,
    )


def when(created: float | None, now: float) -> str:
    """'just now', '12m ago', '5h ago', '3d ago', else the UTC date."""
    if created is None:
        return "—"
    age = now - created
    if -60 <= age < 60:
        return "just now"
    if 0 <= age < 3600:
        return f"{int(age // 60)}m ago"
    if 0 <= age < 86400:
        return f"{int(age // 3600)}h ago"
    if 0 <= age < 7 * 86400:
        return f"{int(age // 86400)}d ago"
    return datetime.fromtimestamp(created, tz=UTC).strftime("%Y-%m-%d")


def columns_for(width: int, id_width: int = 6) -> list[tuple[str, str, int]]:
    """(key, label, width); the id column fits the widest id loaded (unified ids are text: `cr_8004e`), up to a
    limit that leaves the title its room; the title takes what is left."""
    id_width = max(3, min(id_width, 14 if width < 100 else 24))
    fixed = [("id", "#", id_width), ("type", "Type", 14 if width < 100 else 18), ("status", "Status", 12),
             ("created", "Created", 10)]
    spare = width - sum(w for _, _, w in fixed) - 2 * (len(fixed) + 1) - 2  # a space each side; the scrollbar
    return [*fixed[:3], ("title", "Title", max(12, spare)), fixed[3]]


def cell_texts(row: HistoryRow, now: float) -> dict[str, str]:
    return {"id": str(row.creation_id), "type": row.type, "status": status_label(row.status), "title": row.title,
            "created": when(row.created, now)}


def fit(text: str, width: int) -> Text:
    """Literal text in exactly `width` cells, cut with an ellipsis when too long (never parsed as markup)."""
    cell = Text(text, no_wrap=True, overflow="ellipsis", end="")
    cell.truncate(width, overflow="ellipsis", pad=True)
    return cell


class RowMessage(Message):
    """A message about one row of a HistoryList (`control` lets `@on(..., "#id")` match it)."""

    def __init__(self, history_list: HistoryList, index: int) -> None:
        super().__init__()
        self.history_list = history_list
        self.index = index

    @property
    def control(self) -> HistoryList:
        return self.history_list


class HistoryList(KeysInOrder, ScrollView, can_focus=True):
    """Rows of creations with a cursor; only the visible lines are rendered. The header is drawn as line 0."""

    BINDINGS = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home,ctrl+home", "first", "First", show=False),
        Binding("end,ctrl+end", "last", "Last", show=False),
        Binding("enter", "select", "Open", show=False),
    ]
    COMPONENT_CLASSES = {"history-list--header", "history-list--cursor"}
    DEFAULT_CSS = """
    HistoryList { background: $surface; overflow-x: hidden; }
    HistoryList > .history-list--header { text-style: bold; color: $text-accent; background: $panel; }
    HistoryList > .history-list--cursor { background: $block-cursor-blurred-background; }
    HistoryList:focus > .history-list--cursor { background: $block-cursor-background; color: $block-cursor-foreground;
                                                 text-style: bold; }
    """

    cursor_row: reactive[int] = reactive(0)

    class Highlighted(RowMessage):
        """The cursor moved to row `index`."""

    class Selected(RowMessage):
        """Enter (or a double click) on row `index`."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self.rows: list[HistoryRow] = []
        self.columns: list[tuple[str, str, int]] = []
        self.now = 0.0  # the wall clock "… ago" is measured from; the screen sets it when rows arrive

    # -- content ---------------------------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return len(self.rows)

    def set_rows(self, rows: list[HistoryRow]) -> None:
        """Show these rows (the list keeps the object: the screen appends to it and calls `grew`)."""
        self.rows = rows
        self.cursor_row = 0
        self.scroll_to(y=0, animate=False)
        self.grew()

    def grew(self) -> None:
        self.virtual_size = Size(sum(w + 2 for _, _, w in self.columns), len(self.rows) + 1)
        self.cursor_row = min(self.cursor_row, max(0, len(self.rows) - 1))
        self.refresh()

    def set_columns(self, columns: list[tuple[str, str, int]]) -> None:
        self.columns = columns
        self.grew()

    def refresh_row(self, index: int) -> None:
        self.refresh(Region(0, index + 1 - int(self.scroll_y), self.size.width, 1))

    # -- drawing ----------------------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if y == 0:
            style = self.get_component_rich_style("history-list--header")
            return self._strip({key: label for key, label, _ in self.columns}, style, width)
        index = int(self.scroll_y) + y - 1
        if not 0 <= index < len(self.rows):
            return Strip.blank(width, self.rich_style)
        style = self.rich_style
        if index == self.cursor_row:
            style = style + self.get_component_rich_style("history-list--cursor")
        return self._strip(cell_texts(self.rows[index], self.now), style, width)

    def _strip(self, cells: dict[str, str], style: Style, width: int) -> Strip:
        line = Text(no_wrap=True, end="")
        for key, _, cell_width in self.columns:
            line.append(" ")
            line.append_text(fit(cells[key], cell_width))
            line.append(" ")
        segments = [Segment(seg.text, style + seg.style if seg.style else style)
                    for seg in line.render(self.app.console)]
        return Strip(segments).adjust_cell_length(width, style)

    # -- cursor -----------------------------------------------------------------------------------------

    def validate_cursor_row(self, value: int) -> int:
        return max(0, min(value, len(self.rows) - 1)) if self.rows else 0

    def watch_cursor_row(self, old: int, new: int) -> None:
        self.refresh_row(old)
        self.refresh_row(new)
        visible = self.scrollable_content_region.height - 1  # the header line is not for rows
        if new < self.scroll_y:
            self.scroll_to(y=new, animate=False)
        elif visible > 0 and new >= self.scroll_y + visible:
            self.scroll_to(y=new - visible + 1, animate=False)
        if self.rows:
            self.post_message(self.Highlighted(self, new))

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self.refresh()

    def action_cursor(self, step: int) -> None:
        self.cursor_row += step

    def action_page(self, direction: int) -> None:
        self.cursor_row += direction * max(1, self.scrollable_content_region.height - 2)

    def action_first(self) -> None:
        self.cursor_row = 0

    def action_last(self) -> None:
        self.cursor_row = len(self.rows) - 1

    def action_select(self) -> None:
        if self.rows:
            self.post_message(self.Selected(self, self.cursor_row))

    def on_click(self, event: events.Click) -> None:
        index = int(self.scroll_y) + event.y - 1
        if event.y >= 1 and 0 <= index < len(self.rows):
            if index == self.cursor_row and event.chain > 1:
                self.action_select()
            self.cursor_row = index

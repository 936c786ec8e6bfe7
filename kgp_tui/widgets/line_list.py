"""A Line-API list of rows with a cursor: only the lines on screen are drawn, each from its row's cells.

A DataTable keeps a dict of cells, a Row and a RowKey per row (about 2.4 KB a row, measured), and its module and
styles cost the catalog's first frame: imported (~6 ms), styled and rendered with it. The history's ten thousand
creations and the catalog's few types are both drawn by this instead: rows are the caller's own small tuples, and
the list renders the 30-odd visible lines from them on demand. The header is drawn as line 0.
"""

from __future__ import annotations

from typing import Any, ClassVar

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

from kgp_tui.widgets.ordered import KeysInOrder


def fit(text: str, width: int) -> Text:
    """Literal text in exactly `width` cells, cut with an ellipsis when too long (never parsed as markup)."""
    cell = Text(text, no_wrap=True, overflow="ellipsis", end="")
    cell.truncate(width, overflow="ellipsis", pad=True)
    return cell


class RowMessage(Message):
    """A message about one row of a LineList (`control` lets `@on(..., "#id")` match it)."""

    def __init__(self, line_list: LineList, index: int) -> None:
        super().__init__()
        self.line_list = line_list
        self.index = index

    @property
    def control(self) -> LineList:
        return self.line_list


class LineList(KeysInOrder, ScrollView, can_focus=True):
    """Rows with a cursor; only the visible lines are rendered. Subclasses say what a row's cells are (`cells`)."""

    BINDINGS: ClassVar[list[Any]] = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home,ctrl+home", "first", "First", show=False),
        Binding("end,ctrl+end", "last", "Last", show=False),
        Binding("enter", "select", "Open", show=False),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {"line-list--header", "line-list--cursor"}
    DEFAULT_CSS = """
    LineList { background: $surface; overflow-x: hidden; }
    LineList > .line-list--header { text-style: bold; color: $text-accent; background: $panel; }
    LineList > .line-list--cursor { background: $block-cursor-blurred-background; }
    LineList:focus > .line-list--cursor { background: $block-cursor-background; color: $block-cursor-foreground;
                                          text-style: bold; }
    """

    cursor_row: reactive[int] = reactive(0)

    class Highlighted(RowMessage):
        """The cursor moved to row `index`."""

    class Selected(RowMessage):
        """Enter (or a double click) on row `index`."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self.rows: list[Any] = []
        self.columns: list[tuple[str, str, int]] = []  # (key, label, width)

    def cells(self, row: Any) -> dict[str, str]:
        """The text of each column of `row`, by column key (already sanitised)."""
        raise NotImplementedError

    # -- content ---------------------------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return len(self.rows)

    def set_rows(self, rows: list[Any], cursor: int = 0) -> None:
        """Show these rows with the cursor on row `cursor` (the list keeps the object: a caller may append to it
        and call `grew`). A cursor that moves posts Highlighted."""
        self.rows = rows
        self.cursor_row = cursor
        self.scroll_to(y=0, animate=False)
        self.grew()
        self.call_after_refresh(self._scroll_cursor_into_view)  # once the list knows its height

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
            style = self.get_component_rich_style("line-list--header")
            return self._strip({key: label for key, label, _ in self.columns}, style, width)
        index = int(self.scroll_y) + y - 1
        if not 0 <= index < len(self.rows):
            return Strip.blank(width, self.rich_style)
        style = self.rich_style
        if index == self.cursor_row:
            style = style + self.get_component_rich_style("line-list--cursor")
        return self._strip(self.cells(self.rows[index]), style, width)

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
        self._scroll_cursor_into_view()
        if self.rows:
            self.post_message(self.Highlighted(self, new))

    def _scroll_cursor_into_view(self) -> None:
        new = self.cursor_row
        visible = self.scrollable_content_region.height - 1  # the header line is not for rows
        if new < self.scroll_y:
            self.scroll_to(y=new, animate=False)
        elif visible > 0 and new >= self.scroll_y + visible:
            self.scroll_to(y=new - visible + 1, animate=False)

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

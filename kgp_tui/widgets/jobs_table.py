"""JobsTable: a DataTable whose cell updates repaint only the cells that changed.

DataTable.update_cell bumps a counter that is part of every render cache key, so one "updated 3s ago" that ticks
re-rendered every visible cell of every visible row, once a second. Here a change drops only its own cells and rows
from the caches (the lines on screen are rebuilt from the rows, the unchanged ones still cached).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from textual.geometry import Region
from textual.strip import Strip
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, ColumnKey, RowKey


class JobsTable(DataTable):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._changed_cells: set[tuple[RowKey, ColumnKey]] = set()  # not yet dropped from the caches

    def set_cells(self, changes: Mapping[str, Mapping[str, Any]]) -> None:
        """{row key: {column key: value}}: new values for cells that exist, drawn at the next frame."""
        for row, values in changes.items():
            row_key = RowKey(row)
            for column, value in values.items():
                column_key = ColumnKey(column)
                if row_key not in self._row_locations or column_key not in self._column_locations:
                    raise CellDoesNotExist(f"No cell exists for row_key={row!r}, column_key={column!r}.")
                self._data[row_key][column_key] = value
                self._changed_cells.add((row_key, column_key))
        if self._changed_cells:
            self.refresh()

    def render_lines(self, crop: Region) -> list[Strip]:
        self._drop_changed()  # once per frame, however many cells changed since the last one
        return super().render_lines(crop)

    def _drop_changed(self) -> None:
        cells, self._changed_cells = self._changed_cells, set()
        if not cells:
            return
        rows = {row_key for row_key, _ in cells}
        for key in [k for k in self._cell_render_cache.keys() if (k[0], k[1]) in cells]:
            self._cell_render_cache.discard(key)
        for key in [k for k in self._row_render_cache.keys() if k[0] in rows]:
            self._row_render_cache.discard(key)
        for row_key in rows:
            self._row_renderable_cache.discard((self._update_count, self._row_locations.get(row_key)))
        self._line_cache.clear()  # lines are keyed by their y; rebuilding them from cached rows is cheap

"""The history's rows: small tuples, and a Line-API list that draws only the rows on screen.

A DataTable keeps a dict of cells, a Row and a RowKey per row (about 2.4 KB a row, measured); ten thousand
creations here cost a tuple each, and the list renders the 30-odd visible lines from them on demand.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, NamedTuple

from kgp_tui.format import sanitize, status_label, title_text
from kgp_tui.widgets.line_list import LineList, fit  # noqa: F401 - fit: part of this module's interface

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


class HistoryList(LineList):
    """The history's creations, a tuple each (HistoryRow); "… ago" measured from `now`."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self.now = 0.0  # the wall clock "… ago" is measured from; the screen sets it when rows arrive

    def cells(self, row: HistoryRow) -> dict[str, str]:
        return cell_texts(row, self.now)

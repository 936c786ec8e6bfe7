"""The jobs table (kgp_tui.widgets.jobs_table): a changed cell repaints itself, not every visible cell."""

from __future__ import annotations

from rich.text import Text
from support.app import wait_for
from textual.app import App

from kgp_tui.widgets.jobs_table import JobsTable


class OneTable(App):
    def compose(self):
        yield JobsTable(id="t", cursor_type="row")

    def on_mount(self) -> None:
        table = self.query_one(JobsTable)
        for key in ("creation", "status", "updated"):
            table.add_column(key, key=key)
        for n in range(40):
            table.add_row(Text(f"#{n}"), Text("succeeded"), Text("1s ago"), key=str(n))


def _visible_text(app: App) -> str:
    table = app.query_one(JobsTable)
    return "\n".join(strip.text for strip in table.render_lines(table.region.reset_offset))


async def test_a_changed_cell_is_shown_and_only_the_changed_cells_are_rendered_again():
    app = OneTable()
    async with app.run_test(size=(60, 20)) as pilot:
        table = app.query_one(JobsTable)
        await wait_for(pilot, lambda: "1s ago" in _visible_text(app), what="the table drawn")
        table.set_cells({"0": {"updated": Text("1s ago")}})  # a first change after the table settled
        await pilot.pause()
        rendered: list[tuple] = []
        render_cell = table._render_cell

        def counting(row_index, column_index, *args, **kwargs):
            if row_index >= 0:  # a row that had to be drawn again (the header is drawn with each line)
                rendered.append((row_index, column_index))
            return render_cell(row_index, column_index, *args, **kwargs)

        table._render_cell = counting
        table.set_cells({"3": {"updated": Text("2s ago")}, "5": {"updated": Text("9s ago")}})
        await pilot.pause()
        text = _visible_text(app)
        assert "2s ago" in text and "9s ago" in text and table.get_cell("3", "updated").plain == "2s ago"
        assert sorted({row for row, _ in rendered}) == [3, 5]  # the two changed rows, not the screenful

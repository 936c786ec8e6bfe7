"""TooSmallScreen: covers everything with a clear message while the terminal is too small to be usable."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Center, Middle
from textual.screen import ModalScreen
from textual.widgets import Static


class TooSmallScreen(ModalScreen):
    DEFAULT_CSS = """
    TooSmallScreen { align: center middle; background: $background; }
    TooSmallScreen Static { width: auto; max-width: 100%; padding: 0 1; text-align: center; }
    """

    def __init__(self, min_width: int, min_height: int) -> None:
        super().__init__()
        self.min_width = min_width
        self.min_height = min_height

    def compose(self) -> ComposeResult:
        with Middle():
            with Center():
                yield Static(id="too-small-message", markup=False)

    def on_mount(self) -> None:
        self._show_size()

    def on_resize(self) -> None:
        self._show_size()

    def _show_size(self) -> None:
        width, height = self.app.size
        self.query_one("#too-small-message", Static).update(
            Text(
                f"Terminal too small: {width}×{height}.\n"
                f"kgp-tui needs at least {self.min_width}×{self.min_height}.\n"
                "Enlarge the window (ctrl+q quits)."
            )
        )

"""Picking a file two ways: a path input that completes from the file system, and a modal folder tree."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import DirectoryTree, Static

from kgp_tui.widgets.ordered import OrderedInput

__all__ = ["FilePicker", "PathInput", "PathSuggester"]


class PathSuggester(Suggester):
    """Completes a path from the file system: ``~`` expanded for the lookup (kept in the text), folders end in
    ``/``, hidden entries only once a ``.`` is typed."""

    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)  # the file system changes under us

    async def get_suggestion(self, value: str) -> str | None:
        return await asyncio.to_thread(self.complete, value)  # a slow disk must not stall the screen

    @staticmethod
    def complete(value: str) -> str | None:
        if not value:
            return None
        head, sep, stem = os.path.expanduser(value).rpartition("/")
        folder = Path(head + sep) if sep else Path(".")
        try:
            names = sorted(e.name + ("/" if e.is_dir() else "") for e in os.scandir(folder)
                           if e.name.startswith(stem) and (stem.startswith(".") or not e.name.startswith(".")))
        except OSError:
            return None
        match = next((n for n in names if len(n) > len(stem)), None)
        return value + match[len(stem):] if match else None


class PathInput(OrderedInput):
    """A path with its completion shown after the cursor: Tab or → accepts it (Tab moves on when there is none)."""

    BINDINGS = [Binding("tab", "complete", "Complete", show=False, id="file_attach.complete")]

    def __init__(self, **options: object) -> None:
        super().__init__(suggester=PathSuggester(), **options)  # type: ignore[arg-type]

    @property
    def suggestion(self) -> str:
        """The completion shown now ('' when none)."""
        return self._suggestion

    def action_complete(self) -> None:
        if self.cursor_at_end and len(self._suggestion) > len(self.value):
            self.value = self._suggestion
            self.cursor_position = len(self.value)
        else:
            self.screen.focus_next()


class FilePicker(ModalScreen["Path | None"]):
    """A folder tree: Enter opens a folder or picks a file, Backspace goes up a folder, Esc cancels."""

    DEFAULT_CSS = """
    FilePicker { align: center middle; }
    FilePicker > Vertical { width: 90%; height: 85%; border: round $primary; background: $surface; }
    FilePicker DirectoryTree { height: 1fr; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="file_attach.picker_cancel"),
        Binding("backspace", "parent", "Up a folder", id="file_attach.picker_parent"),
    ]

    def __init__(self, start: Path) -> None:
        super().__init__()
        self._start = start

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text("Pick a file: Enter opens a folder or picks a file · Backspace up · Esc cancels"))
            yield DirectoryTree(self._start, id="file-picker-tree")

    def on_mount(self) -> None:
        self.query_one(DirectoryTree).focus()

    @on(DirectoryTree.FileSelected)
    def _picked(self, event: DirectoryTree.FileSelected) -> None:
        event.stop()
        self.dismiss(Path(event.path))

    def action_parent(self) -> None:
        tree = self.query_one(DirectoryTree)
        tree.path = Path(tree.path).absolute().parent

    def action_cancel(self) -> None:
        self.dismiss(None)

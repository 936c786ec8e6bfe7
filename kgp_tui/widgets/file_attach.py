"""Source files for a unified-surface creation or message: pick them (a path with completion, or a folder tree),
check each against the server's file limits before anything is sent, upload them one at a time with a progress
bar each, and hand back the file ids for ``input_file_ids``."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, ListItem, ListView, ProgressBar, Static

from kgp_tui.api.errors import FileTooLarge, UnsupportedFileType
from kgp_tui.format import human_size, sanitize
from kgp_tui.screens.file_picker import FilePicker, PathInput
from kgp_tui.widgets.upload_errors import explain_upload_error

if TYPE_CHECKING:
    from kgp_tui.api.domain import FileLimits, UploadedFile
    from kgp_tui.api.unified import UnifiedAdapter

__all__ = ["BINDING_CLASSES", "FileAttach"]


def _show(text: object, limit: int = 80) -> str:
    return sanitize(text, single_line=True, max_len=limit)


class _FileList(ListView):
    BINDINGS = [
        Binding("delete,backspace", "remove", "Remove file", id="file_attach.remove"),
        Binding("r", "retry", "Retry upload", id="file_attach.retry"),
    ]

    def on_focus(self) -> None:
        if self.index is None and len(self):
            self.index = 0

    def action_remove(self) -> None:
        self._act("remove")

    def action_retry(self) -> None:
        self._act("retry")

    def _act(self, what: str) -> None:
        row = self.highlighted_child
        if isinstance(row, _Row):
            self.post_message(FileAttach._Act(what, row.key))


class _Row(ListItem):
    """One file: its line (name, size, type, state), its progress bar, and the reason it is not up."""

    def __init__(self, key: int) -> None:
        super().__init__(id=f"file-attach-row-{key}")
        self.key = key
        self.line, self.bar = Static(classes="file-attach-line"), ProgressBar(show_eta=False)
        self.note = Static(classes="file-attach-reason")

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield self.line
            yield self.bar
        yield self.note


@dataclass
class _Entry:
    key: int
    path: Path
    size: int = 0
    is_dir: bool = False
    mime: str | None = None
    own_problem: str | None = None  # a refusal only another file can fix (size, type, folder, unreadable)
    problem: str | None = None  # own_problem, or one file too many
    state: str = "pending"  # pending, queued, uploading, uploaded, failed
    error: str | None = None
    sent: int = 0
    uploaded: UploadedFile | None = None


class _Posted(Message):
    """What FileAttach tells its owner; ``control`` is the widget that posted it."""

    def __init__(self, file_attach: FileAttach) -> None:
        super().__init__()
        self.file_attach = file_attach

    @property
    def control(self) -> FileAttach:
        return self.file_attach


class FileAttach(Widget):
    """Files to send in ``input_file_ids``. Nothing is uploaded that the limits would refuse; ``upload(adapter)``
    sends the pending ones; ``Uploaded`` comes when every listed file is up, ``Changed`` on every change."""

    DEFAULT_CSS = """
    FileAttach { height: auto; }
    FileAttach .file-attach-note { color: $text-muted; }
    FileAttach .file-attach-note.-error { color: $error; }
    FileAttach _FileList { height: auto; max-height: 12; }
    FileAttach ListItem Horizontal { height: 1; }
    FileAttach ListItem .file-attach-line { width: 1fr; }
    FileAttach ListItem ProgressBar { width: auto; }
    FileAttach ListItem ProgressBar Bar { width: 16; }
    FileAttach ListItem .file-attach-reason { color: $warning; padding-left: 2; }
    """
    BINDINGS = [Binding("ctrl+o", "browse", "Browse files", id="file_attach.browse")]

    class Changed(_Posted):
        """The list changed: a file added or removed, or an upload started, finished or failed."""

    class Uploaded(_Posted):
        """Every listed file is uploaded; ``file_ids`` in list order (posted after the last upload, or at once by
        ``upload()`` when nothing is left to send)."""

        def __init__(self, file_attach: FileAttach, file_ids: list[str]) -> None:
            super().__init__(file_attach)
            self.file_ids = file_ids

    class _Act(Message):
        """From the list, bubbling up here: a key asked to remove or retry one file."""

        def __init__(self, what: str, key: int) -> None:
            super().__init__()
            self.what, self.key = what, key

    class _Step(Message, bubble=False):
        """From the upload worker: one file started, moved on, finished or failed."""

        def __init__(self, key: int, state: str, sent: int = 0, uploaded: UploadedFile | None = None,
                     error: str | None = None, final: bool = False) -> None:
            super().__init__()
            self.key, self.state, self.sent, self.uploaded, self.error, self.final = (
                key, state, sent, uploaded, error, final)

    def __init__(self, limits: FileLimits | None = None, max_files: int | None = None, *,
                 start_dir: Path | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._limits = limits
        self._max_files = max_files
        self._start_dir = start_dir
        self._entries: list[_Entry] = []
        self._rows: dict[int, _Row] = {}
        self._next_key = 0
        self._lock = asyncio.Lock()
        self._adapter: UnifiedAdapter | None = None

    def compose(self) -> ComposeResult:
        yield PathInput(placeholder="Path to a file (Tab completes, Enter adds, ctrl+o browses)",
                        id="file-attach-path")
        yield Static(self._limits_note(), id="file-attach-note", classes="file-attach-note")
        yield _FileList(id="file-attach-list")

    # -- what the owner reads ----------------------------------------------------------------------------

    @property
    def file_ids(self) -> list[str]:
        """The ids uploaded so far, in list order."""
        return [e.uploaded.id for e in self._entries if e.uploaded is not None]

    @property
    def paths(self) -> list[Path]:
        return [e.path for e in self._entries]

    @property
    def busy(self) -> bool:
        """An upload is queued or running."""
        return any(e.state in ("queued", "uploading") for e in self._entries)

    @property
    def problems(self) -> list[str]:
        """Why listed files are not (yet) up: refusals and failed uploads, one line each."""
        return [f"{_show(e.path.name)}: {e.problem or e.error}" for e in self._entries
                if e.problem or (e.state == "failed" and e.error)]

    @property
    def readiness(self) -> str:
        """Whether what is listed can go with a request: "ready" (nothing listed, or every file up), "refused" (a
        file is refused or failed: `problems` says why) or "upload" (files still to upload first)."""
        if not self.paths:
            return "ready"
        if self.problems:
            return "refused"
        return "ready" if len(self.file_ids) == len(self.paths) else "upload"

    @property
    def limits(self) -> FileLimits | None:
        return self._limits

    @limits.setter
    def limits(self, limits: FileLimits | None) -> None:
        self._limits = limits
        for entry in self._entries:
            if entry.state != "uploaded" and not (entry.state == "failed" and entry.own_problem):  # server's no
                entry.own_problem = self._own_problem(entry)
        if self.is_mounted:
            self._say(self._limits_note())
            self._changed()

    @property
    def max_files(self) -> int | None:
        limits = [n for n in (self._max_files, self._limits.max_files if self._limits else None) if n is not None]
        return min(limits) if limits else None

    # -- what the owner does -----------------------------------------------------------------------------

    def add_path(self, path: Path | str) -> bool:
        """Add a file to the list (checked, not uploaded); False with a message when there is no such file."""
        target = Path(os.path.expanduser(str(path))).absolute()
        if not (target.exists() or target.is_symlink()):
            return self._say(f"There is no file at {_show(str(path), 200)}.", error=True)
        if any(e.path == target for e in self._entries):
            return self._say(f"{_show(target.name)} is already in the list.", error=True)
        entry = _Entry(self._next_key, target)
        self._next_key += 1
        entry.own_problem = self._own_problem(entry)
        self._entries.append(entry)
        self._rows[entry.key] = _Row(entry.key)
        self.query_one(_FileList).append(self._rows[entry.key])
        self._say(self._limits_note())
        self._changed()
        return True

    def ready_to_send(self, adapter: UnifiedAdapter | None) -> str:
        """`readiness` for a request about to go: when files are still to go up, their upload is started too (unless
        one runs already, or there is no connection). The form's submit and the conversation's send both ask it."""
        state = self.readiness
        if state == "upload" and not self.busy and adapter is not None:
            self.upload(adapter)
        return state

    def upload(self, adapter: UnifiedAdapter) -> None:
        """Upload the pending (and failed) files, one at a time; ``Uploaded`` when every listed file is up."""
        self._queue(adapter, [e for e in self._entries if e.state in ("pending", "failed")])

    def _queue(self, adapter: UnifiedAdapter, entries: list[_Entry]) -> None:
        self._adapter = adapter
        jobs = [e for e in entries if e.problem is None]
        for entry in jobs:
            entry.state, entry.error, entry.sent = "queued", None, 0
        if jobs:
            self._changed()
            self._send(adapter, [(e.key, e.path) for e in jobs])
        else:
            self._maybe_done()

    def remove_file(self, index: int) -> None:
        """Drop the file at ``index`` from the list (an upload of it still under way is ignored)."""
        if 0 <= index < len(self._entries):
            entry = self._entries.pop(index)
            self.call_next(self._drop_row, self._rows.pop(entry.key), index)
            self._changed()

    async def _drop_row(self, row: _Row, index: int) -> None:
        await row.remove()
        if not self.is_attached or getattr(self.app, "closing", False):
            return  # the app quit while the row went
        rows = self.query_one(_FileList)
        if len(rows):
            rows.index = min(index, len(rows) - 1)

    def clear(self) -> None:
        """Empty the list (after the ids were sent)."""
        self._entries.clear()
        self._rows.clear()
        self.query("#file-attach-list > ListItem").remove()
        self._changed()

    # -- the parts --------------------------------------------------------------------------------------

    @work(group="file_attach", exit_on_error=False)
    async def _send(self, adapter: UnifiedAdapter, jobs: list[tuple[int, Path]]) -> None:
        async with self._lock:  # one file at a time, even when upload() is asked again meanwhile
            for key, path in jobs:
                if not any(e.key == key and e.state == "queued" for e in self._entries):
                    continue  # removed while it waited
                self.post_message(self._Step(key, "uploading"))

                def progress(sent: int, _total: int, key: int = key) -> None:
                    self.post_message(self._Step(key, "uploading", sent))  # thread-safe, and in order
                try:
                    uploaded = await adapter.upload(path, progress)
                except Exception as exc:  # every failure becomes words next to its file
                    final = isinstance(exc, (FileTooLarge, UnsupportedFileType))
                    self.post_message(self._Step(key, "failed", error=explain_upload_error(exc), final=final))
                else:
                    self.post_message(self._Step(key, "uploaded", uploaded=uploaded))

    @on(_Step)
    def _step(self, event: _Step) -> None:
        entry = next((e for e in self._entries if e.key == event.key), None)
        if entry is None or entry.state == "uploaded":
            return
        entry.sent = max(event.sent, entry.sent)
        if event.state == "uploaded":
            entry.uploaded, entry.sent = event.uploaded, entry.size
        if event.final:  # the server will refuse it again: remove it and pick another
            entry.own_problem = event.error
        entry.state, entry.error = event.state, event.error
        if event.state == "uploading" and event.sent:
            self._draw(entry)
            return
        self._changed()
        if event.state in ("uploaded", "failed"):
            self._maybe_done()

    @on(_Act)
    def _act(self, event: _Act) -> None:
        event.stop()
        index = next((i for i, e in enumerate(self._entries) if e.key == event.key), None)
        if index is None:
            return
        entry = self._entries[index]
        if event.what == "remove":
            self.remove_file(index)
        elif entry.state == "failed" and self._adapter is not None:
            self._queue(self._adapter, [entry])

    @on(Input.Submitted, "#file-attach-path")
    def _typed(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value.strip() and self.add_path(event.value.strip()):
            event.input.clear()

    def action_browse(self) -> None:
        typed = self.query_one(PathInput).value.strip()
        folder = Path(os.path.expanduser(typed)) if typed else None
        start = folder if folder is not None and folder.is_dir() else self._start_dir or Path.home()
        self.app.push_screen(FilePicker(start), self._picked)

    def _picked(self, path: Path | None) -> None:
        if path is not None:
            self.add_path(path)

    def _maybe_done(self) -> None:
        if all(e.state == "uploaded" for e in self._entries):
            self.post_message(self.Uploaded(self, self.file_ids))

    def _own_problem(self, entry: _Entry) -> str | None:
        from kgp_tui.api.unified import guess_mime  # the very guess the adapter sends (loaded once connected)

        path = entry.path
        entry.is_dir = path.is_dir()
        if entry.is_dir:
            return "This is a folder: pick a file in it."
        if not path.is_file():
            return "This is not a regular file."
        try:
            entry.size = path.stat().st_size
            with path.open("rb"):
                pass
        except OSError:
            return "This file cannot be read (no permission)."
        entry.mime = guess_mime(path)
        if entry.size == 0:
            return "This file is empty."
        return self._limits.problem(_show(path.name), entry.size, entry.mime) if self._limits else None

    def on_mount(self) -> None:
        self.query_one(_FileList).display = False  # empty: Tab must not stop on a list nobody can see

    def _changed(self) -> None:
        self.query_one(_FileList).display = bool(self._entries)
        room, counted = self.max_files, 0
        for entry in self._entries:
            entry.problem = entry.own_problem
            if entry.problem is None:
                counted += 1
                if room is not None and counted > room and entry.state != "uploaded":
                    entry.problem = f"At most {room} files can be attached: remove one."
            self._draw(entry)
        self.post_message(self.Changed(self))

    def _draw(self, entry: _Entry) -> None:
        row = self._rows.get(entry.key)
        if row is None:
            return
        name = entry.uploaded.name if entry.uploaded is not None and entry.uploaded.name else entry.path.name
        status = {"pending": "to upload", "queued": "waiting", "uploading": "uploading", "uploaded": "uploaded ✓",
                  "failed": "failed"}[entry.state] if entry.problem is None else "not attached"
        size = "folder" if entry.is_dir else human_size(entry.size)
        line = Text(_show(name, 60), style="bold")
        line.append(f"  {size} · {_show(entry.mime or 'unknown type', 40)} · {status}")
        row.line.update(line)
        bar = row.bar
        bar.display = entry.problem is None and entry.state != "pending"
        bar.update(total=max(entry.size, 1), progress=entry.size if entry.state == "uploaded" else entry.sent)
        reason = entry.problem or (entry.error if entry.state == "failed" else None)
        note = row.note
        note.update(Text(_show(reason, 300)) if reason else "")
        note.display = reason is not None

    def _say(self, text: str, *, error: bool = False) -> bool:
        note = self.query_one("#file-attach-note", Static)
        note.update(Text(text))
        note.set_class(error, "-error")
        return False

    def _limits_note(self) -> str:
        limits, parts = self._limits, []
        if self.max_files is not None:
            parts.append(f"up to {self.max_files} files")
        if limits is not None and limits.max_bytes is not None:
            parts.append(f"each at most {human_size(limits.max_bytes)}")
        if limits is not None and limits.mime_types:
            parts.append(_show(", ".join(limits.mime_types), 200))
        return ("Files: " + "; ".join(parts) + ".") if parts else "Files: Enter adds the typed path."


BINDING_CLASSES = (FileAttach, PathInput, _FileList, FilePicker)
"""The classes whose BINDINGS a keymap may rebind (for ``screens.binding_ids``)."""

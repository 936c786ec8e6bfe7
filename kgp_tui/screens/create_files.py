"""The create form's attached files: the file-attach widget where the surface takes files, and ctrl+s that uploads
the listed files first, then submits with their ids in ``input_file_ids``; a refused file blocks the submit."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.widget import Widget
from textual.widgets import Label

from kgp_tui.widgets.file_attach import FileAttach

if TYPE_CHECKING:
    from kgp_tui.api.domain import Offer


def attachments(offer: Offer | None) -> Iterator[Widget]:
    """What goes in ``#create-attachments``: nothing where the surface takes no files."""
    limits = offer.files if offer is not None else None
    if limits is not None:
        yield Label(Text("Attached files", style="bold"))
        yield FileAttach(limits, limits.max_files, id="create-file-attach")


class AttachedFiles:
    """CreateScreen's part that keeps ``file_ids`` in step with its FileAttach and uploads before a submit."""

    file_ids: list[str]
    type_name: str
    _uploading: bool
    app: Any

    def _file_attach(self) -> FileAttach | None:
        found = self.query("#create-file-attach")
        return found.first(FileAttach) if found else None

    def _files_ready(self) -> bool:
        """Every listed file is up (its id in the body); else a refusal is said, or the upload starts first."""
        attach = self._file_attach()
        state = attach.ready_to_send(self.app.adapter) if attach is not None else "ready"
        if state == "refused":
            self._uploading = False
            self.app.store.set_form_result(self.type_name, "error", "Not sent: a file cannot be attached. "
                                           + " ".join(attach.problems), {})
            self.notify("Not sent: fix or remove the refused file first.", severity="warning", markup=False)
            return False
        if state == "ready":
            if attach is not None and attach.paths:
                self.file_ids = attach.file_ids
            return True
        self._uploading = True
        self._show_progress("… uploading files")
        return False

    def on_file_attach_changed(self, event: FileAttach.Changed) -> None:
        self.file_ids = event.file_attach.file_ids
        self._refresh_derived()  # the preview shows the ids that go in input_file_ids
        if self._uploading and not event.file_attach.busy and event.file_attach.problems:
            self._files_ready()  # an upload failed: say why, send nothing

    def on_file_attach_uploaded(self, event: FileAttach.Uploaded) -> None:
        self.file_ids = list(event.file_ids)
        self._refresh_derived()
        if self._uploading:
            self._uploading = False
            self._submit_now()

"""SceneEditScreen: a modal to rewrite a scene's narration or regenerate the scene (POST /creations/{id}/edit)."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static, TextArea

from kgp_tui.format import sanitize

NARRATE = "update_scene_narration"
REGENERATE = "regenerate_scene"


class SceneEditScreen(ModalScreen):
    """Dismisses with the edit payload to send, or None when cancelled."""

    DEFAULT_CSS = """
    SceneEditScreen { align: center middle; }
    SceneEditScreen > Vertical { width: 80%; max-width: 100; height: auto; max-height: 90%;
                                 border: thick $primary; background: $surface; padding: 0 1; }
    SceneEditScreen TextArea { height: 8; }
    SceneEditScreen #edit-error { color: $error; }
    SceneEditScreen Horizontal { height: auto; margin: 1 0 0 0; }
    SceneEditScreen Button { margin: 0 2 0 0; }
    """
    BINDINGS = [
        Binding("ctrl+s", "send", "Send edit", id="edit.send", priority=True),
        Binding("escape", "cancel", "Cancel", id="edit.cancel"),
    ]

    def __init__(self, action: str, creation: Any, scene: Any) -> None:
        super().__init__()
        self.action = action
        self.creation = creation
        self.scene = scene

    def compose(self) -> ComposeResult:
        title = sanitize(self.scene.title or f"scene {self.scene.index}", single_line=True, max_len=60)
        what = "Rewrite the narration of" if self.action == NARRATE else "Regenerate"
        with Vertical():
            yield Label(Text(f"{what} {title} (#{self.creation.creation_id})", style="bold"))
            if self.action == NARRATE:
                yield TextArea(sanitize(self.scene.narration_text or ""), id="edit-text", soft_wrap=True)
            else:
                yield Label("Optional prompt for the new version:")
                yield TextArea("", id="edit-text", soft_wrap=True)
            yield Static("", id="edit-error", markup=False)
            with Horizontal():
                yield Button("Send (ctrl+s)", id="edit-send", variant="primary")
                yield Button("Cancel (esc)", id="edit-cancel")

    def on_mount(self) -> None:
        self.query_one("#edit-text", TextArea).focus()

    def payload(self) -> dict[str, Any]:
        from kgp_tui.api.payload import build_edit_payload

        text = self.query_one("#edit-text", TextArea).text
        if self.action == NARRATE:
            return build_edit_payload(NARRATE, scene_id=self.scene.scene_id, narration_text=text)
        return build_edit_payload(REGENERATE, scene_id=self.scene.scene_id, prompt=text)

    @on(Button.Pressed, "#edit-send")
    def action_send(self) -> None:
        from kgp_tui.api.payload import validate_edit

        payload = self.payload()
        errors = validate_edit(self.action, self.creation, payload)
        if errors:
            message = "; ".join(sanitize(m, single_line=True, max_len=200) for m in errors.values())
            self.query_one("#edit-error", Static).update(Text("✖ " + message))
            return
        self.dismiss(payload)

    @on(Button.Pressed, "#edit-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

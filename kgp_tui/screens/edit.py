"""The edit dialogs of the creation screen (POST /creations/{id}/edit).

SceneEditScreen is the form: a scene picker, the narration (prefilled) and a voice for `update_scene_narration`,
an optional prompt for `regenerate_scene`, a prompt for `iterate`. ctrl+s checks it and opens ConfirmEditScreen,
which shows what will be sent; Esc there goes back to the form as it was. The form sends the request itself and
stays open until the server has accepted the edit, so a 422 lands next to its field with nothing lost.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Select, Static, TextArea

from kgp_tui import messages as msg
from kgp_tui.api.domain.offer import voices_for
from kgp_tui.edits import ITERATE, NARRATE, REGENERATE, SCENE_ACTIONS, body_text, edit_label, edit_summary, scene_name
from kgp_tui.format import error_text, sanitize
from kgp_tui.widgets.form_fields import OrderedTextArea
from kgp_tui.widgets.ordered import after_keys_typed

if TYPE_CHECKING:
    from kgp_tui.api.domain import Creation, Offer, Scene, Voice

KEEP_VOICE = "keep"
HEADINGS = {NARRATE: "Edit narration", REGENERATE: "Regenerate a scene", ITERATE: "Iterate on the video"}
TEXT_LABELS = {NARRATE: "Narration", REGENERATE: "Prompt for the new version (optional)", ITERATE: "Prompt"}
# Where a field's error is shown; anything else goes to the line above the buttons.
ERROR_SLOTS = {"scene_id": "#error-scene", "voice_id": "#error-voice", "narration_text": "#error-text",
               "prompt": "#error-text"}


def _scene_option(scene: Scene) -> str:
    return scene_name(scene)[0].upper() + scene_name(scene)[1:]


class SceneEditScreen(ModalScreen):
    """Dismisses with {"action", "scene_id", "job_id"} once the server accepted the edit, or None when cancelled."""

    DEFAULT_CSS = """
    SceneEditScreen { align: center middle; }
    SceneEditScreen > Vertical { width: 90%; max-width: 110; height: auto; max-height: 100%;
                                 border: thick $primary; background: $surface; padding: 0 1; }
    SceneEditScreen #edit-pickers { height: auto; }
    SceneEditScreen #edit-pickers > Vertical { width: 1fr; height: auto; }
    SceneEditScreen TextArea { height: auto; min-height: 5; max-height: 10; }
    SceneEditScreen .field-error { color: $error; height: auto; }
    SceneEditScreen .field-error.-empty { display: none; }
    SceneEditScreen #edit-status { color: $text-muted; height: auto; }
    SceneEditScreen #edit-status.-empty { display: none; }
    SceneEditScreen #edit-buttons { height: auto; }
    SceneEditScreen Button { margin: 0 2 0 0; }
    """
    BINDINGS = [
        Binding("ctrl+s", "send", "Review and send", id="edit.send", priority=True),
        Binding("escape", "cancel", "Cancel", id="edit.cancel"),
    ]

    def __init__(self, action: str, creation: Creation, scene: Scene | None = None, catalog: Offer | None = None
                 ) -> None:
        super().__init__()
        self.action = action
        self.creation = creation
        self.catalog = catalog
        if scene is None and action in SCENE_ACTIONS and creation.scenes:
            scene = creation.scenes[0]
        self.scene: Scene | None = scene if action in SCENE_ACTIONS else None
        self.drafts: dict[str, str] = {}  # scene_id -> narration typed so far, kept when another scene is picked
        self.sending = False

    # -- layout ----------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        title = sanitize(self.creation.title or "(untitled)", single_line=True, max_len=60)
        with Vertical():
            yield Label(Text(f"{HEADINGS.get(self.action, self.action)} · #{self.creation.id} {title}",
                             style="bold"))
            if self.scene is not None:
                with Horizontal(id="edit-pickers"):
                    with Vertical():
                        yield Label("Scene")
                        options = [(Text(_scene_option(s)), s.id) for s in self.creation.scenes]
                        yield Select(options, value=self.scene.id, allow_blank=False, id="edit-scene")
                        yield Static("", id="error-scene", classes="field-error -empty", markup=False)
                    if self.action == NARRATE:
                        with Vertical():
                            yield Label(Text(self._voice_heading()))  # the language is server text
                            yield Select(self._voice_options(), value=KEEP_VOICE, allow_blank=False, id="edit-voice")
                            yield Static("", id="error-voice", classes="field-error -empty", markup=False)
            yield Label(TEXT_LABELS.get(self.action, "Text"))
            start = sanitize(self.scene.narration or "") if self.action == NARRATE and self.scene else ""
            yield OrderedTextArea(start, id="edit-text", soft_wrap=True, tab_behavior="focus")
            yield Static("", id="error-text", classes="field-error -empty", markup=False)
            yield Static("", id="edit-error", classes="field-error -empty", markup=False)
            yield Static("", id="edit-status", classes="-empty", markup=False)
            with Horizontal(id="edit-buttons"):
                yield Button("Review and send (ctrl+s)", id="edit-send", variant="primary", compact=True)
                yield Button("Cancel (esc)", id="edit-cancel", compact=True)

    @property
    def language(self) -> str | None:
        value = self.creation.raw.get("language")
        return value if isinstance(value, str) and value.strip() else None

    def _voice_heading(self) -> str:
        language = sanitize(self.language or "", single_line=True, max_len=20)
        return f"Voice ({language})" if language else "Voice"

    def _voices(self) -> tuple[Voice, ...]:
        if self.catalog is None:
            return ()
        every = {v.id: v for p in self.catalog.products for v in p.voices}
        return voices_for(every.values(), self.language)

    def _voice_options(self) -> list[tuple[Text, str]]:
        options = [(Text("Keep current voice"), KEEP_VOICE)]
        for voice in self._voices():
            extra = f" · {voice.gender}" if voice.gender else ""
            label = sanitize(f"{voice.label}{extra} ({voice.id})", single_line=True, max_len=50)
            options.append((Text(label), voice.id))
        return options

    def on_mount(self) -> None:
        area = self.query_one("#edit-text", TextArea)
        area.move_cursor(area.document.end)  # most edits add to or fix the end of the narration
        area.focus()

    def _set_status(self, text: str) -> None:
        status = self.query_one("#edit-status", Static)
        status.update(Text(text))
        status.set_class(not text, "-empty")

    # -- the form ----------------------------------------------------------------------------------------

    @on(Select.Changed, "#edit-scene")
    def _scene_picked(self, event: Select.Changed) -> None:
        chosen = next((s for s in self.creation.scenes if s.id == event.value), None)
        if chosen is None or chosen is self.scene:
            return
        area = self.query_one("#edit-text", TextArea)
        if self.action == NARRATE and self.scene is not None:
            self.drafts[self.scene.id] = area.text
            area.load_text(self.drafts.get(chosen.id, sanitize(chosen.narration or "")))
        self.scene = chosen
        self._set_error("#error-scene", "")

    def payload(self) -> dict[str, Any]:
        from kgp_tui.api.payload import build_edit_payload

        text = self.query_one("#edit-text", TextArea).text
        scene_id = self.scene.id if self.scene is not None else None
        if self.action == NARRATE:
            voice = self.query_one("#edit-voice", Select).value
            voice_id = voice if isinstance(voice, str) and voice != KEEP_VOICE else None
            return build_edit_payload(NARRATE, scene_id=scene_id, narration_text=text, voice_id=voice_id)
        if self.action == REGENERATE:
            return build_edit_payload(REGENERATE, scene_id=scene_id, prompt=text)
        return build_edit_payload(self.action, prompt=text)

    def _set_error(self, selector: str, text: str) -> None:
        widget = self.query_one(selector, Static)
        widget.update(Text("✖ " + text) if text else Text(""))
        widget.set_class(not text, "-empty")

    def show_errors(self, errors: dict[str, str], general: str = "") -> None:
        """Each message next to its field; a field this form does not have goes to the line above the buttons."""
        slots: dict[str, list[str]] = {slot: [] for slot in {*ERROR_SLOTS.values(), "#edit-error"}}
        for field, message in errors.items():
            slot = ERROR_SLOTS.get(field, "#edit-error")
            if not self.query(slot):
                slot = "#edit-error"
            text = sanitize(message, single_line=True, max_len=300)
            slots[slot].append(text if slot != "#edit-error" else f"{sanitize(field, max_len=40)}: {text}")
        if general:
            slots["#edit-error"].insert(0, sanitize(general, single_line=True, max_len=400))
        for slot, texts in slots.items():
            if self.query(slot):
                self._set_error(slot, "; ".join(texts))

    @on(Button.Pressed, "#edit-send")
    def action_send(self) -> None:
        """Check the form, then show what will be sent (ctrl+s), once the keys typed before it are in."""
        after_keys_typed(self, self._send_now)

    def _send_now(self) -> None:
        if not self.is_attached:
            return
        if self.sending:
            return
        payload = self.payload()
        if self.app.adapter is None:  # restored from disk while the connect still runs, or it failed
            self._set_status("Not connected: nothing was sent. Press F4 to connect.")
            return
        errors = self.app.adapter.validate_edit(self.creation, self.action, payload)
        self.show_errors(errors)
        if errors:
            return
        self.app.push_screen(ConfirmEditScreen(self.action, self.creation, self.scene, payload, self.catalog),
                             lambda confirmed: self._confirmed(confirmed, payload))

    def _confirmed(self, confirmed: bool | None, payload: dict) -> None:
        if confirmed:
            self.sending = True
            self._set_status("Sending…")
            self.query_one("#edit-send", Button).disabled = True
            self.submit(payload, edit_label(self.action, self.scene))

    @work(exclusive=True, exit_on_error=False, group="edit-send")
    async def submit(self, payload: dict, label: str) -> None:
        creation_id = self.creation.id
        try:
            run = await self.app.adapter.edit(self.creation, self.action, payload)
        except Exception as error:  # noqa: BLE001 - shown in this dialog, never a crash
            self.post_message(msg.EditFailed(creation_id, self.action, error))
            return
        self.app.post_message(msg.EditSubmitted(creation_id, self.action, run, label=label))
        self.post_message(msg.EditSubmitted(creation_id, self.action, run, label=label))

    def on_edit_submitted(self, message: msg.EditSubmitted) -> None:
        message.stop()
        self.sending = False
        self.dismiss({"action": self.action, "scene_id": self.scene.id if self.scene else None,
                      "job_id": message.run.id})

    def on_edit_failed(self, message: msg.EditFailed) -> None:
        message.stop()
        self.sending = False
        self.query_one("#edit-send", Button).disabled = False
        error = message.error
        general = error_text(error)
        if getattr(error, "ambiguous", False):
            general += " The request may have reached the server: reload the creation (r) before sending again."
        self._set_status("Not sent: the server refused it. Fix and send again."
                         if getattr(error, "field_errors", None) else "Not sent.")
        self.show_errors(dict(getattr(error, "field_errors", None) or {}), general)

    @on(Button.Pressed, "#edit-cancel")
    def action_cancel(self) -> None:
        if self.sending:
            self.notify("Sending the edit: wait for the server's answer.", severity="warning")
            return
        self.dismiss(None)


class ConfirmEditScreen(ModalScreen):
    """What will be sent: action, scene, a summary and the JSON body. Dismisses True to send, False to go back."""

    DEFAULT_CSS = """
    ConfirmEditScreen { align: center middle; }
    ConfirmEditScreen > Vertical { width: 90%; max-width: 110; height: auto; max-height: 100%;
                                   border: thick $warning; background: $surface; padding: 0 1; }
    ConfirmEditScreen #confirm-body-scroll { height: auto; max-height: 12; border: round $primary-muted; }
    ConfirmEditScreen #confirm-buttons { height: auto; margin: 1 0 0 0; }
    ConfirmEditScreen Button { margin: 0 2 0 0; }
    """
    BINDINGS = [
        # not a priority binding: with focus on "Back to the form", Enter presses that button, not Send
        Binding("enter,ctrl+s", "confirm", "Send", id="edit.confirm"),
        Binding("escape", "back", "Back to the form", id="edit.back"),
    ]

    def __init__(self, action: str, creation: Creation, scene: Scene | None, payload: dict[str, Any],
                 catalog: Offer | None = None) -> None:
        super().__init__()
        self.action = action
        self.creation = creation
        self.scene = scene
        self.payload = payload
        self.catalog = catalog

    def compose(self) -> ComposeResult:
        title = sanitize(self.creation.title or "(untitled)", single_line=True, max_len=60)
        what = Text()
        what.append("Action  ", style="bold")
        what.append(sanitize(self.action, single_line=True, max_len=40) + "\n")
        if self.scene is not None:
            what.append("Scene   ", style="bold")
            what.append(f"{scene_name(self.scene)} ({sanitize(self.scene.id, max_len=40)})\n")
        for line in edit_summary(self.action, self.creation, self.scene, self.payload, self.catalog):
            what.append("· " + line + "\n")
        what.append("Body of POST /creations/{id}/edit:".replace("{id}", self.creation.id),
                    style="bold")
        with Vertical():
            yield Label(Text(f"Send this edit to #{self.creation.id} {title}?", style="bold"))
            yield Static(what, id="confirm-what", markup=False)
            with VerticalScroll(id="confirm-body-scroll"):
                yield Static(Text(body_text(self.payload)), id="confirm-body", markup=False)
            with Horizontal(id="confirm-buttons"):
                yield Button("Send (enter)", id="confirm-send", variant="warning", compact=True)
                yield Button("Back to the form (esc)", id="confirm-back", compact=True)

    def on_mount(self) -> None:
        self.query_one("#confirm-send", Button).focus()

    @on(Button.Pressed, "#confirm-send")
    def action_confirm(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#confirm-back")
    def action_back(self) -> None:
        self.dismiss(False)

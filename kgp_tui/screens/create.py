"""CreateScreen: the creation form generated from one catalog entry, a live JSON preview, ctrl+s to submit."""

from __future__ import annotations

import json
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static, TextArea

from kgp_tui.format import sanitize
from kgp_tui.screens.base import KGPScreen
from kgp_tui.widgets.form_fields import (
    LONG_TEXT_FIELDS,
    PROMPT_MAX,
    FieldSpec,
    build_widget,
    field_id,
    field_label,
    field_spec,
    read_widget,
)

READ_ONLY_MESSAGE = (
    "This key is read-only: it cannot create. Use a user-level key that can create "
    "(see the API Key page on the KPainter website), then reconnect with F4."
)
RESEND_QUESTION = (
    "The last submit may have reached the server: the connection broke before its answer, and no new creation "
    "was found in your list. Sending again may create it twice. Check Jobs (F3) or History first.\n\n"
    "Send again?  y = send · n / Esc = don't send"
)


class ConfirmResendScreen(ModalScreen[bool]):
    """Asked before re-sending a create whose last POST may have reached the server (never retried blindly)."""

    DEFAULT_CSS = """
    ConfirmResendScreen { align: center middle; }
    ConfirmResendScreen > Vertical { width: 70; max-width: 95%; height: auto; border: thick $warning;
                                     background: $surface; padding: 1 2; }
    ConfirmResendScreen Horizontal { height: auto; margin-top: 1; }
    ConfirmResendScreen Button { margin-right: 2; }
    """
    BINDINGS = [
        Binding("y", "answer(True)", "Send again", id="resend.yes"),
        Binding("n", "answer(False)", "Don't send", id="resend.no"),
        Binding("escape", "answer(False)", "Don't send", id="resend.cancel"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(RESEND_QUESTION), id="resend-question", markup=False)
            with Horizontal():
                yield Button("Send again (y)", id="resend-yes", variant="warning")
                yield Button("Don't send (n)", id="resend-no", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#resend-no", Button).focus()  # Enter on the default does the safe thing

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "resend-yes")

    def action_answer(self, send: bool) -> None:
        self.dismiss(send)


class CreateScreen(KGPScreen):
    BINDINGS = [
        Binding("ctrl+s", "submit", "Submit", id="create.submit", priority=True),
        Binding("escape", "back", "Back", id="create.back"),
    ]

    def __init__(self, type_name: str) -> None:
        super().__init__()
        self.type_name = type_name
        self.specs: dict[str, FieldSpec] = {}
        self._submitting = False
        self._attempted = False  # after a first submit, "required" errors are shown too
        self._unplaced: list[str] = []

    # -- building --------------------------------------------------------------------------------------

    @property
    def content_type(self) -> Any:
        catalog = self.app.store.catalog
        return catalog.get_type(self.type_name) if catalog is not None else None

    def compose_body(self) -> ComposeResult:
        store = self.app.store
        ct = self.content_type
        title = sanitize(ct.label if ct else self.type_name, single_line=True, max_len=80)
        yield Static(Text(f"New {title}", style="bold"), id="create-title", markup=False)
        if ct is None or not store.can_create:
            message = READ_ONLY_MESSAGE if ct is not None else "This content type is not in the catalog."
            yield Static(Text(message), id="create-blocked", markup=False)
            return
        draft = store.drafts.get(self.type_name, {})
        language = draft.get("language")
        with Horizontal(id="create-body"):
            with VerticalScroll(id="create-form"):
                for name in ct.fields:
                    if name == "type":
                        continue
                    spec = field_spec(name, ct, store.catalog, language)
                    self.specs[name] = spec
                    with Vertical(classes="form-field"):
                        yield Label(field_label(name, name in ct.required))
                        yield build_widget(spec, draft.get(name))
                        hint = spec.hint if spec.kind != "long" else ""
                        if name in LONG_TEXT_FIELDS:
                            yield Static("", id=f"{field_id(name)}-count", classes="field-count", markup=False)
                        elif hint:
                            yield Static(Text(hint), classes="field-hint", markup=False)
                        yield Static("", id=f"{field_id(name)}-error", classes="field-error", markup=False)
                yield Static("", id="form-result", markup=False)
                yield Button("Submit (ctrl+s)", id="submit", variant="primary")
            with VerticalScroll(id="create-preview-pane"):
                yield Label("Payload preview (exactly what is sent)", classes="pane-title")
                yield Static("", id="create-preview", markup=False)

    def on_mount(self) -> None:
        super().on_mount()
        if not self.specs:
            return
        self._refresh_derived()
        self._render_result()
        first = self.query_one(f"#{field_id(next(iter(self.specs)))}")
        first.focus()

    # -- reading values --------------------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for name, spec in self.specs.items():
            found[name] = read_widget(spec, self.query_one(f"#{field_id(name)}"))
        return found

    def payload(self, values: dict[str, Any]) -> dict[str, Any]:
        from kgp_tui.api.payload import build_create_payload

        return build_create_payload(self.content_type, values)

    # -- live updates ----------------------------------------------------------------------------------

    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(Select.Changed)
    def _field_changed(self, event: Any) -> None:
        if not self.specs:
            return
        widget_id = getattr(event.control, "id", "") or ""
        if widget_id == field_id("language"):
            self._update_voices()
        self._refresh_derived()

    def _refresh_derived(self) -> None:
        """Counts, local validation and the preview follow every keystroke; the draft is saved too."""
        from kgp_tui.api.payload import REQUIRED, validate_create

        values = self.values()  # read every widget once per keystroke: counts, checks and preview share it
        self.app.store.set_draft(self.type_name, values)
        for name in LONG_TEXT_FIELDS:
            if name in self.specs:
                size = len((values.get(name) or "").strip())
                count = self.query_one(f"#{field_id(name)}-count", Static)
                count.update(Text(f"{size:,} / {PROMPT_MAX:,} characters"))
                count.set_class(size > PROMPT_MAX, "-over")
        errors = validate_create(self.content_type, values, self.app.store.catalog)
        # Before the first submit, "required" is noise on an empty form: show only real mistakes.
        if not self._attempted:
            errors = {k: v for k, v in errors.items() if v != REQUIRED}
        self._show_errors(errors)
        preview = json.dumps(self.payload(values), indent=2, ensure_ascii=False)
        self.query_one("#create-preview", Static).update(Text(sanitize(preview)))

    def _update_voices(self) -> None:
        if "voice_id" not in self.specs:
            return
        language = read_widget(self.specs["language"], self.query_one(f"#{field_id('language')}"))
        spec = field_spec("voice_id", self.content_type, self.app.store.catalog, language)
        self.specs["voice_id"] = spec
        select = self.query_one(f"#{field_id('voice_id')}", Select)
        current = select.value
        select.set_options(spec.options or [])
        if current in {v for _, v in spec.options or []}:
            select.value = current

    def _show_errors(self, errors: dict[str, str]) -> None:
        by_field: dict[str, list[str]] = {}
        unplaced: list[str] = []
        for name, message in errors.items():
            base = name.split(".", 1)[0]
            if base in self.specs:
                by_field.setdefault(base, []).append(sanitize(message, single_line=True, max_len=300))
            else:
                unplaced.append(f"{sanitize(name, single_line=True, max_len=40)}: {sanitize(message, single_line=True)}")
        for name in self.specs:
            label = self.query_one(f"#{field_id(name)}-error", Static)
            messages = by_field.get(name, [])
            label.update(Text("✖ " + " ".join(messages)) if messages else Text(""))
            label.display = bool(messages)
        self._unplaced = unplaced

    def on_store(self, topic: str, key: Any) -> None:
        if topic == "form" and key == self.type_name and self.specs:
            self._submitting = False
            self._render_result()

    def _render_result(self) -> None:
        result = self.app.store.form_results.get(self.type_name)
        widget = self.query_one("#form-result", Static)
        self.query_one("#submit", Button).disabled = self._submitting
        if result is None:
            widget.update(Text(""))
            return
        severity, message, fields = result
        if fields:
            self._show_errors(fields)
        lines = [("✔ " if severity == "ok" else "✖ ") + sanitize(message, single_line=True, max_len=400)]
        lines += self._unplaced
        widget.update(Text("\n".join(lines)))
        widget.set_class(severity != "ok", "-error")

    # -- actions ---------------------------------------------------------------------------------------

    @on(Button.Pressed, "#submit")
    def action_submit(self) -> None:
        if not self.specs or not self.app.store.can_create:
            self.notify("This key cannot create.", severity="warning")
            return
        if self._submitting:
            self.notify("Already submitting…", timeout=2)
            return
        from kgp_tui.api.payload import validate_create

        values = self.values()
        errors = validate_create(self.content_type, values, self.app.store.catalog)
        self._attempted = True
        if errors:
            self._show_errors(errors)
            first = next(iter(errors)).split(".", 1)[0]
            if first in self.specs:
                self.query_one(f"#{field_id(first)}").focus()
            names = ", ".join(sanitize(name, single_line=True, max_len=40) for name in errors)
            self.notify(f"Fix before sending: {names}.", severity="warning", markup=False)
            return
        result = self.app.store.form_results.get(self.type_name)
        if result is not None and result[0] == "unsure":
            self.app.push_screen(ConfirmResendScreen(), self._resend_answered)
            return
        self._send(values)

    def _resend_answered(self, send: bool | None) -> None:
        if send:
            self._send(self.values())
        else:
            self.notify("Not sent. Jobs (F3) shows what is running.", timeout=4)

    def _send(self, values: dict[str, Any]) -> None:
        self._submitting = True
        self.query_one("#submit", Button).disabled = True
        self.query_one("#form-result", Static).update(Text("… submitting"))
        self.app.submit_create(self.type_name, self.payload(values))

    def action_back(self) -> None:
        self.dismiss()

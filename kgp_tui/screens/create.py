"""CreateScreen: the creation form generated from one catalog entry, a live JSON preview, ctrl+s to submit."""

from __future__ import annotations

import json
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, Select, Static, TextArea

from kgp_tui.format import sanitize, status_label
from kgp_tui.screens.base import KGPScreen
from kgp_tui.screens.resend import (
    RESEND_QUESTION,
    ConfirmResendScreen,
    same_payload_question,
)
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

QUALITY = "image_generation.quality"  # the chosen image model's own quality: a part of image_generation

READ_ONLY_MESSAGE = (
    "This key is read-only: it cannot create. Use a user-level key that can create "
    "(see the API Key page on the KPainter website), then reconnect with F4."
)
__all__ = ["ConfirmResendScreen", "CreateScreen"]  # the resend question is asked from this form


class CreateScreen(KGPScreen):
    BINDINGS = [
        Binding("ctrl+s", "submit", "Submit", id="create.submit", priority=True),
        Binding("ctrl+r", "recall", "Last prompt", id="create.recall"),
        Binding("escape", "back", "Back", id="create.back"),
    ]

    def __init__(self, type_name: str) -> None:
        super().__init__()
        self.type_name = type_name
        self.specs: dict[str, FieldSpec] = {}
        self._submitting = False
        self._attempted = False  # after a first submit, "required" errors are shown too
        self._unplaced: list[str] = []
        self._derived_due = False  # counts, checks, preview and draft: at most twice a frame, not once a key
        self._derived_this_frame = False
        self._offered: dict[str, list[str]] = {}  # the choices a model narrowed a Select to
        self._sent_values: dict[str, Any] | None = None  # what this form sent, until the reply is in
        self._spent: dict[str, Any] | None = None  # what it sent and the server took: not a draft any more

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
        yield Static("", id="form-result", markup=False)  # full width, above the fields: always in view
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
                    if name == "image_generation":
                        yield from self._compose_quality(draft.get(name))
                yield Button("Submit (ctrl+s)", id="submit", variant="primary")
            with VerticalScroll(id="create-preview-pane"):
                yield Label("Payload preview (exactly what is sent)", classes="pane-title")
                yield Static("", id="create-preview", markup=False)

    def _compose_quality(self, drafted: Any) -> ComposeResult:
        chosen = drafted.get("quality") if isinstance(drafted, dict) else None
        with Vertical(classes="form-field", id="image-quality"):
            yield Label(field_label("quality", False).append(" (of the chosen model)", style="not bold"))
            options = [(Text(q), q) for q in ("low", "medium", "high")]
            yield Select(options, prompt="(model default)", allow_blank=True, compact=True, id=field_id(QUALITY),
                         value=chosen if chosen in ("low", "medium", "high") else Select.NULL)

    def on_mount(self) -> None:
        super().on_mount()
        if not self.specs:
            return
        if "image_generation" in self.specs:
            self.query_one("#image-quality").display = False  # until a model that lists qualities is chosen
            self.call_after_refresh(self._apply_model_rules)  # Selects are filled once they have composed
        self._refresh_derived()
        self._render_result()
        first = self.query_one(f"#{field_id(next(iter(self.specs)))}")
        first.focus()

    # -- reading values --------------------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for name, spec in self.specs.items():
            found[name] = read_widget(spec, self.query_one(f"#{field_id(name)}"))
        quality = self._chosen_quality()
        if quality and isinstance(found.get("image_generation"), dict):
            found["image_generation"] = {**found["image_generation"], "quality": quality}
        return found

    def _chosen_quality(self) -> str | None:
        if "image_generation" not in self.specs or not self.query_one("#image-quality").display:
            return None  # the model lists no qualities: none is ever sent
        value = self.query_one(f"#{field_id(QUALITY)}", Select).value
        return None if value is Select.NULL else str(value)

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
        if widget_id == field_id("image_generation"):
            self._apply_model_rules()
        if self._derived_this_frame:  # a burst of keys: the rest of it costs one more refresh, after the frame
            self._derived_due = True
            return
        self._refresh_derived()  # a single change (a paste, a pick) shows at once
        self._derived_this_frame = True
        self.call_after_refresh(self._next_frame)

    def _next_frame(self) -> None:
        self._derived_this_frame = False
        self._flush()

    def _flush(self) -> None:
        if self._derived_due:
            self._refresh_derived()

    def on_screen_suspend(self) -> None:
        self._flush()  # F2/F3 away from the form: the draft is saved as it is now

    def _refresh_derived(self) -> None:
        """Counts, local validation and the preview follow the typing; the draft is saved too."""
        from kgp_tui.api.payload import REQUIRED, validate_create

        self._derived_due = False
        if not self.is_mounted:
            return
        values = self.values()  # read every widget once: counts, checks and preview share it
        if values != self._spent:  # a late redraw after a success must not bring the sent prompt back as the draft
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

    def _apply_model_rules(self) -> None:
        """The chosen image model narrows the ratios and output qualities offered and brings its own qualities."""
        from kgp_tui.api.payload import allowed_choices

        if "image_generation" not in self.specs or not self.is_mounted:
            return
        allowed = allowed_choices(self.content_type, self.app.store.catalog, self.values())
        for name in ("aspect_ratio", "output_quality"):
            spec = self.specs.get(name)
            if spec is not None and spec.kind == "select" and name in allowed:
                self._offer(name, allowed[name], spec.default)
        qualities = allowed.get(QUALITY, [])
        self._offer(QUALITY, qualities, None)
        self.query_one("#image-quality").display = bool(qualities)

    def _offer(self, name: str, choices: list[str], default: Any) -> None:
        """Offer only `choices`; the value stays when it is one of them, else the default (or the blank)."""
        if self._offered.get(name) == choices:
            return
        self._offered[name] = list(choices)
        select = self.query_one(f"#{field_id(name)}", Select)
        current = select.value
        select.set_options([(Text(sanitize(c, single_line=True, max_len=40)), c) for c in choices])
        keep = current if current in choices else default if default in choices else None
        select.value = Select.NULL if keep is None else keep

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
            result = self.app.store.form_results.get(self.type_name)
            if self._sent_values is not None and result is not None and result[0] == "ok":
                self._spent = self._sent_values
            self._sent_values = None
            self._submitting = False
            self._render_result()
            self.refresh_bindings()  # ctrl+r appears once there is a last prompt

    def _render_result(self) -> None:
        result = self.app.store.form_results.get(self.type_name)
        widget = self.query_one("#form-result", Static)
        self.query_one("#submit", Button).disabled = self._submitting
        widget.display = result is not None
        if result is None:
            widget.update(Text(""))
            return
        severity, message, fields = result
        if fields:
            self._show_errors(fields)
        mark = {"ok": "✔ ", "found": "⚠ "}.get(severity, "✖ ")
        lines = [mark + sanitize(message, single_line=True, max_len=400), *self._unplaced]
        widget.update(Text("\n".join(lines)))
        widget.set_class(severity not in ("ok", "found"), "-error")
        widget.set_class(severity == "found", "-warning")

    def _show_progress(self, text: str) -> None:
        widget = self.query_one("#form-result", Static)
        widget.update(Text(text))
        widget.remove_class("-error", "-warning")
        widget.display = True

    # -- actions ---------------------------------------------------------------------------------------

    @on(Button.Pressed, "#submit")
    def action_submit(self) -> None:
        # ctrl+s is a priority key, acted on before the keys typed ahead of it reach their field: submit after them
        target = self.focused
        if target is not None and target.is_attached:
            target.call_later(self._submit_now)
        else:
            self._submit_now()

    def _submit_now(self) -> None:
        if not self.is_attached:
            return  # the form was left by a key typed after ctrl+s
        if not self.specs or not self.app.store.can_create:
            self.notify("This key cannot create.", severity="warning")
            return
        if self._submitting:
            self.notify("Already submitting…", timeout=2)
            return
        from kgp_tui.api.payload import validate_create

        self._flush()
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
        question = self._question_before_sending(self.payload(values))
        if question is not None:
            self.app.push_screen(ConfirmResendScreen(question), self._resend_answered)
            return
        self._send(values)

    def _question_before_sending(self, payload: dict[str, Any]) -> str | None:
        """What to ask before this payload goes out, or None: it may have made a creation already."""
        store = self.app.store
        sent = store.sent.get(self.type_name)
        if sent is not None and sent.payload == payload:
            tracked = store.job_for_creation(sent.creation_id)
            creation = store.creations.get(sent.creation_id)
            status = tracked.job.status if tracked else getattr(creation, "status", None) or "not known yet"
            return same_payload_question(sent.creation_id, sent.at, status_label(status), self.app.now())
        result = store.form_results.get(self.type_name)
        if result is not None and result[0] == "unsure":
            return RESEND_QUESTION
        return None

    def _resend_answered(self, send: bool | None) -> None:
        if send:
            self._send(self.values())
        else:
            self.notify("Not sent. Jobs (F3) shows what is running.", timeout=4)

    def _send(self, values: dict[str, Any]) -> None:
        self._submitting = True
        self._sent_values = values
        self.query_one("#submit", Button).disabled = True
        self._show_progress("… submitting")
        self.app.submit_create(self.type_name, self.payload(values))

    def _last_prompt(self) -> str:
        sent = self.app.store.sent.get(self.type_name)
        return str(sent.payload.get("prompt") or "") if sent is not None else ""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "recall":
            return bool(self.specs) and "prompt" in self.specs and bool(self._last_prompt())
        return True

    def action_recall(self) -> None:
        """Put the prompt last sent from this form back (undoable: ctrl+z)."""
        prompt = self._last_prompt()
        if not prompt or "prompt" not in self.specs:
            return
        area = self.query_one(f"#{field_id('prompt')}", TextArea)
        area.replace(prompt, (0, 0), area.document.end)
        area.move_cursor(area.document.end)
        self.set_focus(area)

    def action_back(self) -> None:
        self._flush()
        self.dismiss()

"""CreateScreen: the creation form generated from one product (v1 content type or unified product), a live JSON
preview of exactly what is sent, ctrl+s to submit."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, Select, Static, TextArea

from kgp_tui.api.form_values import shown_values
from kgp_tui.format import error_text, sanitize, status_label
from kgp_tui.screens.base import KGPScreen
from kgp_tui.screens.create_files import AttachedFiles, attachments
from kgp_tui.screens.resend import (
    RESEND_QUESTION,
    ConfirmResendScreen,
    same_payload_question,
)
from kgp_tui.widgets.form_fields import (
    PROMPT_MAX,
    FieldSpec,
    budget_field,
    build_widget,
    field_id,
    field_label,
    field_spec,
    options_of,
    pick,
    read_widget,
)
from kgp_tui.widgets.ordered import after_keys_typed

if TYPE_CHECKING:
    from kgp_tui.api.domain import Product

BUDGET = "max_credits"
REQUIRED = "This field is required."  # the adapters' word for an empty required field (api.payload.REQUIRED)

READ_ONLY_MESSAGE = (
    "This key is read-only: it cannot create. Use a user-level key that can create "
    "(see the API Key page on the KPainter website), then reconnect with F4."
)
__all__ = ["ConfirmResendScreen", "CreateScreen"]  # the resend question is asked from this form


class CreateScreen(AttachedFiles, KGPScreen):
    """The form of one product: ``product.defaults()`` first, the settings ``product.visible(values)`` shows, in
    order, a Select's choices following the chosen bundle or language; the adapter validates and builds the body
    (the preview is exactly what is sent). A budget field where the surface takes one; a place for attachments
    where the product accepts files."""

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
        self._shown: dict[str, Any] = {}  # what the form holds now, after the last change
        self.file_ids: list[str] = []  # ids of attached, uploaded files (kgp_tui.widgets.file_attach fills it)
        self._derived_due = False  # counts, checks, preview and draft: at most twice a frame, not once a key
        self._derived_this_frame = False
        self._sent_values: dict[str, Any] | None = None  # what this form sent, until the reply is in
        self._spent: dict[str, Any] | None = None  # what it sent and the server took: not a draft any more
        self._uploading = False  # ctrl+s is waiting for the attached files to be up, then submits

    # -- building --------------------------------------------------------------------------------------

    @property
    def product(self) -> Product | None:
        offer = self.app.store.offer
        return offer.product(self.type_name) if offer is not None else None

    @property
    def takes_budget(self) -> bool:
        offer = self.app.store.offer
        return bool(offer is not None and offer.takes_budget)

    def compose_body(self) -> ComposeResult:
        store = self.app.store
        product = self.product
        title = sanitize(product.label if product else self.type_name, single_line=True, max_len=80)
        yield Static(Text(f"New {title}", style="bold"), id="create-title", markup=False)
        if product is None or not store.can_create:
            message = READ_ONLY_MESSAGE if product is not None else "This content type is not in the catalog."
            yield Static(Text(message), id="create-blocked", markup=False)
            return
        yield Static("", id="form-result", markup=False)  # full width, above the fields: always in view
        values = {**product.defaults(), **store.drafts.get(self.type_name, {})}
        with Horizontal(id="create-body"):
            with VerticalScroll(id="create-form"):
                for setting in product.settings:
                    spec = field_spec(product, setting, values)
                    self.specs[setting.name] = spec
                    with Vertical(classes="form-field", id=f"{field_id(setting.name)}-wrap") as wrap:
                        wrap.display = product.applies(setting.name, values)
                        yield Label(field_label(setting))
                        yield build_widget(spec, values.get(setting.name))
                        if spec.kind == "long":
                            yield Static("", id=f"{field_id(setting.name)}-count", classes="field-count",
                                         markup=False)
                        elif spec.hint:
                            yield Static(Text(spec.hint), classes="field-hint", markup=False)
                        yield Static("", id=f"{field_id(setting.name)}-error", classes="field-error", markup=False)
                    if setting.name == "prompt" and product.accepts_files:
                        with Vertical(id="create-attachments", classes="form-field"):
                            yield from attachments(store.offer)
                if self.takes_budget:
                    account = store.session.account if store.session is not None else None
                    yield from budget_field(store.drafts.get(self.type_name, {}).get(BUDGET), account)
                yield Button("Submit (ctrl+s)", id="submit", variant="primary")
            with VerticalScroll(id="create-preview-pane"):
                yield Label("Payload preview (exactly what is sent)", classes="pane-title")
                yield Static("", id="create-preview", markup=False)

    def on_mount(self) -> None:
        super().on_mount()
        if not self.specs:
            return
        self._refresh_derived()
        result = self.app.store.form_results.get(self.type_name)
        if result is not None and result[0] == "ok":  # the last submit went (Jobs has it): a fresh form starts clean
            self.app.store.drop_form_result(self.type_name)
        self._render_result()
        first = next((n for n in self.specs if self._visible(n)), next(iter(self.specs)))
        self.query_one(f"#{field_id(first)}").focus()

    def _visible(self, name: str) -> bool:
        return bool(self.query_one(f"#{field_id(name)}-wrap").display)

    # -- reading values --------------------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        """What the form holds; a setting the form does not show now is left out (it is not sent)."""
        held = {name: read_widget(spec, self.query_one(f"#{field_id(name)}")) for name, spec in self.specs.items()}
        return shown_values(self.product, held)  # the rule `kgp-tui create --set` shares (api.form_values)

    def max_credits(self) -> Any:
        """The budget as typed: an int, None when empty, the text itself when it is not a number (validated)."""
        if not self.takes_budget:
            return None
        text = self.query_one("#field-max_credits", Input).value.strip()
        if not text:
            return None
        try:
            return int(text)
        except ValueError:
            return text

    def payload(self, values: dict[str, Any]) -> dict[str, Any]:
        budget = self.max_credits()
        return self.app.adapter.build_create_body(self.product, values, list(self.file_ids),
                                                  budget if isinstance(budget, int) else None)

    def validate(self, values: dict[str, Any]) -> dict[str, str]:
        return dict(self.app.adapter.validate(self.product, values, list(self.file_ids), self.max_credits()))

    # -- live updates ----------------------------------------------------------------------------------

    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(Select.Changed)
    def _field_changed(self, event: Any) -> None:
        if not self.specs:
            return
        widget_id = getattr(event.control, "id", "") or ""
        if isinstance(event, Select.Changed) and widget_id.startswith("field-"):
            self._follow()
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

    def _follow(self) -> None:
        """A bundle or language changed: the settings that follow it get their own choices, and a setting the
        chosen bundle has no values for is hidden (native quality only where the bundle lists some)."""
        product = self.product
        values = {name: read_widget(spec, self.query_one(f"#{field_id(name)}")) for name, spec in self.specs.items()}
        for name, spec in self.specs.items():
            wrap = self.query_one(f"#{field_id(name)}-wrap")
            wrap.display = product.applies(name, values)
            if spec.setting.follows is None or spec.kind != "select":
                continue
            options = options_of(product.choices_for(name, values))
            if [v for _, v in options] == [v for _, v in spec.options or []]:
                continue
            spec.options = options
            select = self.query_one(f"#{field_id(name)}", Select)
            current = select.value
            select.set_options(options)
            kept = pick(options, current)
            select.value = kept if kept is not Select.NULL else pick(options, spec.default)

    def _refresh_derived(self) -> None:
        """Counts, validation and the preview follow the typing; the draft is saved too."""
        self._derived_due = False
        if not self.is_mounted:
            return
        values = self.values()  # read every widget once: counts, checks and preview share it
        budget = self.max_credits()
        draft = {**values, **({BUDGET: budget} if budget is not None else {})}
        if values != self._spent:  # a late redraw after a success must not bring the sent prompt back as the draft
            self.app.store.set_draft(self.type_name, draft)
        for name, spec in self.specs.items():
            if spec.kind == "long" and name in values:
                size = len((values.get(name) or "").strip())
                limit = spec.setting.max_length or PROMPT_MAX
                count = self.query_one(f"#{field_id(name)}-count", Static)
                count.update(Text(f"{size:,} / {limit:,} characters"))
                count.set_class(size > limit, "-over")
        errors = self.validate(values)
        # Before the first submit, "required" is noise on an empty form: show only real mistakes.
        if not self._attempted:
            errors = {k: v for k, v in errors.items() if v != REQUIRED}
        self._show_errors(errors)
        try:
            preview = json.dumps(self.payload(values), indent=2, ensure_ascii=False)
        except Exception as error:  # noqa: BLE001 - a value the body cannot take yet: said, not raised
            preview = f"(not sendable yet: {error_text(error)})"
        self.query_one("#create-preview", Static).update(Text(sanitize(preview)))

    def _fields(self) -> list[str]:
        return [*self.specs, *([BUDGET] if self.takes_budget else [])]

    def _show_errors(self, errors: dict[str, str]) -> None:
        by_field: dict[str, list[str]] = {}
        unplaced: list[str] = []
        for name, message in errors.items():
            base = name.split(".", 1)[0]
            if base == self.type_name and "." in name:  # unified: "video.duration_seconds" is that setting's
                base = name.split(".", 2)[1]
            if base in self._fields():
                by_field.setdefault(base, []).append(sanitize(message, single_line=True, max_len=300))
            else:
                unplaced.append(f"{sanitize(name, single_line=True, max_len=40)}: {sanitize(message, single_line=True)}")
        for name in self._fields():
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
        after_keys_typed(self, self._submit_now)

    def _submit_now(self) -> None:
        if not self.is_attached:
            return  # the form was left by a key typed after ctrl+s
        if not self.specs or not self.app.store.can_create:
            self.notify("This key cannot create.", severity="warning")
            return
        if self._submitting:
            self.notify("Already submitting…", timeout=2)
            return
        self._flush()
        values = self.values()
        errors = self.validate(values)
        self._attempted = True
        if errors:
            self._show_errors(errors)
            first = next(iter(errors)).split(".", 1)[0]
            if first in self._fields():
                self.query_one(f"#{field_id(first)}").focus()
            names = ", ".join(sanitize(name, single_line=True, max_len=40) for name in errors)
            self.notify(f"Fix before sending: {names}.", severity="warning", markup=False)
            return
        if not self._files_ready():
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
            tracked = store.run_for_creation(sent.creation_id)
            creation = store.creations.get(sent.creation_id)
            status = tracked.run.status if tracked else getattr(creation, "status", None) or "not known yet"
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
        budget = self.max_credits()
        self.app.submit_create(self.type_name, values, list(self.file_ids), budget if isinstance(budget, int)
                               else None)

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

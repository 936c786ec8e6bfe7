"""Form fields built from a product's settings: one widget per ``Setting.kind``, and how to read it back.

A setting the app has never heard of still gets a widget: a Select when the server lists its values (presets
included), a bounded number input when it gives a numeric range, a switch-like Select for a boolean, else a text
input. The choices of a Select come from ``Product.choices_for`` and follow the chosen bundle or language.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Input, Label, Select, Static, TextArea

from kgp_tui.api.form_values import NO_MATCH, matching_choice, number_from_text
from kgp_tui.format import sanitize
from kgp_tui.widgets.ordered import KeysInOrder, OrderedInput  # here too: the form's own fields use them

if TYPE_CHECKING:
    from kgp_tui.api.domain import Account, Choice, Product, Setting

PROMPT_MAX = 10_000
LONG_TEXT_FIELDS = {"prompt": 5, "instructions": 3}
SELECT_KINDS = ("choice", "voice", "option", "bundle", "boolean")
BOOLEAN_CHOICES = ((Text("yes"), True), (Text("no"), False))


class OrderedTextArea(KeysInOrder, TextArea):
    """A TextArea whose bound keys keep their place in a burst of typing."""


class OrderedSelect(KeysInOrder, Select):  # type: ignore[type-arg]
    """A choice in the form: Tab and the letters typed after it in one burst go on to the next field."""


def field_id(name: str) -> str:
    """A widget id for a field name from the server (which may hold any characters)."""
    return "field-" + re.sub(r"[^A-Za-z0-9_-]", "_", name)


def field_label(setting: Setting) -> Text:
    label = sanitize(setting.label or setting.name.replace("_", " ").capitalize(), single_line=True, max_len=40)
    return Text(label + (" *" if setting.required else ""), style="bold")


def _clean(value: Any, max_len: int = 60) -> str:
    return sanitize(value, single_line=True, max_len=max_len)


@dataclass
class FieldSpec:
    """What kind of input a setting gets: 'long', 'text', 'select' or 'number' (with its limit as a hint)."""

    setting: Setting
    kind: str
    options: list[tuple[Text, Any]] | None = None
    hint: str = ""

    @property
    def name(self) -> str:
        return self.setting.name

    @property
    def default(self) -> Any:
        return self.setting.default


def options_of(choices: tuple[Choice, ...]) -> list[tuple[Text, Any]]:
    return [(Text(_clean(c.label, 50) if c.label == str(c.value) else f"{_clean(c.label, 40)} ({_clean(c.value, 20)})"),
             c.value) for c in choices]


def field_spec(product: Product, setting: Setting, values: Mapping[str, Any]) -> FieldSpec:
    kind = setting.kind
    if kind == "long_text":
        limit = setting.max_length or PROMPT_MAX
        return FieldSpec(setting, "long", hint=f"up to {limit:,} characters")
    if kind == "boolean":
        return FieldSpec(setting, "select", list(BOOLEAN_CHOICES))
    choices = product.choices_for(setting.name, values)
    if kind in SELECT_KINDS or (kind in ("integer", "number") and (setting.presets or choices)):
        hint = "voices for the chosen language" if kind == "voice" and setting.follows == "language" else ""
        return FieldSpec(setting, "select", options_of(choices), hint=hint)
    if kind in ("integer", "number"):
        return FieldSpec(setting, "number", hint=_clean(setting.describe()))
    return FieldSpec(setting, "text")


def draft_value(setting: Setting, value: Any) -> Any:
    """A value kept in a draft, as this form's widget takes it (an older draft kept a model as an object)."""
    if setting.kind == "bundle" and isinstance(value, dict):
        return f"{value.get('provider') or ''}:{value.get('model') or ''}"
    return value


def build_widget(spec: FieldSpec, value: Any) -> Widget:
    """The input widget for a setting, showing `value` (from the draft) or the server's default."""
    wid = field_id(spec.name)
    if spec.kind == "long":
        area = OrderedTextArea(str(value or ""), id=wid, soft_wrap=True, show_line_numbers=False, tab_behavior="focus")
        area.styles.height = LONG_TEXT_FIELDS.get(spec.name, 3) + 2
        return area
    if spec.kind == "select":
        options = spec.options or []
        chosen = draft_value(spec.setting, value) if value is not None else spec.default
        return OrderedSelect(
            options,
            prompt="(server default)" if options else "(none available)",
            allow_blank=True,
            value=pick(options, chosen),
            id=wid,
            compact=True,
        )
    if spec.kind == "number":
        shown = value if value is not None else spec.default
        return OrderedInput(
            "" if shown is None else _number_text(shown),
            placeholder=spec.hint,
            type="integer" if spec.setting.kind == "integer" else "number",
            id=wid,
            compact=True,
        )
    return OrderedInput("" if value is None else str(value), id=wid, compact=True)


def pick(options: list[tuple[Text, Any]], chosen: Any) -> Any:
    """The option to show selected: `chosen` when it is one of them (a number given as text too), else blank."""
    found = matching_choice([value for _, value in options], chosen)
    return Select.NULL if found is NO_MATCH else found


def _number_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_widget(spec: FieldSpec, widget: Widget) -> Any:
    """The field's value as the adapters want it: str, number, bool, or None when unset."""
    if isinstance(widget, TextArea):
        return widget.text
    if isinstance(widget, Select):
        return None if widget.value is Select.NULL else widget.value
    if isinstance(widget, Input):
        text = widget.value.strip()
        if spec.kind != "number":
            return widget.value if text else None
        return number_from_text(text)
    return None


def estimate_note(account: Account | None) -> Text:
    """What the form can say about cost before sending: the capabilities give no price, so the estimate comes with
    the server's reply (and what it cost once ready); the balance when the account tells it."""
    text = Text("Credits: no price is published before sending; KPainter's estimate comes after sending, and what "
                "it cost once it is ready.")
    credits = account.credits if account is not None else None
    if credits is not None:
        shown = f"{int(credits):,}" if float(credits).is_integer() else f"{credits:,}"  # as the status bar has it
        text.append(f" Your balance: {shown} credits.")
    return text


def budget_field(draft_budget: Any, account: Account | None) -> Iterator[Widget]:
    """The ``max_credits`` field (a ceiling the creation pauses before) with the estimate note."""
    with Vertical(classes="form-field", id="field-max_credits-wrap"):
        yield Label(Text("Budget (max credits)", style="bold"))
        yield OrderedInput("" if draft_budget is None else str(draft_budget), type="integer", placeholder="no ceiling",
                    id="field-max_credits", compact=True)
        yield Static(Text("the creation pauses before it would cost more (optional)"), classes="field-hint",
                     markup=False)
        yield Static(estimate_note(account), id="create-estimate", classes="field-hint", markup=False)
        yield Static("", id="field-max_credits-error", classes="field-error", markup=False)

"""Form fields generated from one catalog entry: which widget each field gets, and how to read it back.

A field the app has never heard of still gets a widget: a Select when the catalog lists its values, a bounded
number input when it gives a numeric limit, else a text input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import events
from textual.widget import Widget
from textual.widgets import Input, Select, TextArea

from kgp_tui.format import sanitize

PROMPT_MAX = 10_000
LONG_TEXT_FIELDS = {"prompt": 5, "instructions": 3}
LABELS = {
    "prompt": "Prompt",
    "instructions": "Instructions",
    "language": "Language",
    "aspect_ratio": "Aspect ratio",
    "output_quality": "Output quality",
    "voice_id": "Voice",
    "style_id": "Style",
    "scene_count": "Scenes / pages",
    "duration_seconds": "Duration (seconds)",
    "image_generation": "Image model",
    "video_generation": "Video model",
}


class KeysInOrder:
    """Mixed into a widget that takes typing: a bound key (Backspace, ctrl+k, Esc …) acts here, in its place.

    Textual runs a non-priority binding only once its key has bubbled up to the App, a queue per widget later, by
    when the letters typed after it are in already: `abc` Backspace `ZY` became `abcZ`. Run from this widget's own
    queue instead, it keeps its order. A key that arrives after focus moved on (Tab, Enter) goes where focus is now.
    """

    async def _on_key(self, event: events.Key) -> None:
        screen = self.screen  # type: ignore[attr-defined]
        app = self.app  # type: ignore[attr-defined]
        target = screen.focused
        if screen is app.screen and target is not None and target is not self:
            event.stop()
            event.prevent_default()
            target._forward_event(events.Key(event.key, event.character))
            return
        await super()._on_key(event)  # type: ignore[misc]
        event.prevent_default()  # the widget's own key handling ran just now: not again further down its classes
        if not event._stop_propagation and screen is app.screen and await app._check_bindings(event.key):
            event.stop()


class OrderedInput(KeysInOrder, Input):
    """An Input whose bound keys keep their place in a burst of typing."""


class OrderedTextArea(KeysInOrder, TextArea):
    """A TextArea whose bound keys keep their place in a burst of typing."""


def field_id(name: str) -> str:
    """A widget id for a field name from the server (which may hold any characters)."""
    return "field-" + re.sub(r"[^A-Za-z0-9_-]", "_", name)


def field_label(name: str, required: bool) -> Text:
    label = LABELS.get(name) or sanitize(name, single_line=True, max_len=40).replace("_", " ").capitalize()
    return Text(label + (" *" if required else ""), style="bold")


def _clean(value: Any, max_len: int = 60) -> str:
    return sanitize(value, single_line=True, max_len=max_len)


@dataclass
class FieldSpec:
    """What kind of input a field gets: 'text', 'long', 'select' or 'number' (with its limit)."""

    name: str
    kind: str
    options: list[tuple[Text, Any]] | None = None
    limit: Any = None
    default: Any = None
    hint: str = ""
    # select value -> what the payload carries (a model name becomes the nested settings object)
    payload_values: dict[Any, Any] | None = None


def field_spec(name: str, ct: Any, catalog: Any, language: str | None) -> FieldSpec:
    if name in LONG_TEXT_FIELDS:
        return FieldSpec(name, "long", hint=f"up to {PROMPT_MAX:,} characters")
    if name == "language":
        opts = [(Text(f"{_clean(lang.label, 30)} ({_clean(lang.code, 12)})"), lang.code) for lang in catalog.languages]
        return FieldSpec(name, "select", opts)
    if name == "voice_id":
        opts = [
            (Text(f"{_clean(v.label, 30)} ({_clean(v.language or 'any', 12)})"), v.voice_id)
            for v in catalog.voices_for(language)
        ]
        return FieldSpec(name, "select", opts, hint="voices for the chosen language")
    if name == "style_id":
        opts = [(Text(_clean(s.label, 40)), s.style_id) for s in catalog.styles_for(ct.type)]
        return FieldSpec(name, "select", opts)
    if name == "image_generation":
        models = catalog.image_models
        opts = [(Text(_clean(m.display_name or m.model, 40)), m.model) for m in models]
        nested = {m.model: {"provider": m.provider, "model": m.model} for m in models}
        return FieldSpec(name, "select", opts, payload_values=nested)
    if name == "video_generation":
        models = catalog.video_models
        opts = [(Text(_clean(m.display_name or m.model, 40)), m.model) for m in models]
        nested = {
            m.model: {"model": m.model, "task": m.tasks[0] if m.tasks else "text_to_video"} for m in models
        }
        return FieldSpec(name, "select", opts, payload_values=nested)
    choices = ct.options(name)
    if choices:
        default = ct.default_aspect_ratio if name == "aspect_ratio" else None
        limit = ct.limit(name)
        if default is None and limit is not None and limit.default is not None:
            default = limit.default
        return FieldSpec(name, "select", [(Text(_clean(c, 40)), c) for c in choices], default=default)
    limit = ct.limit(name)
    if limit is not None and (limit.min is not None or limit.max is not None or limit.default is not None):
        return FieldSpec(name, "number", limit=limit, default=limit.default, hint=_clean(limit.describe()))
    return FieldSpec(name, "text")


def build_widget(spec: FieldSpec, value: Any) -> Widget:
    """The input widget for a field, showing `value` (from the draft) or the catalog's default."""
    wid = field_id(spec.name)
    if spec.kind == "long":
        area = OrderedTextArea(str(value or ""), id=wid, soft_wrap=True, show_line_numbers=False, tab_behavior="focus")
        area.styles.height = LONG_TEXT_FIELDS[spec.name] + 2
        return area
    if spec.kind == "select":
        options = spec.options or []
        chosen = value if value is not None else spec.default
        if isinstance(chosen, dict):  # a nested settings object from the draft: its model picks the option
            chosen = chosen.get("model")
        known = {v for _, v in options}
        return Select(
            options,
            prompt="(server default)" if options else "(none available)",
            allow_blank=True,
            value=chosen if chosen in known else Select.NULL,
            id=wid,
            compact=True,
        )
    if spec.kind == "number":
        shown = value if value is not None else spec.default
        integral = all(isinstance(v, int) or (isinstance(v, float) and v.is_integer())
                       for v in (spec.limit.min, spec.limit.max, spec.limit.default) if v is not None)
        return OrderedInput(
            "" if shown is None else _number_text(shown),
            placeholder=spec.hint,
            type="integer" if integral else "number",
            id=wid,
            compact=True,
        )
    return OrderedInput("" if value is None else str(value), id=wid, compact=True)


def _number_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_widget(spec: FieldSpec, widget: Widget) -> Any:
    """The field's value as the payload builder wants it: str, number, or None when unset."""
    if isinstance(widget, TextArea):
        return widget.text
    if isinstance(widget, Select):
        if widget.value is Select.NULL:
            return None
        if spec.payload_values is not None:
            return spec.payload_values.get(widget.value, widget.value)
        return widget.value
    if isinstance(widget, Input):
        text = widget.value.strip()
        if spec.kind != "number":
            return widget.value if text else None
        if not text:
            return None
        try:
            number = float(text)
        except ValueError:
            return text  # left as typed: validation reports it next to the field
        return int(number) if number.is_integer() else number
    return None

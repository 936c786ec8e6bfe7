"""CatalogScreen: what the server can make (v1 content types or unified products) with a detail pane; languages,
voices (by language) and styles."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Input, Static

from kgp_tui.api.domain.offer import voices_for
from kgp_tui.format import sanitize
from kgp_tui.screens.base import KGPScreen
from kgp_tui.widgets.line_list import LineList
from kgp_tui.widgets.ordered import ListFilter

if TYPE_CHECKING:
    from textual.widgets import Select

    from kgp_tui.api.domain import Offer, Product

ALL_LANGUAGES = "__all__"
LANGUAGE_PROMPT = "Voices: all languages"
LANGUAGE_WIDTH = 40  # #voice-language in kgp_tui.tcss


def language_placeholder() -> Static:
    """What the voice-language Select looks like with nothing chosen, until it is made (CatalogScreen)."""
    text = Text(LANGUAGE_PROMPT, no_wrap=True, end="")
    text.truncate(LANGUAGE_WIDTH - 3, overflow="ellipsis", pad=True)  # as the compact Select: label, " ▼", 1 pad
    text.append(" ▼")
    return Static(text, id="voice-language-placeholder", markup=False)


def clean(value: Any, max_len: int = 80) -> str:
    return sanitize(value, single_line=True, max_len=max_len)


def describe_type(ct: Product) -> Text:
    """Everything the server says about one product (a v1 content type or a unified product), as literal text."""
    text = Text()
    text.append(clean(ct.label or ct.type, 100) + "\n", style="bold")
    text.append(f"type id: {clean(ct.type)}\n")
    if ct.description:
        text.append(sanitize(ct.description, max_len=600) + "\n")
    text.append("\n")
    rows = [
        ("Fields", ", ".join(clean(s.name, 40) for s in ct.settings)),
        ("Required", ", ".join(clean(s.name, 40) for s in ct.settings if s.required)),
    ]
    if ct.bundles:
        rows.append(("Models", ", ".join(clean(b.label, 30) for b in ct.bundles)))
    for setting in ct.settings:
        if setting.kind in ("integer", "number", "choice") and setting.name != "language":
            limit = setting.describe() if setting.kind != "choice" or setting.presets else ", ".join(
                clean(c.label, 16) for c in setting.choices)
            if limit:
                rows.append((clean(setting.label, 14), clean(limit)))
    if ct.accepts_files:
        rows.append(("Files", "source files can be attached"))
    if ct.edit_actions or ct.raw.get("editable_actions") is not None:
        rows.append(("Edit actions", ", ".join(clean(a, 40) for a in ct.edit_actions) or "none"))
    for label, value in rows:
        if value:
            text.append(f"{label:<16}", style="bold")
            text.append(value + "\n")
    return text


def describe_resources(offer: Offer, ct: Product | None, language: str | None) -> Text:
    """Languages, the voices for the chosen language, and the styles usable with this type."""
    text = Text()
    text.append("Languages  ", style="bold")
    text.append(", ".join(f"{clean(lang.label, 30)} ({clean(lang.code, 12)})" for lang in offer.languages) or "—")
    products = [ct] if ct is not None else list(offer.products)
    every = {v.id: v for p in products for v in p.voices}
    voices = voices_for(every.values(), language)
    text.append("\nVoices     ", style="bold")
    text.append(
        ", ".join(
            f"{clean(v.label, 30)} [{clean(v.language or 'any', 12)}{', ' + clean(v.gender, 12) if v.gender else ''}]"
            for v in voices
        )
        or ("none in this language" if language else "none for this type" if ct is not None else "none")
    )
    shown = False
    for label, name in STYLE_SETTINGS:  # v1 names its styles style_id; the unified video templates and expressions
        choices = [c for p in products for s in p.settings if s.name == name for c in s.choices]
        if choices:
            text.append(f"\n{label:<11}", style="bold")
            text.append(", ".join(dict.fromkeys(clean(c.label, 30) for c in choices)))
            shown = True
    if not shown:
        text.append("\nStyles     ", style="bold")
        text.append("none for this type")
    return text


def language_options(catalog: Offer) -> list[tuple[Text, str]]:
    return [(Text(f"Voices: {clean(lang.label, 30)} ({clean(lang.code, 12)})"), lang.code) for lang in catalog.languages]


STYLE_SETTINGS = (("Styles", "style_id"), ("Templates", "template_id"), ("Expression", "expression_style_id"))


class DetailText(Static):
    """A Static that is given the same text again often (each ↑/↓ shows the resources anew): only a change is drawn,
    since each update lays the whole screen out again (its height is its text's)."""

    def show(self, text: Text) -> None:
        if text != self.content:
            self.update(text)


class TypeRow(NamedTuple):
    """One listed product, already sanitised."""

    type: str
    name: str


def type_columns(width: int) -> list[tuple[str, str, int]]:
    narrow = width < 100
    return [("name", "Content type", 18 if narrow else 29), ("type", "Type id", 12 if narrow else 18)]


class TypeList(LineList):
    """The type list. Letters typed at it (k9s-style) and Backspace edit the filter from here, in this widget's own
    queue, so they keep their order with each other and with the list's keys (↑/↓, Enter, Esc); focus stays put."""

    def cells(self, row: TypeRow) -> dict[str, str]:
        return {"name": row.name, "type": row.type}

    def type_ids(self) -> list[str]:
        return [row.type for row in self.rows]

    async def _on_key(self, event: events.Key) -> None:
        screen = self.screen
        typed = event.is_printable and event.character and event.character not in " /"
        if screen.focused is self and event.key not in screen.active_bindings and (typed or event.key == "backspace"):
            event.stop()
            event.prevent_default()
            screen.type_at_list(event.character if typed else None)  # type: ignore[attr-defined]
            return
        await super()._on_key(event)


class CatalogScreen(KGPScreen):
    _detail_pending = False  # a detail to show after the next frame (_highlighted)
    AUTO_FOCUS = "#types"  # focused as the screen is first shown (a focus() in on_mount came after Textual's
    # own auto-focus of the filter: a blur and a focus more, each a restyle, just after the first frame)
    BINDINGS = [
        # priority: it takes effect before the keys typed after it are handed out, so they all reach the filter
        Binding("slash", "filter", "Filter", id="catalog.filter", priority=True),
        Binding("enter", "create", "Create", id="catalog.create", show=True),
        Binding("escape", "clear_filter", "Clear filter", id="catalog.clear_filter", show=False),
    ]

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="catalog-body"):
            with Vertical(id="type-list"):
                yield ListFilter(placeholder="/ filter types", id="type-filter", list_id="types")
                yield TypeList(id="types")
            with VerticalScroll(id="type-detail"):
                yield DetailText(id="type-info", markup=False)
                if getattr(self.app, "_dom_ready", True):
                    yield self._language_select()
                else:  # the first screen: the Select and its list (~40 ms of the first frame) come right after it
                    self.wait_for_first_frame()
                    yield language_placeholder()
                yield DetailText(id="type-resources", markup=False)
        yield Static(id="catalog-empty", markup=False)

    def _language_select(self) -> Select:
        from textual.widgets import Select

        options = language_options(self.catalog) if self.catalog is not None else []
        self._language_options = [v for _, v in options]  # given now: no set_options before its first frame
        return Select(options, prompt=LANGUAGE_PROMPT, id="voice-language", allow_blank=True, compact=True)

    def after_first_frame(self) -> None:
        super().after_first_frame()
        for placeholder in self.query("#voice-language-placeholder"):
            placeholder.parent.mount(self._language_select(), before=placeholder)  # type: ignore[union-attr]
            placeholder.remove()

    def _language(self) -> str | None:
        """The language the voices are filtered by (None: all, or the Select is not made yet)."""
        selects = self.query("#voice-language")
        value = selects.first().value if selects else None
        return value if isinstance(value, str) and value != ALL_LANGUAGES else None

    def on_mount(self) -> None:  # KGPScreen.on_mount runs too (Textual calls each class's handler)
        self.query_one("#types", TypeList).set_columns(type_columns(self.app.size.width))
        # filled now, the rows are in the first layout and frame (the kept catalog at start-up), one layout and one
        # frame fewer; the first frame is written whole since KGPScreen._compositor_refresh (issue 15, 7th round)
        self._render_catalog()

    def on_store(self, topic: str, key: Any) -> None:
        if topic == "catalog":  # not on "session": credits change often and must not reset the list
            self._render_catalog()

    @property
    def catalog(self) -> Offer | None:
        return self.app.store.offer  # type: ignore[no-any-return]

    def _render_catalog(self) -> None:
        catalog = self.catalog
        empty = self.query_one("#catalog-empty", Static)
        self.query_one("#catalog-body").display = catalog is not None
        empty.display = catalog is None
        if catalog is None:
            empty.update(Text("Not connected yet: press F4 to connect."))
            return
        selects = self.query("#voice-language")
        options = language_options(catalog)
        if selects and getattr(self, "_language_options", None) != [v for _, v in options]:
            self._language_options = [v for _, v in options]
            selects.first().set_options(options)
        self._fill_table()

    def _fill_table(self) -> None:
        catalog = self.catalog
        table = self.query_one("#types", TypeList)
        self._filled_for = self.query_one("#type-filter", Input).value
        wanted = self._filled_for.strip().lower()
        selected = self._cursor_type()
        rows = []
        for ct in catalog.products:
            name = clean(ct.label or ct.type, 60)
            if wanted and wanted not in name.lower() and wanted not in ct.type.lower():
                continue
            rows.append(TypeRow(ct.type, name))
        ids = [row.type for row in rows]
        # the highlighted type stays highlighted
        table.set_rows(rows, ids.index(selected.type) if selected is not None and selected.type in ids else 0)
        self._show_detail()

    def _refill_if_stale(self) -> None:
        """Fill the list for the filter as it is now, unless it shows that already (typing fills it at once)."""
        if self.catalog is not None and self.query_one("#type-filter", Input).value != getattr(self, "_filled_for", None):
            self._fill_table()

    def selected_type(self) -> Product | None:
        self._refill_if_stale()  # an Enter right after a letter opens what the filtered list shows
        return self._cursor_type()

    def _cursor_type(self) -> Product | None:
        table = self.query_one("#types", TypeList)
        if self.catalog is None or table.row_count == 0:
            return None
        return self.catalog.product(table.rows[table.cursor_row].type)

    def _show_detail(self) -> None:
        ct = self._cursor_type()
        info = Text("No content type matches the filter.") if ct is None else describe_type(ct)
        resources = describe_resources(self.catalog, ct, self._language())
        self.query_one("#type-info", DetailText).show(info)
        self.query_one("#type-resources", DetailText).show(resources)

    @on(TypeList.Highlighted, "#types")
    def _highlighted(self) -> None:
        """The detail of the highlighted type in the frame after the cursor's own: its text changes the pane's
        height, and that lays the whole screen out again (~10 ms); the moved cursor is drawn without waiting for
        it, and the keys of a burst (a held ↓) draw the detail once, for where the cursor stopped."""
        if not self._detail_pending:
            self._detail_pending = True
            self.call_after_refresh(self._detail_after_move)

    def _detail_after_move(self) -> None:
        self._detail_pending = False
        if self.is_attached:
            self._show_detail()

    @on(TypeList.Selected, "#types")
    def _selected(self) -> None:
        self.action_create()

    def on_select_changed(self, event: Select.Changed) -> None:  # by name: Select is imported once it is made
        if event.select.id == "voice-language" and self.catalog is not None:
            self._show_detail()

    @on(Input.Changed, "#type-filter")
    def _filter_changed(self) -> None:
        self._refill_if_stale()

    def type_at_list(self, character: str | None) -> None:
        """A letter typed at the list goes into the filter (None: Backspace), and the list follows at once."""
        filter_input = self.query_one("#type-filter", Input)
        if character is None:
            filter_input.action_delete_left()
        else:
            filter_input.insert_text_at_cursor(character)
        self._refill_if_stale()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # '/' typed in the filter is a letter of it
        return not (action == "filter" and self.focused is not None and self.focused.id == "type-filter")

    def action_filter(self) -> None:
        self.set_focus(self.query_one("#type-filter", Input))  # now, not after the keys that follow

    def action_clear_filter(self) -> None:
        filter_input = self.query_one("#type-filter", Input)
        if filter_input.value:
            filter_input.value = ""
        self._refill_if_stale()
        self.set_focus(self.query_one("#types", TypeList))

    def action_create(self) -> None:
        ct = self.selected_type()
        if ct is None:
            return
        self.app.open_create_form(ct.type)

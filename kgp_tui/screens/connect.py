"""ConnectScreen: base URL and key (masked), validated with /me; explains every failure."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Checkbox, Input, Label, Static

from kgp_tui.format import sanitize
from kgp_tui.screens.base import KGPScreen

DEFAULT_BASE_URL = "https://api.kpainter.ai/openapi/v1"
NOTE_STYLES = {"error": "bold", "warning": "bold", "ok": "", "info": "italic"}


class ConnectScreen(KGPScreen):
    BINDINGS = [
        Binding("ctrl+s", "connect", "Connect", id="connect.submit", priority=True),
    ]

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="connect-body"):
            yield Label("Connect to a KGP server", classes="title")
            yield Label("Base URL")
            yield Input(placeholder=DEFAULT_BASE_URL, id="base-url")
            yield Label("API key (from the API Key page on the KPainter website)")
            yield Input(placeholder="kgp_live_…", password=True, id="api-key")
            with Horizontal(id="connect-actions"):
                yield Button("Connect (ctrl+s)", id="connect-button", variant="primary")
                yield Checkbox("Save as default profile", id="save-profile")
            yield Static(id="connect-note", markup=False)
            yield Static(id="session-info", markup=False)

    def on_mount(self) -> None:
        super().on_mount()
        app: Any = self.app
        conn = app.initial_connection
        base_url = getattr(conn, "base_url", None) or getattr(app.simulator, "base_url", None) or DEFAULT_BASE_URL
        self.query_one("#base-url", Input).value = base_url
        if conn is not None:
            self.query_one("#api-key", Input).value = conn.api_key
        self.query_one("#api-key", Input).focus()
        # The demo's key and loopback URL are nothing to keep; and without a config there is nowhere to save.
        self.query_one("#save-profile", Checkbox).display = not app.demo and app.config is not None
        self._render_state()

    def on_store(self, topic: str, key: Any) -> None:
        if topic == "session":
            session = self.app.store.session
            base_url = self.query_one("#base-url", Input)
            if session is not None and not base_url.has_focus and base_url.value != session.base_url:
                base_url.value = session.base_url  # show where we are connected (the demo's port, for one)
            self._render_state()

    def _render_state(self) -> None:
        app: Any = self.app
        severity, note = app.connect_note
        label = {"error": "✖ ", "warning": "⚠ ", "ok": "✔ ", "info": "… "}.get(severity, "")
        note_widget = self.query_one("#connect-note", Static)
        note_widget.update(Text(label + note, style=NOTE_STYLES.get(severity, "")) if note else Text(""))
        note_widget.set_class(severity == "error", "-error")
        note_widget.set_class(severity == "warning", "-warning")
        self.query_one("#session-info", Static).update(describe_session(app.store.session))

    @on(Input.Submitted)
    @on(Button.Pressed, "#connect-button")
    def action_connect(self) -> None:
        from kgp_tui.config import check_base_url

        app: Any = self.app
        base_url = self.query_one("#base-url", Input).value.strip() or DEFAULT_BASE_URL
        api_key = self.query_one("#api-key", Input).value.strip()
        try:
            base_url = check_base_url(base_url, allow_insecure_http=getattr(app.config, "allow_insecure_http", False))
        except ValueError as problem:
            app.set_connect_note("error", f"Base URL: {problem}")
            self.query_one("#base-url", Input).focus()
            return
        if not api_key:
            app.set_connect_note("error", "Enter your API key (from the API Key page on the KPainter website).")
            self.query_one("#api-key", Input).focus()
            return
        save = self.query_one("#save-profile", Checkbox).value
        app.start_connect(base_url, api_key, save_as="default" if save else None)


def describe_session(session: Any) -> Text:
    """Who the key belongs to and what it may do, shown after a successful /me."""
    if session is None:
        return Text("No key yet? `kgp-tui --demo` runs a built-in simulator: no account, no network.", style="italic")
    me = session.me
    credits = getattr(me, "credits", None)
    lines = [
        ("User", sanitize(getattr(me, "display_name", "") or "—", single_line=True, max_len=60)),
        ("Key", sanitize(session.key_prefix, single_line=True, max_len=30)),
        ("Scope", sanitize(getattr(me, "key_scope", "") or "—", single_line=True, max_len=30)),
        ("Can create", "yes" if getattr(me, "can_use", False) else "no (read-only key)"),
        ("Credits", f"{getattr(credits, 'balance', '—')} ({sanitize(getattr(credits, 'plan', '') or '', single_line=True, max_len=20)})"),
    ]
    text = Text()
    for name, value in lines:
        text.append(f"{name:<11}", style="bold")
        text.append(f"{value}\n")
    text.append("\nF2 opens the catalog, F3 the jobs monitor.", style="italic")
    return text

"""ConnectScreen: base URL and key (masked), validated with /me; explains every failure."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import Label, Static

from kgp_tui.format import sanitize
from kgp_tui.screens.base import KGPScreen

if TYPE_CHECKING:
    from kgp_tui.store import Session

DEFAULT_BASE_URL = "https://api.kpainter.ai/openapi/v1"
NOTE_STYLES = {"error": "bold", "warning": "bold", "ok": "", "info": "italic"}
TITLE = "Connect to a KGP server"


class ConnectingBody(Widget):
    """The body while the app connects at start-up: it looks like the form's (unscrolled) top, costs less."""

    DEFAULT_CSS = "ConnectingBody { width: 1fr; height: 1fr; layout: vertical; }"


class ConnectScreen(KGPScreen):
    BINDINGS = [
        Binding("ctrl+s", "connect", "Connect", id="connect.submit", priority=True),
    ]

    def __init__(self) -> None:
        super().__init__()
        from textual._context import active_app

        app: Any = active_app.get(None)
        # Started with a key (env, profile, --demo) the app connects at once and moves on to the catalog: the
        # first frame says where it connects, and the form (its widgets cost a fifth of the start-up) is built
        # only if the connection fails or the user comes back here (F4).
        self._form_wanted = app is None or not (
            getattr(app, "initial_connection", None) is not None or getattr(app, "demo", False)
            or getattr(app, "simulator", None) is not None)
        self._form = False

    def compose_body(self) -> ComposeResult:
        if self._form_wanted:
            yield self._form_body()
        else:
            yield ConnectingBody(Label(TITLE, classes="title"), Static(id="connect-note", markup=False),
                                 Static(id="session-info", markup=False), id="connect-body")

    def _form_body(self) -> Widget:
        from textual.containers import VerticalScroll

        return VerticalScroll(Label(TITLE, classes="title"), *self._form_widgets(),
                              Static(id="connect-note", markup=False), Static(id="session-info", markup=False),
                              id="connect-body")

    def _form_widgets(self) -> list[Any]:
        from textual.containers import Horizontal
        from textual.widgets import Button, Checkbox

        from kgp_tui.widgets.ordered import OrderedInput

        self._form = True
        base_url, api_key = self._initial_values()
        self._url_we_set = base_url  # what the URL field says unless the user edits it
        # the values are the widgets' own from the start: keys typed as soon as the form is there are never
        # overwritten by a fill that comes after the mount (a burst over SSH, a fast typist after F4)
        return [
            Label("Base URL"),
            OrderedInput(base_url, placeholder=self._default_base_url(), id="base-url"),
            Static(id="key-destination", markup=False),
            Label("API key (from the API Key page on the KPainter website)"),
            OrderedInput(api_key, placeholder="kgp_live_…", password=True, id="api-key"),
            Horizontal(
                Button("Connect (ctrl+s)", id="connect-button", variant="primary"),
                Checkbox("Save as default profile", id="save-profile"),
                id="connect-actions",
            ),
        ]

    def on_mount(self) -> None:
        super().on_mount()
        if self._form:
            self._fill_form()
        self._render_state()

    async def show_form(self) -> None:
        """Build the form now (after a failed start-up connect, or when the user comes back with F4)."""
        if self._form:
            return
        # The app may quit at any await here: then the screen is gone or closing and takes no new widgets.
        await self.query("#connect-body").remove()
        if not self.is_attached:
            return
        body = self._form_body()
        await self.mount(body)
        # A quit during the mount cuts the body's compose short: it counts as mounted, but without its inputs.
        if not body.is_mounted or getattr(self.app, "closing", False) or not self.is_attached:
            return
        self._fill_form()
        self._render_state()

    def on_screen_resume(self) -> None:
        if not self._form and self.app.store.session is not None:
            self.run_worker(self.show_form, exclusive=True, group="connect-form")

    def _initial_values(self) -> tuple[str, str]:
        """What the form starts with: where we are connected (or were asked to connect), and the key given."""
        app: Any = self.app
        conn = app.initial_connection
        session = app.store.session
        base_url = (session.base_url if session is not None else None) or getattr(conn, "base_url", None) \
            or getattr(app.simulator, "base_url", None) or self._default_base_url()
        return base_url, (conn.api_key if conn is not None else "")

    def _fill_form(self) -> None:
        from textual.widgets import Checkbox, Input

        app: Any = self.app
        focused = getattr(self.focused, "id", None)
        if focused not in ("base-url", "api-key", "save-profile", "connect-button"):  # else the user put it there
            self.query_one("#api-key", Input).focus()
        # The demo's key and loopback URL are nothing to keep; and without a config there is nowhere to save.
        self.query_one("#save-profile", Checkbox).display = not app.demo and app.config is not None
        self._show_destination()

    def _default_base_url(self) -> str:
        """The effective base URL ($KGP_BASE_URL, then the profile's, then the default): a key typed here goes there."""
        config: Any = getattr(self.app, "config", None)
        if config is None or not hasattr(config, "base_url"):
            return DEFAULT_BASE_URL
        try:  # unchecked: a bad $KGP_BASE_URL is shown and explained, never swapped for the real server
            return str(config.base_url(checked=False))
        except Exception:  # noqa: BLE001 - e.g. $KGP_TUI_PROFILE names no profile: the CLI said so at start
            return DEFAULT_BASE_URL

    def _allows_insecure_http(self) -> bool:
        config: Any = getattr(self.app, "config", None)
        try:
            return bool(config.allows_insecure_http())
        except Exception:  # noqa: BLE001 - no config, or one without profiles
            return bool(getattr(config, "allow_insecure_http", False))

    def _chosen_base_url(self) -> str:
        from textual.widgets import Input

        return self.query_one("#base-url", Input).value.strip() or self._default_base_url()

    def on_input_changed(self, event: Any) -> None:
        if getattr(event.input, "id", None) == "base-url":
            self._show_destination()

    def _show_destination(self) -> None:
        """Say plainly where a key typed here will be sent, as the URL is edited."""
        shown = self.query("#key-destination")
        if not shown:  # the URL field's first change comes as the form mounts: a quit then cuts the rest short
            return
        shown.first(Static).update(key_destination(self._chosen_base_url(), self._allows_insecure_http()))

    def on_store(self, topic: str, key: Any) -> None:
        if topic == "session":
            session = self.app.store.session
            if self._form:
                from textual.widgets import Input

                base_url = self.query_one("#base-url", Input)
                # show where we are connected (the demo's port, for one), unless the user has edited the URL
                if session is not None and not base_url.has_focus and base_url.value == self._url_we_set \
                        and base_url.value != session.base_url:
                    base_url.value = self._url_we_set = session.base_url
            self._render_state()

    def _render_state(self) -> None:
        app: Any = self.app
        severity, note = app.connect_note
        label = {"error": "✖ ", "warning": "⚠ ", "ok": "✔ ", "info": "… "}.get(severity, "")
        note_widget = self.query_one("#connect-note", Static)
        note_widget.update(Text(label + note, style=NOTE_STYLES.get(severity, "")) if note else Text(""))
        note_widget.set_class(severity == "error", "-error")
        note_widget.set_class(severity == "warning", "-warning")
        self.query_one("#session-info", Static).update(describe_session(app.store.session, connecting=severity == "info"))
        if severity == "error" and not self._form:
            self.run_worker(self.show_form, exclusive=True, group="connect-form")

    def on_input_submitted(self) -> None:
        self.action_connect()

    def on_button_pressed(self, event: Any) -> None:
        if event.button.id == "connect-button":
            self.action_connect()

    def action_connect(self) -> None:
        from kgp_tui.widgets.ordered import after_keys_typed

        after_keys_typed(self, self._connect_now)  # "paste the key, ctrl+s" in one burst sends the whole key

    def _connect_now(self) -> None:
        from textual.widgets import Checkbox, Input

        from kgp_tui.config import check_base_url

        if not self.is_attached:
            return  # left (a key typed after ctrl+s, or the app closing) before the keys ahead of it were in

        app: Any = self.app
        if not self._form:
            self.run_worker(self.show_form, exclusive=True, group="connect-form")
            return
        base_url = self._chosen_base_url()
        api_key = self.query_one("#api-key", Input).value.strip()
        try:
            base_url = check_base_url(base_url, allow_insecure_http=self._allows_insecure_http())
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


def key_destination(base_url: str, allow_insecure_http: bool = False) -> Text:
    """"Your key will be sent to <host>", or why it will not be sent anywhere (the URL is not usable)."""
    from urllib.parse import urlsplit

    from kgp_tui.api.text import url_host
    from kgp_tui.config import check_base_url, is_loopback_host

    try:
        url = check_base_url(base_url, allow_insecure_http=allow_insecure_http)
    except ValueError as problem:
        return Text(f"Your key will not be sent: {sanitize(str(problem), single_line=True, max_len=200)}.",
                    style="bold")
    parts = urlsplit(url)
    host = sanitize(url_host(url), single_line=True, max_len=80)
    text = Text("Your key will be sent to ")
    text.append(host, style="bold")
    if parts.scheme == "http":
        where = "this computer" if is_loopback_host(parts.hostname or "") else "anyone on the way can read it"
        text.append(f" over plain http ({where})")
    return text.append(".")


def retry_note(base_url: str, error: Any, number: int, of: int, delay: float) -> str:
    """What the connect screen says while the client waits to retry /me or /catalog (429, 5xx, no answer)."""
    from kgp_tui.api.text import url_host

    host = sanitize(url_host(base_url) or base_url, single_line=True, max_len=80)
    status = getattr(error, "status", None)
    if status == 429:
        why = f"{host} asks to slow down (HTTP 429)"
    elif status:
        why = f"{host} answered HTTP {status}"
    else:
        why = f"{host} did not answer"
    when = f"in {delay:.0f} s" if delay >= 1 else "in a moment"
    return f"{why}: retrying {when} (retry {number} of {of})…"


def describe_session(session: Session | None, connecting: bool = False) -> Text:
    """Who the key belongs to and what it may do, shown after a successful connect; nothing while a key is being
    tried (the note above says so), and the demo's offer when there is no key at all."""
    if session is None and connecting:
        return Text("")
    if session is None:
        return Text("No key yet? `kgp-tui --demo` runs a built-in simulator: no account, no network.", style="italic")
    account = session.account
    credits = "—" if account.credits is None else str(account.credits)
    plan = f" ({sanitize(account.plan, single_line=True, max_len=20)})" if account.plan else ""
    lines = [
        ("User", sanitize(account.display_name or account.email or "—", single_line=True, max_len=60)),
        ("Key", sanitize(session.key_prefix, single_line=True, max_len=30)),
        ("API", f"{session.surface} ({'catalog and jobs' if session.surface == 'v1' else 'unified creations'})"),
        ("Scope", sanitize(account.key_scope or "—", single_line=True, max_len=30)),
        ("Can create", "yes" if account.may_create else "no (read-only key)"),
        ("Credits", credits + plan),
    ]
    text = Text()
    for name, value in lines:
        text.append(f"{name:<11}", style="bold")
        text.append(f"{value}\n")
    text.append("\nF2 opens the catalog, F3 the jobs monitor.", style="italic")
    return text

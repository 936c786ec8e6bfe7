"""StatusBar: connection (host, surface, key prefix), credits, active jobs and the poller's health, on every screen."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Static

from kgp_tui.format import host_of, sanitize

RATE_LIMITED = "rate limited"  # the poller's reason for a 429 pause


def refresh_key(app: Any) -> str:
    """The key that polls every job now: F5, or what the [keymap] table bound app.refresh to."""
    keys = (getattr(getattr(app, "config", None), "keymap", None) or {}).get("app.refresh") or "f5"
    first = str(keys).split(",")[0].strip() or "f5"
    return first.upper() if len(first) <= 3 else first


class StatusBar(Static):
    DEFAULT_CSS = """
    StatusBar { dock: top; height: 1; background: $panel; color: $text; padding: 0 1; }
    """

    def __init__(self, *, id: str | None = "status-bar") -> None:
        super().__init__("", id=id, markup=False)
        self._unsubscribe: Any = None
        self._ticker: Any = None
        self._pending = False
        self._shown: Text | None = None

    def on_mount(self) -> None:
        self._unsubscribe = self.app.store.subscribe(self._on_store)
        self.update_status()

    def on_unmount(self) -> None:
        if self._unsubscribe:
            self._unsubscribe()
        if self._ticker is not None:
            self._ticker.stop()

    def _on_store(self, topic: str, key: Any) -> None:
        if topic in ("session", "poll"):
            self.update_status()
        elif topic in ("jobs", "downloads") and not self._pending:
            # A poll round brings hundreds of replies: count the active jobs once per frame, not once per reply.
            self._pending = True
            self.call_after_refresh(self.update_status)

    def update_status(self) -> None:
        self._pending = False
        store = self.app.store
        text = Text(no_wrap=True, overflow="ellipsis")
        session = store.session
        if session is None:
            text.append("○ not connected", style="bold")
        elif not session.confirmed:  # the catalog kept from last time, while the connect checks the key
            severity, note = getattr(self.app, "connect_note", ("", ""))
            text.append("◌ connecting to ", style="bold")
            text.append(host_of(session.base_url))
            text.append(" · ")
            text.append(sanitize(session.key_prefix, single_line=True, max_len=24))
            text.append(" · the catalog as last seen")
            if severity == "warning":  # the connect retries (a 5xx, a timeout): say so, the catalog may be stale
                text.append(" · ")
                text.append(sanitize(note, single_line=True, max_len=160), style="bold")
        else:
            text.append("● ", style="bold")
            text.append(host_of(session.base_url))
            text.append(f" ({session.surface})")  # which KPainter API this server speaks
            text.append(" · ")
            account = session.account
            name = sanitize(account.display_name or "", single_line=True, max_len=24)
            if name:  # who: two accounts' keys can share their prefix (the demo's do)
                text.append(name)
                text.append(" · ")
            text.append(sanitize(session.key_prefix, single_line=True, max_len=24))
            balance = account.credits
            if balance is not None:
                text.append(" · ")
                text.append(f"{balance:,} credits" if isinstance(balance, int) else f"{balance} credits")
            if not account.may_create:
                text.append(" · read-only", style="bold")
        active = sum(1 for t in store.runs.values() if not t.run.stops_polling)
        if active:
            thing = "creation" if session is not None and session.surface == "unified" else "job"  # no jobs there
            text.append(f" · {active} active {thing}{'s' if active != 1 else ''}")
        downloads = getattr(self.app, "_downloads", None)  # made only once something is downloaded
        fetching = downloads.active_count if downloads is not None else 0
        if fetching:
            text.append(f" · {fetching} download{'s' if fetching != 1 else ''}")
        poll = store.poll
        if not poll.ok and poll.retry_at is not None:
            left = max(0, int(round(poll.retry_at - self.app.now())))
            reason = f" ({poll.reason})" if poll.reason else ""
            # a 429 pause is the server's to end: F5 cannot shorten it, so it is offered only for a backoff
            retry = "" if poll.reason == RATE_LIMITED else f", {refresh_key(self.app)} retries now"
            text.append(f" · reconnecting, next try in {left}s{retry}{reason}", style="bold reverse")
            if self._ticker is None:
                self._ticker = self.set_interval(1.0, self.update_status, name="status-countdown")
        elif self._ticker is not None:
            self._ticker.stop()
            self._ticker = None
        if text != self._shown:  # most poll replies change nothing here: then nothing is redrawn
            self._shown = text
            self.update(text, layout=False)  # one line, docked: its size never changes

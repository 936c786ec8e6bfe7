"""ConversationPane: the follow-up messages of a unified video (what was sent, the reply, how it was taken, when) and
a box to compose the next one, open only while the video is ready.

Each composed message gets one idempotency key, made when it is first sent and reused when that same text is sent
again after a failure, so a message that did reach the server is not taken twice. An accepted change re-runs the
video; ``update(creation)`` marks the delivery that follows as new. Files listed in its file-attach widget are
uploaded on ctrl+s, then go with the message in ``input_file_ids``; a refused file blocks the send. The pane never
touches the store: it posts ``MessageSent`` and ``DeliveryChanged`` and its owner applies them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static, TextArea

from kgp_tui.api.domain import new_idempotency_key
from kgp_tui.api.errors import Conflict, ConnectionFailed, KGPError, RateLimited, ServerError
from kgp_tui.format import error_text, parse_time, sanitize
from kgp_tui.widgets.file_attach import FileAttach
from kgp_tui.widgets.ordered import after_keys_typed

if TYPE_CHECKING:
    from kgp_tui.api import domain as d
    from kgp_tui.api.unified import UnifiedAdapter

__all__ = ["ConversationPane", "can_resend", "compose_refusal", "delivery_mark", "message_text"]

STATUS_WORDS = {"accepted": "✔ accepted: the video is being changed", "answered": "💬 answered",
                "rejected": "✖ rejected: nothing was changed"}
DELIVERY_KEYS = ("delivery_version", "deliveryVersion", "version")


def clean(value: object, max_len: int = 80) -> str:
    return sanitize(value, single_line=True, max_len=max_len)


def compose_refusal(creation: d.Creation) -> str | None:
    """Why no message can be sent now, or None when the video is ready for one."""
    if creation.type != "video":
        kind = clean(creation.type, 30) or "this kind of creation"
        return f"Messages are for videos only: this creation is {'an' if kind[:1] in 'aeiou' else 'a'} {kind}."
    if creation.status != "ready":
        status = clean(creation.status, 30) or "unknown"
        return f"Messages can be sent once the video is ready (it is {status} now)."
    return None


def delivery_mark(creation: d.Creation) -> object:
    """What identifies the creation's current delivery: the server's delivery version, else its results' ids;
    None when neither is known, or while there is no usable delivery (the first one is no change of the user's)."""
    if creation.run is not None and creation.run.has_usable_delivery is False:
        return None
    for key in DELIVERY_KEYS:
        value = creation.raw.get(key)
        if isinstance(value, (int, str)) and not isinstance(value, bool):
            return value if value not in (0, "0", "") else None
    marks = tuple(result.id or result.url for result in creation.results)
    return marks or None


def _when(value: str | None) -> str:
    moment = parse_time(value)
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment is not None else clean(value, 30)


def message_text(message: d.Message, *, led_to_new_delivery: bool = False) -> Text:
    """One message: when, how it was taken, what was sent, the reply (all server text as data)."""
    text = Text()
    status = message.status or "sent"
    text.append("You", style="bold")
    when = _when(message.created_at)
    if when:
        text.append(f" · {when}")
    text.append("   ")
    text.append(STATUS_WORDS.get(status, clean(status, 30)), style="bold")
    if led_to_new_delivery:
        text.append("  ★ new delivery", style="bold")
    text.append("\n")
    text.append(sanitize(message.content, max_len=4000))
    if message.reply:
        text.append("\n↳ ")
        text.append(sanitize(message.reply, max_len=4000))
    return text


def can_resend(error: BaseException) -> bool:
    """Whether the same request may be sent again with the same idempotency key: the request may not have been
    handled (or may have, and the key makes a resend safe). A 409 or another refusal is final."""
    if isinstance(error, Conflict):
        return False
    if not isinstance(error, KGPError):
        return True  # what happened is unknown: only the same key is safe, and it is
    return error.ambiguous or isinstance(error, (ServerError, ConnectionFailed, RateLimited))


class MessageBox(TextArea):
    """The message box. Read-only (a message on its way, a change re-running) it still has the focus, and Textual's
    TextArea then lets a typed letter go on to the screen: on the creation screen `d` downloads, `o` opens a browser,
    `y` copies. Here the letters and Enter of a read-only box stop with it."""

    async def _on_key(self, event: events.Key) -> None:
        if self.read_only and (event.is_printable or event.key == "enter"):
            event.stop()
            event.prevent_default()
            return
        await super()._on_key(event)


class ConversationPane(Widget):
    """The messages of one creation and the compose box (ctrl+s sends)."""

    DEFAULT_CSS = """
    ConversationPane { height: auto; max-height: 100%; border: round $primary; padding: 0 1; }
    ConversationPane #conversation-log { height: auto; max-height: 16; }
    ConversationPane .conversation-message { height: auto; margin-bottom: 1; }
    ConversationPane #conversation-delivery { height: auto; color: $success; text-style: bold; }
    ConversationPane #conversation-why { height: auto; color: $text-muted; }
    ConversationPane #conversation-input { height: 5; }
    ConversationPane #conversation-status { height: auto; color: $text-muted; }
    ConversationPane #conversation-status.-problem { color: $error; }
    ConversationPane #conversation-files-title { height: auto; color: $text-muted; margin-top: 1; }
    """
    BINDINGS = [
        Binding("ctrl+s", "send", "Send message", id="conversation.send", priority=True),
        # the log scrolls to the newest by itself and Tab does not stop on it: these page through older messages
        # from the message box (the text box leaves them unbound)
        Binding("ctrl+up,shift+pageup", "scroll_log(-1)", "Older messages", key_display="ctrl+↑",
                id="conversation.older"),
        Binding("ctrl+down,shift+pagedown", "scroll_log(1)", "Newer messages", key_display="ctrl+↓", show=False,
                id="conversation.newer"),
    ]

    class MessageSent(Message):
        """The server took the message; ``reply.run`` is the creation's new state (re-running when accepted)."""

        def __init__(self, reply: d.MessageReply) -> None:
            super().__init__()
            self.reply = reply

    class DeliveryChanged(Message):
        """A new delivery of the creation is ready (after an accepted change): reload its outputs."""

        def __init__(self, creation: d.Creation) -> None:
            super().__init__()
            self.creation = creation

    class SendFailed(Message):
        """Internal: the worker's failure, handled (and stopped) by the pane itself."""

        def __init__(self, content: str, error: BaseException) -> None:
            super().__init__()
            self.content = content
            self.error = error

    def __init__(self, creation: d.Creation, *, adapter: UnifiedAdapter | None = None,
                 files: d.FileLimits | None = None, file_ids: Sequence[str] = (), name: str | None = None,
                 id: str | None = None, classes: str | None = None) -> None:  # noqa: A002
        super().__init__(name=name, id=id, classes=classes)
        self.creation = creation
        self._adapter = adapter
        self._files = files  # the server's file limits: a file-attach widget where the surface takes files
        self.file_ids: list[str] = list(file_ids)  # attached to the next message (uploaded, in list order)
        self._uploading = False  # ctrl+s waits for the listed files to be up, then sends
        self.messages: list[d.Message] = list(creation.messages)
        self.draft: tuple[str, str] | None = None  # (text and file ids, key) of a message not known to be taken
        self.sending = False
        self.rerunning = False  # an accepted change is running: the next delivery is new
        self._rerun_seen = False  # the re-run was seen under way (not ready), so its "ready" is the new delivery
        self.new_delivery = False
        self._delivery = delivery_mark(creation)
        self._led_to_delivery: set[str] = set()

    def compose(self) -> ComposeResult:
        yield Static(Text("Messages", style="bold"), id="conversation-title", markup=False)
        yield VerticalScroll(id="conversation-log", can_focus=False)  # it scrolls to the newest by itself
        yield Static("", id="conversation-delivery", markup=False)
        yield Static("", id="conversation-why", markup=False)
        yield MessageBox(id="conversation-input", soft_wrap=True, show_line_numbers=False, tab_behavior="focus")
        if self._files is not None:
            yield Static(Text("Attach files to the message"), id="conversation-files-title", markup=False)
            yield FileAttach(self._files, self._files.max_files, id="conversation-file-attach")
        yield Static("", id="conversation-status", markup=False)

    def on_mount(self) -> None:
        self.query_one("#conversation-delivery", Static).display = False
        self.query_one("#conversation-status", Static).display = False
        self._show()

    # -- showing -------------------------------------------------------------------------------------------

    def update(self, creation: d.Creation) -> None:
        """Show ``creation`` as it is now; a delivery that differs from the last one seen is marked new."""
        previous, self.creation = self.creation, creation
        if creation.detailed:
            server_ids = {m.id for m in creation.messages if m.id}
            self.messages = list(creation.messages) + [m for m in self.messages if m.id and m.id not in server_ids]
        mark = delivery_mark(creation)
        changed = mark is not None and self._delivery is not None and mark != self._delivery
        if self.rerunning and creation.status != "ready":
            self._rerun_seen = True
        # a "ready" from before the change was taken (a stale view) is not the re-run's end: it must be seen running
        finished_rerun = self.rerunning and self._rerun_seen and creation.status == "ready" and (
            previous.status != "ready")
        if mark is not None:
            self._delivery = mark
        if (changed or finished_rerun) and creation.status == "ready":
            self.rerunning = False
            self.new_delivery = True
            accepted = [m for m in self.messages if m.status == "accepted" and m.id]
            if accepted:
                self._led_to_delivery.add(str(accepted[-1].id))
            self.post_message(self.DeliveryChanged(creation))
        elif self.rerunning and creation.status == "failed":
            self.rerunning = False  # the change run failed: no new delivery follows
        self._show()

    def action_scroll_log(self, direction: int) -> None:
        log = self.query_one("#conversation-log", VerticalScroll)
        if direction < 0:
            log.scroll_page_up(animate=False)
        else:
            log.scroll_page_down(animate=False)

    def _show(self) -> None:
        log = self.query_one("#conversation-log", VerticalScroll)
        log.remove_children()
        if self.messages:
            log.mount_all(Static(message_text(m, led_to_new_delivery=str(m.id) in self._led_to_delivery),
                                 classes="conversation-message", markup=False) for m in self.messages)
        else:
            log.mount(Static(Text("No messages yet."), classes="conversation-message", markup=False))
        log.call_after_refresh(log.scroll_end, animate=False)
        banner = self.query_one("#conversation-delivery", Static)
        banner.display = self.new_delivery
        if self.new_delivery:
            version = delivery_mark(self.creation)
            what = f"version {clean(version, 20)} " if isinstance(version, (int, str)) else ""
            banner.update(Text(f"★ New delivery: {what}is ready with your change. Its outputs are new."))
        refusal = self._refusal()
        for part in self.query("#conversation-files-title, #conversation-file-attach"):
            part.display = refusal is None  # files go with a message: offered only while one can be sent
        why = self.query_one("#conversation-why", Static)
        why.update(Text(refusal or "Ask a question or describe a change; ctrl+s sends it."))
        box = self.query_one("#conversation-input", TextArea)
        box.read_only = refusal is not None or self.sending  # not disabled: that would take the focus away
        self.refresh_bindings()

    def _refusal(self) -> str | None:
        if self.rerunning:  # the status line above already says the change was accepted: say what comes next
            return "Another message can be sent once the new version is ready."
        return compose_refusal(self.creation)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "send":
            return self._refusal() is None and not self.sending
        return True

    # -- sending -------------------------------------------------------------------------------------------

    def action_send(self) -> None:
        after_keys_typed(self.screen, self._send_now)  # the message typed just before ctrl+s is all in the box

    def _send_now(self) -> None:
        if not self.is_attached:
            return
        refusal = self._refusal()
        if refusal is not None or self.sending:
            self._set_status(refusal or "Already sending: wait for the server's answer.", problem=True)
            return
        content = self.query_one("#conversation-input", TextArea).text.strip()
        if not content:
            self._set_status("Write a message first: nothing was sent.", problem=True)
            self.query_one("#conversation-input", TextArea).focus()
            return
        if not self._files_ready():
            return
        # the same text and files sent again after a failure are the same message: the same key, taken once
        same = "\0".join([content, *self.file_ids])
        key = self.draft[1] if self.draft is not None and self.draft[0] == same else new_idempotency_key()
        self.draft = (same, key)
        self.sending = True
        files = f" with {len(self.file_ids)} attached file{'s' if len(self.file_ids) != 1 else ''}" if (
            self.file_ids) else ""
        self._set_status(f"Sending{files}…")
        self._show()
        self.send(content, key, tuple(self.file_ids))

    def _file_attach(self) -> FileAttach | None:
        found = self.query("#conversation-file-attach")
        return found.first(FileAttach) if found else None

    def _files_ready(self) -> bool:
        """Every listed file is up (its id goes with the message); else a refusal is said, or the upload starts."""
        attach = self._file_attach()
        adapter = self._adapter if self._adapter is not None else getattr(self.app, "adapter", None)
        state = attach.ready_to_send(adapter) if attach is not None else "ready"
        if state == "refused":
            self._uploading = False
            self._set_status("Not sent: a file cannot be attached. " + " ".join(attach.problems) + " Your text "
                             "is kept.", problem=True)
            return False
        if state == "ready":
            if attach is not None and attach.paths:
                self.file_ids = attach.file_ids
            return True
        self._uploading = True
        self._set_status("Uploading the attached files first…")
        return False

    def on_file_attach_changed(self, event: FileAttach.Changed) -> None:
        event.stop()
        attach = event.file_attach
        self.file_ids = attach.file_ids  # what the list holds now goes with the message, nothing removed from it
        if self._uploading and not attach.busy and attach.problems:
            self._files_ready()  # an upload failed: say why, send nothing

    def on_file_attach_uploaded(self, event: FileAttach.Uploaded) -> None:
        event.stop()
        if self._uploading:
            self._uploading = False
            self.action_send()

    @work(exclusive=True, exit_on_error=False, group="conversation-send")
    async def send(self, content: str, key: str, file_ids: Iterable[str]) -> None:
        adapter = self._adapter if self._adapter is not None else getattr(self.app, "adapter", None)
        try:
            if adapter is None:
                raise KGPError("Not connected to a KPainter server: nothing was sent.")
            reply = await adapter.send_message(self.creation.id, content, tuple(file_ids), idempotency_key=key)
        except Exception as error:  # noqa: BLE001 - said in the pane, never a crash or a traceback
            self.post_message(self.SendFailed(content, error))
            return
        self.post_message(self.MessageSent(reply))

    def on_conversation_pane_message_sent(self, message: ConversationPane.MessageSent) -> None:
        # not stopped: the owner (the creation screen) polls the re-run
        reply = message.reply
        self.sending = False
        self.draft = None
        self.file_ids = []
        attach = self._file_attach()
        if attach is not None:
            attach.clear()  # sent with this message: the next one starts without files
        self.query_one("#conversation-input", TextArea).text = ""
        sent = reply.message
        if not sent.id or sent.id not in {m.id for m in self.messages}:
            self.messages.append(sent)
        if reply.run is not None:
            self.creation = replace(self.creation, run=reply.run, status=reply.run.status)
        if sent.status == "accepted":
            self.rerunning = True
            self._rerun_seen = reply.run is not None and reply.run.status != "ready"
            self.new_delivery = False
            self._set_status("Your change was accepted: the video is re-running, and a new delivery will follow.")
        elif sent.status == "rejected":
            self._set_status("KPainter rejected this message: nothing was changed.", problem=True)
        elif sent.status == "answered":
            self._set_status("Answered: nothing was changed.")
        else:
            self._set_status(f"Sent ({clean(sent.status or 'no status', 30)}).")
        self._show()

    def on_conversation_pane_send_failed(self, message: ConversationPane.SendFailed) -> None:
        message.stop()
        self.sending = False
        error = message.error
        said = error_text(error) if isinstance(error, KGPError) else "Sending failed unexpectedly."
        if isinstance(error, Conflict):
            self.draft = None
            self._set_status(f"Not sent: {said} Reload the creation.", problem=True)
        elif can_resend(error):
            maybe = (" It may have reached the server." if not isinstance(error, KGPError) or error.ambiguous
                     else "")
            self._set_status(f"Not confirmed: {said}{maybe} ctrl+s sends the same message again with the same "
                             "key: it is taken at most once.", problem=True)
        else:
            self.draft = None
            self._set_status(f"Not sent: {said} Your text is kept.", problem=True)
        self._show()

    def _set_status(self, words: str, *, problem: bool = False) -> None:
        status = self.query_one("#conversation-status", Static)
        status.update(Text(words))
        status.display = bool(words)
        status.set_class(problem, "-problem")

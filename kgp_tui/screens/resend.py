"""The question asked before a create is sent again when it may have made a creation already (never sent blindly)."""

from __future__ import annotations

import time

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from kgp_tui.format import human_duration

RESEND_QUESTION = (
    "The last submit may have reached the server: the connection broke before its answer, and no new creation "
    "was found in your list. Sending again may create it twice. Check Jobs (F3) or History first.\n\n"
    "Send again?  y = send · n / Esc = don't send"
)


def same_payload_question(creation_id: int, made_at: float, status: str, now: float) -> str:
    """Asked before this exact payload is sent a second time: what it already made, and when."""
    when = time.strftime("%H:%M:%S", time.localtime(made_at))
    return (
        f"You already sent exactly this: it made creation #{creation_id} at {when} "
        f"({human_duration(max(0.0, now - made_at))} ago), status {status}. "
        "Sending it again makes — and charges — a second creation.\n\n"
        "Send a second one?  y = send again · n / Esc = don't send"
    )


class ConfirmResendScreen(ModalScreen[bool]):
    """Asked before a create is sent again when it may have made one already (never sent blindly): the last POST
    may have reached the server, or this exact payload made a creation already."""

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

    def __init__(self, question: str = RESEND_QUESTION) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.question), id="resend-question", markup=False)
            with Horizontal():
                yield Button("Send again (y)", id="resend-yes", variant="warning")
                yield Button("Don't send (n)", id="resend-no", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#resend-no", Button).focus()  # Enter on the default does the safe thing

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "resend-yes")

    def action_answer(self, send: bool) -> None:
        self.dismiss(send)

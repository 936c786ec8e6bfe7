"""Paused unified creations: ``PausePanel`` says why and offers exactly the advertised actions; ``ConfirmActionScreen``
asks before one is sent (and says plainly when it spends money).

Each choice the user confirms is one ``ActionIntent``, whose idempotency key is made once. Every resend of that
intent (a Retry after a dropped connection, a timeout or a 5xx) sends the same key, so the server acts at most once.
A 409 means the action is gone (the creation changed): the panel asks its owner to reload. The panel never touches
the store: it posts ``ActionSent`` / ``ReloadRequested`` and its owner applies them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Static

from kgp_tui.api.domain import COSTLY_ACTIONS, ActionIntent
from kgp_tui.api.errors import Conflict, KGPError
from kgp_tui.format import error_text, sanitize
from kgp_tui.widgets.conversation import can_resend

if TYPE_CHECKING:
    from kgp_tui.api.domain import Creation, Run
    from kgp_tui.api.unified import UnifiedAdapter

__all__ = ["ACTIONS", "REASONS", "ActionInfo", "ConfirmActionScreen", "PausePanel", "action_info", "can_resend",
           "pause_text"]


@dataclass(frozen=True, slots=True)
class ActionInfo:
    label: str
    key: str | None
    does: str


ACTIONS: dict[str, ActionInfo] = {
    "resume_after_recharge": ActionInfo("Resume after recharge", "u",
                                        "Continues the creation where it stopped, paid from your recharged credits."),
    "approve_overage": ActionInfo("Approve the overage", "a",
                                  "Raises this creation's budget to the new estimate and continues it."),
    "retry": ActionInfo("Retry the failed step", "t", "Runs the step that failed again."),
}
# Why a creation is paused, in words; the server's own message follows as data.
REASONS: dict[str, str] = {
    "insufficient_credits": "Paused: your credits ran out. Recharge on the KPainter website, then resume.",
    "over_budget": "Paused: the estimate is now above this creation's budget (max_credits).",
    "transient_failure": "Paused: a temporary failure on KPainter's side; the step can be run again.",
}


def clean(value: object, max_len: int = 80) -> str:
    return sanitize(value, single_line=True, max_len=max_len)


def action_info(action: str) -> ActionInfo:
    """What the panel says about an action; one the client has never seen is offered under its own name."""
    known = ACTIONS.get(action)
    if known is not None:
        return known
    return ActionInfo(clean(action, 40) or "(unnamed action)", None,
                      "KPainter offers this action; kgp-tui does not know what it does.")


def costs_money(action: str) -> bool | None:
    """True for the documented costly actions, False for the documented free one, None when nobody said."""
    if action in COSTLY_ACTIONS:
        return True
    return False if action in ACTIONS else None


def pause_text(creation: Creation) -> Text:
    """Why the creation is paused (in words per reason, an unknown reason as-is) and the server's message."""
    run = creation.run
    text = Text()
    if run is None or not run.needs_user:
        status = clean(run.status if run is not None else creation.status, 40) or "unknown"
        text.append(f"Not paused (status: {status}): nothing to recover here.")
        return text
    pause = run.pause
    reason = (pause.reason if pause is not None else None) or ""
    if reason in REASONS:
        text.append(REASONS[reason], style="bold")
    elif reason:
        text.append("Paused: ", style="bold")
        text.append(clean(reason, 80))
    else:
        text.append("Paused (the server gave no reason).", style="bold")
    if pause is not None and pause.message:
        text.append("\nKPainter says: ")
        text.append(sanitize(pause.message, single_line=True, max_len=600))
    if run.estimated_credits is not None:
        text.append(f"\nEstimate: {_credits(run.estimated_credits)} credits")
        budget = _number(creation.raw.get("max_credits"))
        if budget is not None:
            text.append(f" · budget (max_credits): {_credits(budget)}")
    return text


def _number(value: Any) -> float | int | None:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _credits(value: float | int) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


class ConfirmActionScreen(ModalScreen[bool]):
    """What the action does and, for a costly one, that it spends money. Dismisses True to send it, False not to.
    The safe answer (don't send) has the focus: Enter presses the focused button, Esc cancels."""

    DEFAULT_CSS = """
    ConfirmActionScreen { align: center middle; }
    ConfirmActionScreen > Vertical { width: 76; max-width: 95%; height: auto; border: thick $warning;
                                     background: $surface; padding: 1 2; }
    ConfirmActionScreen #confirm-action-money { color: $warning; text-style: bold; height: auto; }
    ConfirmActionScreen Horizontal { height: auto; margin-top: 1; }
    ConfirmActionScreen Button { margin-right: 2; }
    """
    BINDINGS = [
        Binding("escape", "answer(False)", "Don't send", id="actions.cancel"),
        Binding("left,right", "app.focus_next", "Other button", show=False, id="actions.switch"),
    ]

    def __init__(self, intent: ActionIntent, *, estimate: float | int | None = None,
                 title: str | None = None) -> None:
        super().__init__()
        self.intent = intent
        self.estimate = estimate
        self.creation_title = title

    def compose(self) -> ComposeResult:
        info = action_info(self.intent.action)
        money = costs_money(self.intent.action)
        what = Text()
        what.append(f"{info.label}?\n", style="bold")
        target = clean(self.creation_title, 60) if self.creation_title else ""
        what.append(f"Creation {clean(self.intent.creation_id, 40)}" + (f" · {target}" if target else "") + "\n")
        what.append(info.does)
        with Vertical():
            yield Static(what, id="confirm-action-what", markup=False)
            if money is not False:
                yield Static(Text(self._money_line(money)), id="confirm-action-money", markup=False)
            with Horizontal():
                yield Button("Don't send (esc)", id="confirm-action-no", variant="primary")
                yield Button(Text(f"{info.label}{' — spend credits' if money else ''}"), id="confirm-action-yes",
                             variant="warning" if money else "default")

    def _money_line(self, money: bool | None) -> str:
        if money is None:
            return "KPainter did not say whether this action costs credits: it may spend money."
        cost = (f"The estimate is {_credits(self.estimate)} credits." if self.estimate is not None
                else "The cost is not known in advance.")
        return f"This SPENDS MONEY: it uses credits from your account. {cost}"

    def on_mount(self) -> None:
        self.query_one("#confirm-action-no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "confirm-action-yes")

    def action_answer(self, send: bool) -> None:
        self.dismiss(send)


class PausePanel(Widget, can_focus=True):
    """A paused creation: why, and one button (and key, for the documented actions) per advertised action."""

    DEFAULT_CSS = """
    PausePanel { height: auto; border: round $warning; padding: 0 1; }
    PausePanel:focus-within { border: round $accent; }
    PausePanel #pause-why { height: auto; }
    PausePanel #pause-actions { height: auto; margin-top: 1; }
    PausePanel #pause-actions Button { margin-right: 2; }
    PausePanel #pause-status { height: auto; color: $text-muted; }
    PausePanel #pause-status.-problem { color: $error; }
    PausePanel #pause-resend { margin-top: 1; }
    """
    BINDINGS = [
        Binding("u", "choose('resume_after_recharge')", "Resume after recharge", id="actions.resume_after_recharge"),
        Binding("a", "choose('approve_overage')", "Approve overage", id="actions.approve_overage"),
        Binding("t", "choose('retry')", "Retry step", id="actions.retry"),
        Binding("s", "resend", "Retry sending", id="actions.resend"),
    ]

    class ActionSent(Message):
        """The server took the action: ``run`` is the creation's new state (poll it from here)."""

        def __init__(self, run: Run, intent: ActionIntent) -> None:
            super().__init__()
            self.run = run
            self.intent = intent

    class ReloadRequested(Message):
        """The action is no longer available (409): the owner should reload the creation and call ``update``."""

        def __init__(self, creation_id: str) -> None:
            super().__init__()
            self.creation_id = creation_id

    class SendFailed(Message):
        """Internal: the worker's failure, handled (and stopped) by the panel itself."""

        def __init__(self, intent: ActionIntent, error: BaseException) -> None:
            super().__init__()
            self.intent = intent
            self.error = error

    def __init__(self, creation: Creation, *, adapter: UnifiedAdapter | None = None, name: str | None = None,
                 id: str | None = None, classes: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(name=name, id=id, classes=classes)
        self.creation = creation
        self._adapter = adapter
        self._shown_actions: tuple[str, ...] | None = None
        self.pending: ActionIntent | None = None  # an intent whose outcome is unknown: Retry resends it as is
        self.sending: ActionIntent | None = None

    @property
    def offered(self) -> tuple[str, ...]:
        """The actions offered now: exactly what the creation advertises while it is paused."""
        run = self.creation.run
        return run.available_actions if run is not None and run.needs_user else ()

    def compose(self) -> ComposeResult:
        yield Static(pause_text(self.creation), id="pause-why", markup=False)
        yield Horizontal(id="pause-actions")
        yield Static("", id="pause-status", markup=False)
        yield Button("Retry sending (s)", id="pause-resend", variant="warning", compact=True)

    def on_mount(self) -> None:
        self.query_one("#pause-resend", Button).display = False
        self.query_one("#pause-status", Static).display = False
        self._render_actions()

    def update(self, creation: Creation) -> None:
        """Show ``creation`` as it is now. A pending intent survives only while its action is still offered."""
        self.creation = creation
        if self.pending is not None and self.pending.action not in self.offered:
            self.pending = None
            self._set_status("")
        self.query_one("#pause-why", Static).update(pause_text(creation))
        self._render_actions()

    def _render_actions(self) -> None:
        offered = self.offered
        self.query_one("#pause-resend", Button).display = self.pending is not None and self.sending is None
        if offered == self._shown_actions:
            return
        self._shown_actions = offered
        row = self.query_one("#pause-actions", Horizontal)
        if self.screen.focused is not None and row in self.screen.focused.ancestors:
            self.focus()  # its button is going away: keep the keys of this panel working
        row.remove_children()
        row.display = bool(offered) or (self.creation.run is not None and self.creation.run.needs_user)
        if offered:
            row.mount_all(self._button(action) for action in offered)
        elif self.creation.run is not None and self.creation.run.needs_user:
            row.mount(Static(Text("The server offers no action to recover this creation now; reload later."),
                             classes="pause-none", markup=False))
        self.refresh_bindings()

    @staticmethod
    def _button(action: str) -> Button:
        info = action_info(action)
        label = info.label + (f" ({info.key})" if info.key else "")
        return Button(Text(label), name=action, classes="pause-action", compact=True,
                      variant="warning" if costs_money(action) is not False else "primary")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "choose":
            return bool(parameters) and parameters[0] in self.offered
        if action == "resend":
            return self.pending is not None and self.sending is None
        return True

    @on(Button.Pressed, ".pause-action")
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.name:
            self.action_choose(event.button.name)

    @on(Button.Pressed, "#pause-resend")
    def _pressed_resend(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_resend()

    def action_choose(self, action: str) -> None:
        """Ask before sending ``action``; one intent (one key) per choice, the pending one when it is the same."""
        run = self.creation.run
        if run is None or action not in self.offered:
            return
        if self.sending is not None:
            self.notify("Already sending: wait for the server's answer.", severity="warning")
            return
        try:
            intent = self.pending if self.pending is not None and self.pending.action == action else (
                ActionIntent.new(run, action))
        except KGPError as error:
            self._set_status(error_text(error), problem=True)
            return
        self.app.push_screen(ConfirmActionScreen(intent, estimate=run.estimated_credits, title=self.creation.title),
                             lambda confirmed: self._confirmed(intent, confirmed))

    def _confirmed(self, intent: ActionIntent, confirmed: bool | None) -> None:
        if confirmed:
            self._start(intent)
        elif intent is not self.pending:
            self._set_status("Not sent.")

    def action_resend(self) -> None:
        """Send the pending intent again, with its own key: it acts at most once."""
        if self.pending is not None and self.sending is None:
            self._start(self.pending)

    def _start(self, intent: ActionIntent) -> None:
        self.sending = intent
        self.pending = None
        for button in self.query(Button):
            button.disabled = True
        self._set_status(f"Sending “{action_info(intent.action).label}”…")
        self._render_actions()
        self.refresh_bindings()
        self.send(intent)

    @work(exclusive=True, exit_on_error=False, group="pause-action")
    async def send(self, intent: ActionIntent) -> None:
        adapter = self._adapter if self._adapter is not None else getattr(self.app, "adapter", None)
        try:
            if adapter is None:
                raise KGPError("Not connected to a KPainter server: nothing was sent.")
            run = await adapter.act(intent)
        except Exception as error:  # noqa: BLE001 - said in the panel, never a crash or a traceback
            self.post_message(self.SendFailed(intent, error))
            return
        self.post_message(self.ActionSent(run, intent))

    def on_pause_panel_action_sent(self, message: PausePanel.ActionSent) -> None:
        # not stopped: the owner (the creation screen) polls the new run
        self.sending = None
        run = message.run
        self.update(replace(self.creation, run=run, status=run.status))
        self._done()
        status = clean(run.status, 40) or "unknown"
        self._set_status(f"Sent: {action_info(message.intent.action).label}. The creation is {status} again.")

    def on_pause_panel_send_failed(self, message: PausePanel.SendFailed) -> None:
        message.stop()
        intent, error = message.intent, message.error
        self.sending = None
        label = action_info(intent.action).label
        if isinstance(error, Conflict):
            self._set_status(f"“{label}” is no longer available: the creation changed. Reload it to see what it "
                             "offers now.", problem=True)
            self.post_message(self.ReloadRequested(intent.creation_id))
        elif can_resend(error):
            self.pending = intent
            said = error_text(error) if isinstance(error, KGPError) else "Sending failed unexpectedly."
            maybe = (" The request may have reached the server." if not isinstance(error, KGPError)
                     or error.ambiguous else "")
            self._set_status(f"Not confirmed: {said}{maybe} Retry sending (s) sends the same request with the "
                             "same key: it acts at most once.", problem=True)
        else:
            self._set_status(f"Not sent: {error_text(error)}", problem=True)
        self._done()

    def _done(self) -> None:
        for button in self.query(Button):
            button.disabled = False
        self._render_actions()
        self.refresh_bindings()

    def _set_status(self, words: str, *, problem: bool = False) -> None:
        status = self.query_one("#pause-status", Static)
        status.update(Text(words))
        status.display = bool(words)
        status.set_class(problem, "-problem")

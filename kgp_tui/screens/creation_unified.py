"""The creation screen's unified panes: the outputs in place of the v1 scenes and narration, a paused run's actions
panel in ``#creation-pause`` (while it is paused) and a video's conversation in ``#creation-conversation``; what
they post becomes a run the app watches, or a reload."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.widgets import DataTable

from kgp_tui.format import sanitize
from kgp_tui.screens.actions import PausePanel, action_info
from kgp_tui.widgets.conversation import ConversationPane

if TYPE_CHECKING:
    from kgp_tui.api.domain import Creation

UNIFIED_EDIT = ("Scene edits exist only on KPainter's v1 surface: to change a video here, send a message in its "
                "conversation.")
V1_PANES = ("#scenes", "#scenes-title", "#narration-title", "#narration")


def unified_facts(creation: Creation) -> str:
    """Credits, review and result code of a unified creation, in one line ('' on v1)."""
    run = creation.run
    if run is None:
        return ""
    parts = []
    if run.estimated_credits is not None:
        parts.append(f"Credits estimated {run.estimated_credits}")
    if run.actual_credits is not None:
        parts.append(f"spent {run.actual_credits}")
    if run.review is not None and run.review.status:
        notes = f" ({run.review.notes})" if run.review.notes else ""
        parts.append(f"review {run.review.status}{notes}")
    if run.result_code:
        parts.append(f"result {run.result_code}")
    return sanitize(" · ".join(parts), single_line=True, max_len=400)


class UnifiedPanes:
    """CreationScreen's part that arranges the panes per surface, mounts the unified ones and hands what they post
    to the app."""

    creation_id: str
    app: Any

    def _arrange(self, creation: Creation) -> None:
        """v1 shows artifacts, scenes and narration; unified its outputs (the whole column) and, for a video, the
        conversation beside them: nothing that would say "no scenes" where no creation has any."""
        v1 = creation.surface == "v1"
        for selector in V1_PANES:
            self.query_one(selector).display = v1
        previewing = bool(self.query("PreviewPane"))  # `p` puts the preview atop this pane: it shows then too
        pane = self.query_one("#narration-pane")
        pane.display = v1 or creation.type == "video" or previewing
        # v1: the narration scrolls under its own focus. Unified: the pane only holds the conversation and the
        # preview, whose widgets take the focus themselves; a focusable pane there was a Tab stop nobody could see,
        # and the letters typed after that one Tab went to the screen's keys (d downloaded, o opened, e edited)
        pane.can_focus = v1
        table = self.query_one("#artifacts", DataTable)
        table.styles.max_height = None if not v1 else 8
        paused = creation.run is not None and creation.run.needs_user
        table.styles.height = "auto" if paused else "1fr"  # a paused run has no outputs: its panel gets the room

    def _mount_unified(self, creation: Creation) -> None:
        """A paused run gets the actions panel, removed once the run goes on (the info block shows its progress);
        a unified video its conversation. Both follow the creation as the store has it."""
        if creation.surface == "v1":
            return
        paused = creation.run is not None and creation.run.needs_user
        panels = self.query(PausePanel)
        if panels and paused:
            panels.first().update(creation)
        elif panels:
            panel = panels.first()
            if panel.sending is None:  # an answer still on its way is the panel's to show
                if self.focused is not None and (self.focused is panel or panel in self.focused.ancestors):
                    self.query_one("#artifacts").focus()  # the keys go on working where the results are
                panel.remove()
        elif paused:
            panel = PausePanel(creation, adapter=self.app.adapter)
            self.query_one("#creation-pause").mount(panel)
            panel.call_after_refresh(panel.focus)  # what the user came for: its keys work at once
        panes = self.query(ConversationPane)
        if panes:
            panes.first().update(creation)
        elif creation.type == "video":
            offer = self.app.store.offer
            self.query_one("#creation-conversation").mount(ConversationPane(
                creation, adapter=self.app.adapter, files=offer.files if offer is not None else None))

    def on_pause_panel_action_sent(self, message: PausePanel.ActionSent) -> None:
        label = action_info(message.intent.action).label
        status = sanitize(message.run.status, single_line=True, max_len=40) or "unknown"
        self.notify(f"Sent: {label}. The creation is {status} again.", markup=False)
        self.app.track_rerun(self.creation_id, message.run, message.intent.action)

    def on_pause_panel_reload_requested(self, message: PausePanel.ReloadRequested) -> None:
        self.app.load_creation(message.creation_id)

    def on_conversation_pane_message_sent(self, message: ConversationPane.MessageSent) -> None:
        if message.reply.run is not None:
            self.app.track_rerun(self.creation_id, message.reply.run, "message")

    def on_conversation_pane_delivery_changed(self, message: ConversationPane.DeliveryChanged) -> None:
        self.app.load_creation(self.creation_id, fresh_outputs=True)

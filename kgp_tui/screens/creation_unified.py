"""The creation screen's unified panes: a paused run's actions panel in ``#creation-pause`` and a video's
conversation in ``#creation-conversation``; what they post becomes a run the app watches, or a reload."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kgp_tui.screens.actions import PausePanel
from kgp_tui.widgets.conversation import ConversationPane

if TYPE_CHECKING:
    from kgp_tui.api.domain import Creation


class UnifiedPanes:
    """CreationScreen's part that mounts the panes and hands what they post to the app."""

    creation_id: str
    app: Any

    def _mount_unified(self, creation: Creation) -> None:
        """A paused run gets the actions panel (kept once shown: it says what was sent); a unified video its
        conversation. Both follow the creation as the store has it."""
        if creation.surface == "v1":
            return
        panels = self.query(PausePanel)
        if panels:
            panels.first().update(creation)
        elif creation.run is not None and creation.run.needs_user:
            panel = PausePanel(creation, adapter=self.app.adapter)
            self.query_one("#creation-pause").mount(panel)
            panel.call_after_refresh(panel.focus)  # what the user came for: its keys work at once
        panes = self.query(ConversationPane)
        if panes:
            panes.first().update(creation)
        elif creation.type == "video":
            self.query_one("#creation-conversation").mount(ConversationPane(creation, adapter=self.app.adapter))

    def on_pause_panel_action_sent(self, message: PausePanel.ActionSent) -> None:
        self.app.track_rerun(self.creation_id, message.run, message.intent.action)

    def on_pause_panel_reload_requested(self, message: PausePanel.ReloadRequested) -> None:
        self.app.load_creation(message.creation_id)

    def on_conversation_pane_message_sent(self, message: ConversationPane.MessageSent) -> None:
        if message.reply.run is not None:
            self.app.track_rerun(self.creation_id, message.reply.run, "message")

    def on_conversation_pane_delivery_changed(self, message: ConversationPane.DeliveryChanged) -> None:
        self.app.load_creation(self.creation_id, fresh_outputs=True)

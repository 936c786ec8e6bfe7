"""One module per screen: connect, catalog, create, jobs, creation, history (and the edit and confirm dialogs)."""

from __future__ import annotations

from typing import Any


def binding_ids(app: Any) -> set[str]:
    """Every binding id of the app and its screens: what a [keymap] in the config may rebind."""
    from textual.binding import Binding

    from kgp_tui.screens import actions, catalog, connect, create, creation, downloads, edit, history, jobs
    from kgp_tui.widgets import conversation, file_attach

    classes = [type(app), connect.ConnectScreen, catalog.CatalogScreen, create.CreateScreen,
               create.ConfirmResendScreen, creation.CreationScreen, edit.SceneEditScreen,
               edit.ConfirmEditScreen, jobs.JobsScreen, history.HistoryScreen, actions.PausePanel,
               actions.ConfirmActionScreen, conversation.ConversationPane, downloads.DownloadsScreen,
               *file_attach.BINDING_CLASSES]
    return {
        binding.id
        for cls in classes
        for klass in cls.__mro__
        for binding in klass.__dict__.get("BINDINGS", [])
        if isinstance(binding, Binding) and binding.id
    }

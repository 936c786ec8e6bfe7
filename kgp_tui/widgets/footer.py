"""KGPFooter: Textual's footer, rebuilt only when what it shows changed.

Its own module: the first screen's footer is mounted after the first frame (kgp_tui.screens.base), and importing
Textual's footer for it before that frame cost ~3 ms.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


class KGPFooter(Footer):
    """Textual's footer, minus two restyles of every key each time it is rebuilt (each focus change).

    A FooterKey starts compact and is then bound to the footer's non-compact value: its class flips twice, and
    each flip restyles it. Giving each bound key the footer's value up front draws the same footer, about a tenth
    of the CPU of a screen change cheaper."""

    _shown: tuple | None = None

    def compose(self) -> ComposeResult:
        self._shown = self._what_it_shows() if self._bindings_ready else None
        for widget in super().compose():
            if isinstance(widget, FooterKey) and not widget.has_class("-command-palette"):
                widget.set_reactive(FooterKey.compact, self.compact)  # the value data_bind will give it
            yield widget

    def on_mount(self) -> None:  # besides Footer.on_mount, which subscribes to the screen's binding changes
        # A footer mounted into a screen whose bindings have settled (the first screen's, once the keys pause after
        # the first frame) would wait for the next change of them to list its keys: it lists them now.
        self.bindings_changed(self.screen)

    def bindings_changed(self, screen: Screen) -> None:
        """Rebuild only when what the footer shows changed: a screen refreshes its bindings on every poll of what it
        shows, and each rebuild re-made and restyled every key."""
        self._bindings_ready = True
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            self.call_after_refresh(self._rebuild_if_changed)

    async def _rebuild_if_changed(self) -> None:
        if self.is_attached and self._what_it_shows() != self._shown:
            await self.recompose()

    def _what_it_shows(self) -> tuple:
        app = self.app
        shown = tuple(
            (b.key, app.get_key_display(b), b.description, b.action, enabled, tooltip,
             (b.group.description, b.group.compact) if b.group else None)
            for _node, b, enabled, tooltip in self.screen.active_bindings.values() if b.show
        )
        palette = self.screen.active_bindings.get(app.COMMAND_PALETTE_BINDING) if self.show_command_palette else None
        return shown, (palette[1].key, palette[2], palette[3]) if palette else None

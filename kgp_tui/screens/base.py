"""KGPScreen: the status bar on top, the footer below, and store change notifications for the screen."""

from __future__ import annotations

import weakref
from typing import Any

from textual import events
from textual.app import ComposeResult
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import Static

from kgp_tui.widgets.status_bar import StatusBar

# Screens composed before the app's first frame: what is costly and not needed to read it or move in it is made
# right after that frame (KGPScreen.after_first_frame), in place of something that looks the same: the Footer (one
# widget per key, each styled on its own, about a quarter of the first frame's cost) in place of a blank bar of its
# colour, and the catalog's voice-language Select in place of its text.
_WAITING_FOR_FIRST_FRAME: weakref.WeakSet[KGPScreen] = weakref.WeakSet()


def first_paint_done() -> None:
    """Called by the App once its first frame is on screen (and the keys typed since have been answered)."""
    for screen in list(_WAITING_FOR_FIRST_FRAME):
        if screen.is_attached:
            screen.after_first_frame()
    _WAITING_FOR_FIRST_FRAME.clear()


class KGPScreen(Screen):
    """Subclasses yield their body from `compose_body` and react to store changes in `on_store`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        app = self._app_or_none()
        if app is not None:  # made with the breakpoint classes its first Resize would give it (_breakpoints)
            kwargs["classes"] = " ".join(filter(None, (kwargs.get("classes"), *self._breakpoints(app))))
        super().__init__(*args, **kwargs)
        # A screen made once the app is up is styled from the current stylesheet when it mounts. Textual marks it
        # stale (-1), so the first visit of each mode restyled every screen twice (reparse + update): 30 % of a switch.
        if app is not None and app._dom_ready:
            self._css_update_count = app._css_update_count

    @classmethod
    def _breakpoints(cls, app: Any) -> set[str]:
        """The breakpoint classes (-narrow, -wide) of the app's size now, as Screen._on_resize picks them: added at
        the first Resize, they restyled every widget of the screen (~8 ms of the first frame); there from the start,
        that Resize changes no class and restyles nothing. Later resizes change them as upstream."""
        width, height = app.size
        if not width or not height:
            return set()
        names: set[str] = set()
        for dimension, breakpoints in (
            (width, (app.HORIZONTAL_BREAKPOINTS if cls.HORIZONTAL_BREAKPOINTS is None else cls.HORIZONTAL_BREAKPOINTS)),
            (height, (app.VERTICAL_BREAKPOINTS if cls.VERTICAL_BREAKPOINTS is None else cls.VERTICAL_BREAKPOINTS)),
        ):
            for at, name in sorted(breakpoints or [], reverse=True):
                if dimension >= at:
                    names.add(name)
                    break
        return names

    @staticmethod
    def _app_or_none() -> Any:
        from textual._context import active_app

        return active_app.get(None)

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield from self.compose_body()
        if getattr(self.app, "_dom_ready", True):
            from kgp_tui.widgets.footer import KGPFooter

            yield KGPFooter()
        else:
            self.wait_for_first_frame()
            yield Static(id="footer-placeholder")

    def wait_for_first_frame(self) -> None:
        """after_first_frame is called once the app's first frame is on screen (call while composing)."""
        _WAITING_FOR_FIRST_FRAME.add(self)

    def after_first_frame(self) -> None:
        """Make what compose left for after the first frame (a subclass adds its own, after super())."""
        from kgp_tui.widgets.footer import KGPFooter

        for placeholder in self.query("#footer-placeholder"):
            placeholder.remove()
            self.mount(KGPFooter())

    def compose_body(self) -> ComposeResult:
        yield from ()

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        """The first resume comes right after the screen's widgets were styled, each as it mounted, from the
        stylesheet as it is (a theme change restyles every screen in refresh_css): Textual's handler, which runs
        after this one, restyled them all again (~10 ms of the first frame). A screen resumed later (it may have
        missed a change while it was away) is restyled as upstream."""
        if not getattr(self, "_resumed_before", False):
            self._resumed_before = True
            if self.is_mounted:
                event.refresh_styles = False

    def _compositor_refresh(self) -> None:
        """Textual's start-up is one batch of updates (compose, the first Resize, mount), and App._display writes
        nothing inside a batch; yet the screen drew itself there and counted what it drew as on screen, so the first
        frame written held only what changed after it (with the catalog's rows in the first layout, the voice Select
        alone). Inside a batch this draws nothing and keeps the whole screen for the first refresh after it: the
        first frame written is whole, and the ~15 ms of drawing nobody saw is not spent."""
        if self.app._batch_count:
            self.refresh()
            return
        super()._compositor_refresh()

    _unsubscribe: Any = None

    def on_mount(self) -> None:
        # Textual calls every class's on_mount in the MRO, so a subclass's super().on_mount() runs this a second
        # time: subscribed twice, each store change reached the screen twice, and one subscription outlived it
        if self._unsubscribe is None:
            self._unsubscribe = self.app.store.subscribe(self._store_changed)

    def on_unmount(self) -> None:
        unsubscribe, self._unsubscribe = self._unsubscribe, None
        if unsubscribe:
            unsubscribe()

    def _store_changed(self, topic: str, key: Any) -> None:
        if not self.is_mounted:
            return
        try:
            self.on_store(topic, key)
        except NoMatches:
            pass  # the screen is composing or being torn down: it renders from the store when it is ready

    def on_store(self, topic: str, key: Any) -> None:
        """Called on every store change while the screen is mounted."""

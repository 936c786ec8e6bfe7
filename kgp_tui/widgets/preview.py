"""The creation screen's preview (`p` toggles it): the selected scene's image, the selected image output, or the
creation's thumbnail, drawn with textual-image (Kitty or Sixel where the terminal is known to have it, colored
half-blocks elsewhere, including under tmux and under the test driver).

Only the selected item is fetched, on a worker thread (kgp_tui.preview_cache: no key, cached on disk). A URL that
fails or is no image leaves a one-line note in the pane. textual-image and Pillow load on the first preview.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import DataTable, Static

from kgp_tui.format import sanitize

if TYPE_CHECKING:
    from PIL.Image import Image

    from kgp_tui.api.domain import Creation, Result, Scene
    from kgp_tui.preview_cache import PreviewCache

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp")
PROTOCOLS = ("halfcell", "sixel", "kitty")
# Terminals known to draw Sixel (textual-image's own order: Sixel before Kitty's protocol where both exist).
SIXEL_TERMINALS = {"WezTerm", "iTerm.app", "mlterm", "foot", "contour", "konsole"}


@dataclass(frozen=True)
class Target:
    """What the pane shows: a label and the URL of its image."""

    label: str
    url: str


def is_image(result: Result) -> bool:
    mime = (result.mime_type or "").lower()
    path = (result.url or "").split("?")[0].lower()
    return mime.startswith("image/") or (not mime and (result.kind == "image" or path.endswith(IMAGE_SUFFIXES)))


def preview_target(creation: Creation | None, scene: Scene | None, result: Result | None,
                   results_focused: bool) -> Target | None:
    """The selected image output (the outputs table has focus), else the selected scene's image, else the thumbnail,
    else the first image output."""
    if creation is None:
        return None
    if results_focused and result is not None and result.url and is_image(result):
        name = sanitize(result.label or result.kind or "output", single_line=True, max_len=40)
        return Target(f"{'Artifact' if creation.surface == 'v1' else 'Output'} {name}", result.url)
    if scene is not None and scene.image_url:
        name = sanitize(scene.title or "", single_line=True, max_len=40)
        return Target(f"Scene {scene.index if scene.index is not None else ''} {name}".strip(), scene.image_url)
    if creation.thumbnail_url:
        return Target("Thumbnail", creation.thumbnail_url)
    first = next((r for r in creation.results if r.url and is_image(r)), None)
    if first is not None:
        return Target(sanitize(first.label or "Image", single_line=True, max_len=40), first.url or "")
    return None


def choose_protocol(env: Mapping[str, str], headless: bool) -> str:
    """How to draw images, from what the environment says (asking the terminal would race Textual for stdin)."""
    chosen = env.get("KGP_TUI_PREVIEW", "").strip().lower()
    if chosen in PROTOCOLS:
        return chosen
    term = env.get("TERM", "")
    if headless or env.get("TMUX") or term.startswith(("screen", "tmux")):
        return "halfcell"  # tmux passes neither protocol through reliably
    if term == "xterm-kitty" or env.get("KITTY_WINDOW_ID"):
        return "kitty"
    if env.get("TERM_PROGRAM") in SIXEL_TERMINALS or term.split("-")[0] in SIXEL_TERMINALS or env.get("KONSOLE_VERSION"):
        return "sixel"
    return "halfcell"


_LOADING = threading.Lock()


def image_widget_class(protocol: str) -> type[Widget]:
    """textual-image's widget for `protocol`, imported without its import-time terminal queries.

    Its ``renderable`` package asks the terminal (writes to stdout, reads stdin) when imported; with Textual running,
    Textual's input thread would swallow the answer and the user's keys. The package is set up here without that
    step, and the cell size comes from the window-size ioctl alone.
    """
    with _LOADING:
        name = "textual_image.renderable"
        if name not in sys.modules:
            import importlib.util

            import textual_image
            from textual_image import _terminal

            if not hasattr(_terminal.get_cell_size, "_result"):
                _terminal.get_cell_size._result = _terminal.CellSize(*_cell_pixels())  # type: ignore[attr-defined]
            spec = importlib.util.find_spec(name)
            assert spec is not None
            package = importlib.util.module_from_spec(spec)
            sys.modules[name] = package
            textual_image.renderable = package
            from textual_image.renderable.halfcell import Image as HalfcellImage
            from textual_image.renderable.sixel import Image as SixelImage
            from textual_image.renderable.tgp import Image as TGPImage
            from textual_image.renderable.unicode import Image as UnicodeImage

            package.__dict__.update(Image=HalfcellImage, HalfcellImage=HalfcellImage, SixelImage=SixelImage,
                                    TGPImage=TGPImage, UnicodeImage=UnicodeImage)
        from textual_image import widget

    classes: dict[str, type[Widget]] = {"halfcell": widget.HalfcellImage, "sixel": widget.SixelImage,
                                        "kitty": widget.TGPImage}
    return classes.get(protocol, widget.HalfcellImage)


def _cell_pixels() -> tuple[int, int]:
    """(width, height) of one cell in pixels from TIOCGWINSZ; textual-image's default when the terminal says 0."""
    try:
        import fcntl
        import struct
        import termios

        stdout = sys.__stdout__
        if stdout is None:
            return 10, 20
        rows, cols, width, height = struct.unpack("HHHH", fcntl.ioctl(stdout.fileno(), termios.TIOCGWINSZ, b"\0" * 8))
        if rows and cols and width and height:
            return max(1, width // cols), max(1, height // rows)
    except Exception:  # noqa: BLE001 - not a terminal, not POSIX: the default is fine
        pass
    return 10, 20


def fit_cells(pixels: tuple[int, int], room: tuple[int, int], cell: tuple[int, int]) -> tuple[int, int]:
    """The (columns, rows) that show an image of `pixels` whole in `room` cells, its shape kept."""
    width, height = max(1, pixels[0]), max(1, pixels[1])
    cols, rows = max(1, room[0]), max(1, room[1])
    scale = min(cols * cell[0] / width, rows * cell[1] / height)
    return max(1, min(cols, round(width * scale / cell[0]))), max(1, min(rows, round(height * scale / cell[1])))


class PreviewLoaded(Message):
    def __init__(self, url: str, image: Image | None, widget_class: type[Widget] | None, note: str) -> None:
        super().__init__()
        self.url, self.image, self.widget_class, self.note = url, image, widget_class, note


class PreviewPane(Vertical):
    """A heading, then the image or a one-line note; `show` follows the selection and fetches only what changed."""

    DEFAULT_CSS = """
    PreviewPane { height: auto; max-height: 18; padding: 0 0 1 0; }
    PreviewPane > .preview-heading { color: $text-muted; height: 1; }
    PreviewPane > .preview-note { color: $text-muted; height: auto; }
    """
    MAX_ROWS = 14  # and at most a third of the screen: the narration stays in sight

    def __init__(self, cache: PreviewCache, *, allow_insecure_http: bool = False, timeout: float = 15.0,
                 protocol: str = "halfcell", id: str | None = "preview") -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self.cache = cache
        self.allow_insecure_http = allow_insecure_http
        self.timeout = timeout
        self.protocol = protocol
        self.target: Target | None = None
        self.shown_url: str | None = None  # the URL whose image (or note) is on screen

    def compose(self) -> ComposeResult:
        yield Static(Text("Preview"), classes="preview-heading", markup=False)
        yield Static(Text(""), classes="preview-note", markup=False)

    def show(self, target: Target | None) -> None:
        if target == self.target and target is not None:
            return
        self.target = target
        heading = self.query_one(".preview-heading", Static)
        if target is None:
            heading.update(Text("Preview"))
            self._note("Nothing to preview: no scene image, thumbnail or image output.")
            return
        heading.update(Text(f"Preview · {target.label}"))
        self._note("Loading the preview…")
        self._fetch(target.url)

    def _note(self, text: str) -> None:
        self._drop_image()
        note = self.query_one(".preview-note", Static)
        note.update(Text(text))
        note.display = True

    def _drop_image(self) -> None:
        for old in self.query(".preview-image"):
            old.remove()

    @work(thread=True, exclusive=True, exit_on_error=False, group="preview")
    def _fetch(self, url: str) -> None:
        from kgp_tui.preview_cache import PreviewError, load_preview

        try:
            image = load_preview(url, self.cache, allow_insecure_http=self.allow_insecure_http, timeout=self.timeout)
            widget_class = image_widget_class(self.protocol)
        except PreviewError as error:
            self.post_message(PreviewLoaded(url, None, None, f"No preview: {error}."))
            return
        except Exception:  # noqa: BLE001 - whatever went wrong, the pane says so in a line and keeps its layout
            logging.getLogger("kgp_tui.preview").exception("preview of a media URL failed")
            self.post_message(PreviewLoaded(url, None, None, "No preview: it could not be drawn."))
            return
        self.post_message(PreviewLoaded(url, image, widget_class, ""))

    def on_preview_loaded(self, message: PreviewLoaded) -> None:
        message.stop()
        if self.target is None or message.url != self.target.url:
            return  # the selection moved on while it loaded
        self.shown_url = message.url
        if message.image is None or message.widget_class is None:
            self._note(message.note)
            return
        image_class: Any = message.widget_class  # textual-image's widgets take the image first
        try:
            widget = image_class(message.image, classes="preview-image")
            self._fit(widget)
        except Exception:  # noqa: BLE001 - a picture the widget cannot take is a note, never a crash
            logging.getLogger("kgp_tui.preview").exception("the preview widget refused an image")
            self._note("No preview: it could not be drawn.")
            return
        self._drop_image()
        self.query_one(".preview-note", Static).display = False
        self.mount(widget)

    def _fit(self, widget: Widget) -> None:
        """Give the image the cells that show it whole (textual-image fills whatever it is given)."""
        from textual_image._terminal import get_cell_size

        image = getattr(widget, "image", None)
        if image is None:
            return
        rows = max(3, min(self.MAX_ROWS, self.app.size.height // 3))
        cols, rows = fit_cells(image.size, (self.content_size.width or 40, rows), get_cell_size())
        widget.styles.width, widget.styles.height = cols, rows

    def on_resize(self) -> None:
        for widget in self.query(".preview-image"):
            self._fit(widget)


class PreviewToggle:
    """CreationScreen's part that mounts the pane on `p` (atop the narration pane) and keeps it on the selection."""

    app: Any
    creation: Any

    async def action_toggle_preview(self) -> None:
        panes = self.query(PreviewPane)  # type: ignore[attr-defined]
        if panes:
            await panes.remove()
            if not getattr(self.app, "closing", False):  # the app may have quit while the pane went
                self._rearrange()
            return
        from kgp_tui.preview_cache import PreviewCache, cache_root

        config = getattr(self.app, "config", None)
        pane = PreviewPane(PreviewCache(cache_root()),
                           allow_insecure_http=bool(getattr(config, "allow_insecure_http", False)),
                           timeout=float(getattr(config, "request_timeout", 15.0) or 15.0),
                           protocol=choose_protocol(os.environ, headless=self.app.is_headless))
        self.query_one("#narration-pane").mount(pane, before=0)  # type: ignore[attr-defined]
        pane.call_after_refresh(self._rearrange)
        pane.call_after_refresh(self.follow_preview)

    def _rearrange(self) -> None:
        """The panes follow whether a preview is shown (on unified the narration pane holds only the preview)."""
        if self.creation is not None and hasattr(self, "_arrange"):
            self._arrange(self.creation)

    def follow_preview(self) -> None:
        """Point the pane (when shown) at what is selected now."""
        panes = self.query(PreviewPane)  # type: ignore[attr-defined]
        if not panes:
            return
        creation = self.creation
        focused = getattr(self, "focused", None)
        scenes = self.query_one("#scenes", DataTable)  # type: ignore[attr-defined]
        scene = self._selected("#scenes", creation.scenes) if creation and scenes.display else None  # type: ignore[attr-defined]
        result = self._selected("#artifacts", creation.results) if creation else None  # type: ignore[attr-defined]
        results_focused = focused is not None and focused.id == "artifacts"
        panes.first(PreviewPane).show(preview_target(creation, scene, result, results_focused))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.follow_preview()

    def on_descendant_focus(self, event: Any) -> None:
        self.follow_preview()

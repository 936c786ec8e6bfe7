"""KGPApp: owns the store, the run poller, the modes/screens and the global bindings.

Workers do the I/O through `self.adapter` (the surface the server speaks: v1 or unified, found at connect) and
post messages (kgp_tui.messages); the `on_*` handlers below are the only code that changes the store.
Importing this module pulls in Textual only: no httpx, no simulator, no key.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import events, on, work
from textual.app import SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from kgp_tui import messages as msg
from kgp_tui.failures import log_unexpected, not_connected, task_of
from kgp_tui.format import (
    describe_connect_error,
    error_text,
    host_of,
    markup_literal,
    sanitize,
    status_label,
    title_text,
)
from kgp_tui.notify import Notifier
from kgp_tui.poller import JobPoller
from kgp_tui.resume import Persistence
from kgp_tui.screens.connect import ConnectScreen
from kgp_tui.store import Session, Store, id_order
from kgp_tui.styles import first_screen_css, keep_parses, load_the_rest
from kgp_tui.timers import ReliableTimers

if TYPE_CHECKING:
    from textual.driver import Driver

    from kgp_tui.api.domain import Creation, Product, Run
    from kgp_tui.api.surface import SurfaceAdapter, SurfaceChoice
    from kgp_tui.store import TrackedRun

MIN_WIDTH, MIN_HEIGHT = 60, 20
log = logging.getLogger("kgp_tui.app")
_IMPORTED_AT = time.perf_counter()
def _log_demo_media(method: str, path: str, status: int | None, wanted: str | None) -> None:
    log.info("demo media host: %s %s %s%s", method, path, status, f" Range: {wanted}" if wanted else "")


DEMO_MEDIA_RATE = 2_000_000  # bytes/s from the demo's media host: a 46 MB unified video takes about 25 s
IN_PROGRESS = ("queued", "processing")  # v1 creation statuses whose job is worth watching
CREDIT_RETRIES = 4  # an account refresh rides out about 7 s of 5xx or dropped connections (backoff 0.5 s doubling)


def _kept_offer(base_url: str, api_key: str, surface_choice: str) -> Any:
    """The account and offer this profile's server gave last time (kgp_tui.offer_cache), when they still apply:
    the same surface as forced, if one is. One small JSON file, read before the first frame (the catalog shown at
    once) and on a thread at each connect (the offer revalidated by its ETag)."""
    from kgp_tui import offer_cache
    from kgp_tui.profile_ids import key_digest, profile_id

    try:
        cached = offer_cache.load(profile_id(base_url, key_digest(api_key)))
    except Exception as error:  # noqa: BLE001 - a cache is never a reason not to start
        log.info("no offer cache: %s", error)
        return None
    if cached is None or surface_choice not in ("auto", cached.surface):
        return None
    return cached


def _catalog_screen() -> Screen:
    from kgp_tui.screens.catalog import CatalogScreen  # imported when first shown: not before the first frame

    return CatalogScreen()


def _jobs_screen() -> Screen:
    from kgp_tui.screens.jobs import JobsScreen

    return JobsScreen()


def _history_screen() -> Screen:
    from kgp_tui.screens.history import HistoryScreen  # imported when first shown: startup stays lean

    return HistoryScreen()


def _downloads_screen() -> Screen:
    from kgp_tui.screens.downloads import DownloadsScreen

    return DownloadsScreen()


KEYS_FIRST = 0.1  # seconds without a key before the start-up's steps after the first frame run (footer, checks)
KEYS_FIRST_AT_MOST = 0.5  # seconds after the first frame: the steps run by then even while keys keep coming
FREEZE_AFTER = 1.0  # seconds after the first connect's reply: the start-up has made its objects by then
START_UP_AT_MOST = 10.0  # seconds after the first frame: full collections come back even if no connect replied
_full_collections: list[int] = []  # the collector's third threshold, while the start-up holds it back


def start_up_begins() -> None:
    """Before the event loop starts (the program's own process only, like _freeze_the_start_up): freeze what the
    imports made and hold full collections back until the start-up is over. A full collection ran once before the
    first frame and walked the whole heap the imports had made (18-28 ms of the first frame, in a trace of the
    collector); frozen, it walked the start-up's own objects a second later instead (30 ms, just before the freeze
    that follows the connect). The young generations are still collected as usual."""
    import gc

    gc.freeze()
    threshold = gc.get_threshold()
    _full_collections.append(threshold[2])
    gc.set_threshold(threshold[0], threshold[1], 1_000_000)


def _freeze_the_start_up() -> None:
    """Move every object made so far (the modules, Textual, the stylesheet, the offer: most of the heap) to the
    collector's permanent generation, so that a full collection walks only what came after. With 2,500 jobs on
    screen a full collection held the loop ~90 ms. Only for the program's own process: frozen objects are never
    collected, so a test process that runs many apps would keep the garbage of the earlier ones."""
    import gc

    gc.freeze()
    _full_collections_back()


def _full_collections_back() -> None:
    import gc

    if _full_collections:
        threshold = gc.get_threshold()
        gc.set_threshold(threshold[0], threshold[1], _full_collections.pop())


def _nothing() -> None:
    pass


FRAMES_PER_SECOND = 120  # the program's own: a key's frame waits for the next tick of the screen's update timer


def _frames_per_second(rate: int) -> None:
    """At most `rate` frames a second (Textual's default is 60, $TEXTUAL_FPS). A changed screen is drawn at its
    update timer's next tick: at 60 a key's frame waited up to 16.7 ms for it (8 on average) after the key was
    handled, a third of the catalog's answer to the first key. Textual reads the period from this module global
    each time a screen makes its timer (textual/screen.py; Textual is pinned). Frames are drawn only when something
    changed: at rest nothing is drawn at either rate."""
    import textual.screen

    textual.screen.UPDATE_PERIOD = 1 / rate  # type: ignore[misc]


def css_cache_folder() -> Path:
    """Where the program keeps its parsed CSS between starts (kgp_tui.styles.KeptRules)."""
    from kgp_tui.config import app_paths

    return app_paths().cache_dir / "css"


class KGPApp(ReliableTimers):  # a Textual App whose one-shot timers always fire (kgp_tui.timers)
    """The kgp-tui application."""

    CSS = first_screen_css()  # kgp_tui.tcss up to the connect screen; the rest after the first frame (styles.py)
    TITLE = "kgp-tui"
    ENABLE_COMMAND_PALETTE = True
    MODES = {"connect": ConnectScreen, "catalog": _catalog_screen, "jobs": _jobs_screen, "history": _history_screen,
             "downloads": _downloads_screen}
    DEFAULT_MODE = "connect"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True),
        Binding("f1", "toggle_help", "Help", id="app.help"),
        Binding("f2", "show_mode('catalog')", "Catalog", id="app.catalog"),
        Binding("f3", "show_mode('jobs')", "Jobs", id="app.jobs"),
        Binding("f4", "show_mode('connect')", "Connect", id="app.connect"),
        Binding("f5", "refresh_jobs", "Refresh jobs", id="app.refresh", show=False),
        Binding("f6", "show_mode('history')", "History", id="app.history"),
        # F1 and the palette list it: every screen's footer is full already
        Binding("f7", "show_mode('downloads')", "Downloads", id="app.downloads", show=False),
    ]

    def __init__(
        self,
        config: Any = None,
        connection: Any = None,
        demo: bool = False,
        simulator: Any = None,
        clock: Callable[[], Any] | None = None,
        surface: SurfaceChoice | None = None,
        freeze_start_up: bool = False,
        css_cache: Path | None = None,
        frames_per_second: int | None = None,
    ) -> None:
        # "auto" finds the surface at connect; the command line wins over the config file
        surface_choice: SurfaceChoice = surface or getattr(config, "surface", None) or "auto"
        cached = None
        if connection is not None and not demo and simulator is None:
            cached = _kept_offer(connection.base_url, connection.api_key, surface_choice)
        self._showing_kept_offer = cached is not None
        if cached is not None:  # the first frame is the catalog as last seen; the connect checks it meanwhile
            self.DEFAULT_MODE = "catalog"
        super().__init__()
        # each part of the CSS parsed once while the theme stays; with a folder (the program's own process), once
        # per installed Textual: later starts read the parses from it (kgp_tui.styles.KeptRules)
        keep_parses(self, css_cache)
        if frames_per_second:
            _frames_per_second(frames_per_second)
        self.config = config
        self.initial_connection = connection
        self._freeze_start_up = freeze_start_up  # the program's own process only (see _freeze_the_start_up)
        self.demo = demo
        self.simulator = simulator
        self._owns_simulator = False
        self._clock = clock
        self.store = Store()
        self.adapter: SurfaceAdapter | None = None
        self.surface_choice = surface_choice
        if cached is not None:
            self.store.set_session(Session(base_url=connection.base_url, key_prefix=cached.account.key_prefix,
                                           account=cached.account, surface=cached.surface, confirmed=False))
            self.store.set_offer(cached.offer)
        self.poller = JobPoller(
            self,
            lambda: self.adapter,
            interval=self.poll_interval,
            requests_per_second=float(getattr(config, "requests_per_second", 10.0) or 10.0),
        )
        self.connect_note: tuple[str, str] = ("", "")  # (severity, text) shown on the connect screen
        if connection is not None and not demo and simulator is None:
            self._say_where(connection.base_url, connection.api_key)  # the first frame says where it connects
        # creation id -> the creation as it was before its first unseen edit: the creation screen marks what changed
        self.edit_baselines: dict[str, Creation] = {}
        self.persistence = Persistence(self)  # the local state file opens lazily, on a worker thread
        self.notifier = Notifier(self, getattr(config, "notify", "auto") or "auto",
                                 getattr(config, "notify_command", None) or ())
        self._downloads: Any = None  # kgp_tui.screens.downloads.Downloads, made when first used
        self._form_after_connect: str | None = None  # a product whose form was asked for while connecting
        self._idle_steps: list[Callable[[], Any]] = []  # the start-up's steps after the first frame (on_idle)
        self._steps_after = 0.0  # monotonic time before which no step runs (KEYS_FIRST after the last key)
        self._steps_at_last = 0.0
        self._steps_timer: Any = None

    # -- small accessors ---------------------------------------------------------------------------------

    @property
    def poll_interval(self) -> float:
        return float(getattr(self.config, "poll_interval", 3.0) or 3.0)

    @property
    def request_timeout(self) -> float:
        return float(getattr(self.config, "request_timeout", 30.0) or 30.0)

    def now(self) -> float:
        """Wall-clock seconds since the epoch, from the injected clock when there is one (tests freeze it)."""
        if self._clock is None:
            return time.time()
        value = self._clock()
        if isinstance(value, datetime):
            return value.timestamp()
        return float(value)

    def _check_keymap(self) -> None:
        """Say once which [keymap] ids name no binding (after the first paint: it imports every screen)."""
        keymap = getattr(self.config, "keymap", None)
        if not keymap:  # nothing to check: importing every screen for it held the loop 60-120 ms at start-up
            return
        from kgp_tui.screens import binding_ids

        unknown = sorted(set(keymap) - binding_ids(self))
        if unknown:
            self.notify(f"[keymap] names no binding: {', '.join(unknown)} (the README lists the ids)",
                        severity="warning", markup=False, timeout=10)

    # -- start and stop -------------------------------------------------------------------------------------

    def get_driver_class(self) -> type[Driver]:
        """Textual's driver for this terminal; on Linux and macOS the one whose input thread sleeps while nothing is
        typed (kgp_tui.driver: Textual's wakes ten times a second, most of what the app spent at rest)."""
        driver_class = super().get_driver_class()
        from textual.drivers.linux_driver import LinuxDriver

        if driver_class is LinuxDriver:
            from kgp_tui.driver import QuietLinuxDriver

            return QuietLinuxDriver
        return driver_class

    def on_mount(self) -> None:
        self.set_keymap(getattr(self.config, "keymap", None) or {})
        theme = getattr(self.config, "theme", None)
        if theme and theme in self.available_themes:
            self.theme = theme

    def watch_app_focus(self, focus: bool) -> None:
        """Back in focus (the terminal's focus-in, or a key or click) with nothing focused: the screen's own first
        widget takes the keys again. Textual gives focus back only to a widget of the screen that lost it, and a
        screen shown while the terminal was unfocused (the catalog after a connect made in another window) focuses
        nothing: its arrows did nothing until Tab. Runs after Textual's own watcher (which restores what it can)."""
        if focus and self.screen.focused is None:
            self.screen._update_auto_focus()  # the screen's AUTO_FOCUS, as when it is first shown (Textual is pinned)

    def on_ready(self) -> None:
        """Anything slow starts once the first frame is written: after the screen's next refresh, since a first
        layout made inside Textual's start-up batch sends Ready before that batch's frame is drawn."""
        self.screen.call_after_refresh(self._after_first_paint)

    def _after_first_paint(self) -> None:
        """The connect first (its imports run on a thread), then the rest one step at a time once the keys pause,
        so a key typed meanwhile is answered first; with the kept catalog on screen, the connect waits too."""
        log.info("first paint %.0f ms after kgp_tui.app was imported", 1000 * (time.perf_counter() - _IMPORTED_AT))
        if _full_collections:  # held back by start_up_begins: back at the latest now, if no connect replies
            self.set_timer(START_UP_AT_MOST, _full_collections_back, name="gc-full-collections")
        self._the_rest_of_the_css()  # before any other screen can be shown (F3 may come next)
        steps = [self._first_footer, self._check_keymap, self._restore_downloads, self._config_warnings,
                 self._keep_css]
        if self._showing_kept_offer:
            # The catalog as last seen is on screen and answers keys already: the connect that checks it, and the
            # restore of this profile's jobs, wait for the keys' first pause too (their imports on threads held the
            # GIL: a key typed just after the first frame waited ~20 ms longer for them).
            steps.insert(0, self._connect_and_restore)
        else:
            self._connect_and_restore()
        self._start_up_steps(steps)

    def _connect_and_restore(self) -> None:
        self.persistence.start()
        if self.demo or (self.simulator is not None and self.initial_connection is None):
            if self.simulator is not None:
                self._connect_demo(self.simulator)
            else:
                self.set_connect_note("info", "Starting the built-in simulator…")
                self.start_demo_simulator()
        elif self.initial_connection is not None:
            conn = self.initial_connection
            self.start_connect(conn.base_url, conn.api_key)

    def _start_up_steps(self, steps: list[Callable[[], Any]]) -> None:
        """Run the steps one at a time once the keys have paused (KEYS_FIRST), each when the App's queue is empty
        (Textual's Idle): a key typed right after the first frame, or between two steps, is answered first."""
        self._idle_steps = list(steps)
        now = time.monotonic()
        self._steps_after = now + KEYS_FIRST
        self._steps_at_last = now + KEYS_FIRST_AT_MOST  # keys held down (a key repeat) do not hold them off longer
        self._next_start_up_step()

    def _next_start_up_step(self) -> None:
        if not self._idle_steps or self._exit:
            return
        wait = self._steps_after - time.monotonic()
        if wait > 0:
            if self._steps_timer is None:
                self._steps_timer = self.set_timer(wait, self._steps_waited, name="start-up steps")
            return
        self._idle_steps.pop(0)()
        if self._idle_steps:
            self.call_later(_nothing)  # one message, so that the queue comes to an Idle again after it

    def _steps_waited(self) -> None:
        self._steps_timer = None
        self._next_start_up_step()

    def on_idle(self) -> None:
        if self._idle_steps:
            self._next_start_up_step()

    async def on_event(self, event: events.Event) -> None:
        if self._idle_steps and isinstance(event, events.Key):  # the start-up's steps wait for a pause in the keys
            self._steps_after = min(max(self._steps_after, time.monotonic() + KEYS_FIRST), self._steps_at_last)
        await super().on_event(event)

    def _the_rest_of_the_css(self) -> None:
        load_the_rest(self)  # the other screens' CSS, before any of them is shown

    def _first_footer(self) -> None:
        from kgp_tui.screens.base import first_paint_done

        first_paint_done()  # the footer of the first screen (kgp_tui.screens.base)

    def _restore_downloads(self) -> None:
        self.downloads.restore()  # a step of its own: `self.downloads` imports the downloads screen (and DataTable)

    def _keep_css(self) -> None:
        """Write the parses not kept yet: a start-up step (the first screen's, once the rest of the CSS is parsed
        too: a program killed later would otherwise keep none) and at exit (the screens opened since)."""
        kept = getattr(self.stylesheet, "kept", None)
        if kept is not None:
            kept.save()

    def _config_warnings(self) -> None:
        for warning in getattr(self.config, "warnings", None) or []:
            self.notify(warning, severity="warning", markup=False, timeout=15)

    @work(thread=True, exclusive=True, exit_on_error=False, group="demo")
    def start_demo_simulator(self) -> None:
        from kgp_tui.simulator import DEFAULT_API_KEY, Simulator

        surface = "unified" if self.surface_choice == "unified" else "v1"
        try:
            # media at a modest connection's pace, as a real CDN: a download shows its progress (and can be resumed)
            simulator = Simulator(api_key=DEFAULT_API_KEY, port=0, step_seconds=3.0, surface=surface,
                                  media_rate=DEMO_MEDIA_RATE).start()
            simulator.seed_creations(60)  # a past worth browsing in History (F6)
            simulator.media_listener = _log_demo_media  # the demo's media log: what a resume asked for
        except Exception as error:  # noqa: BLE001 - e.g. no loopback socket allowed
            self.post_message(msg.ConnectFailed(error, "the built-in simulator", ""))
            return
        self.post_message(msg.DemoReady(simulator))

    def on_demo_ready(self, message: msg.DemoReady) -> None:
        self.simulator = message.simulator
        self._owns_simulator = True
        self._connect_demo(message.simulator)

    def _connect_demo(self, simulator: Any) -> None:
        self.start_connect(simulator.base_url, simulator.api_key)

    async def on_unmount(self) -> None:
        self._keep_css()  # the parses of the screens opened since the start-up's
        self.poller.stop()
        self.persistence.close()
        if self._downloads is not None:
            await self._downloads.close()  # their .part files stay: the next start resumes them
        if self.adapter is not None:
            try:
                await self.adapter.aclose()
            except Exception:  # noqa: BLE001 - closing on exit must not raise
                pass
        if self._owns_simulator and self.simulator is not None:
            self.simulator.stop()

    @property
    def downloads(self) -> Any:
        if self._downloads is None:
            from kgp_tui.screens.downloads import Downloads

            self._downloads = Downloads(self)
        return self._downloads

    def on_download_changed(self, message: Any) -> None:
        self.downloads.apply(message.item)

    # -- connecting -----------------------------------------------------------------------------------------

    def set_connect_note(self, severity: str, text: str) -> None:
        self.connect_note = (severity, text)
        self.store._changed("session")

    def start_connect(self, base_url: str, api_key: str, save_as: str | None = None) -> None:
        self._say_where(base_url, api_key)
        self.connect(base_url, api_key, save_as)

    def _say_where(self, base_url: str, api_key: str) -> None:
        from kgp_tui.api.redact import key_prefix
        from kgp_tui.logs import REDACTOR

        REDACTOR.add_secret(api_key)  # a key typed on the connect screen is scrubbed from the log file too
        self.set_connect_note("info", f"Connecting to {base_url} with key {key_prefix(api_key)}…")

    @work(exclusive=True, exit_on_error=False, group="connect")
    async def connect(self, base_url: str, api_key: str, save_as: str | None = None) -> None:
        from kgp_tui.api.redact import key_prefix
        from kgp_tui.screens.connect import retry_note

        def retrying(error: Exception, number: int, of: int, delay: float) -> None:
            # this worker runs on the event loop: the note (and the connect screen) can change here
            self.set_connect_note("warning", retry_note(base_url, error, number, of, delay))

        surface = self.surface_choice
        remembered = None
        if surface == "auto":  # the surface this profile found last time is asked first (no detection trip)
            from kgp_tui.persist import key_digest

            remembered = await asyncio.to_thread(self.persistence.remembered_surface, base_url, key_digest(api_key))
        known = surface if surface != "auto" else remembered
        kept = None  # the offer this profile saw last: revalidated (If-None-Match) rather than read whole
        if not self.persistence.is_demo(base_url):
            kept = await asyncio.to_thread(_kept_offer, base_url, api_key, surface)
        try:
            await asyncio.to_thread(_warm_up, (known,) if known else ("unified", "v1"))
            from kgp_tui.api.surface import connect

            # The contract: retry GETs on 429/5xx with backoff; a refused key (401) is never retried.
            connection = await connect(base_url, api_key, surface, remembered=remembered,
                                       kept=kept.offer if kept is not None else None,
                                       timeout=self.request_timeout, get_retries=2, on_retry=retrying)
        except Exception as error:  # noqa: BLE001 - every failure becomes a message on screen
            self.post_message(msg.ConnectFailed(error, base_url, key_prefix(api_key)))
            return
        _quiet_retries(connection.adapter)
        if save_as and self.config is not None:
            try:
                from kgp_tui.config import save_profile

                save_profile(getattr(self.config, "path", None), save_as, base_url, api_key)
            except Exception as error:  # noqa: BLE001
                self.notify(f"Could not save the profile: {error}", severity="warning", markup=False)
            else:
                self.notify(f"Saved as profile {save_as!r}.", markup=False)
        from kgp_tui.persist import key_digest

        self.post_message(msg.Connected(connection.adapter, connection.account, connection.offer, base_url,
                                        key_digest(api_key)))

    async def on_connected(self, message: msg.Connected) -> None:
        old = self.adapter
        self.adapter = message.adapter
        if old is not None and old is not message.adapter:
            await old.aclose()
        account = message.account
        prefix = message.adapter.key_prefix or account.key_prefix
        surface = message.adapter.name
        self.store.set_session(Session(base_url=message.base_url, key_prefix=prefix, account=account,
                                       surface=surface))
        self.persistence.activate(message.base_url, message.key_digest, prefix, surface)
        if message.offer != self.store.offer:  # the catalog shown from last time is redrawn only if it changed
            self.store.set_offer(message.offer)
        if not self.persistence.is_demo(message.base_url):
            self._keep_offer(message.base_url, message.key_digest, account, message.offer)
        name = sanitize(account.label, single_line=True, max_len=40)
        if account.may_create:
            self.set_connect_note("ok", f"Connected as {name}.")
            self.notify(f"Connected as {name}.", markup=False)
        else:
            why = sanitize(account.why_not or "", single_line=True, max_len=200)
            self.set_connect_note("warning", f"Connected as {name}, but this key cannot create (read-only). {why} "
                                  "You can browse only.")
            self.notify("This key is read-only: it cannot create.", severity="warning", markup=False)
        if self.current_mode == "connect":  # a user who went on to F3 or F6 while it connected stays there
            self.switch_mode("catalog")
        self._open_the_form_asked_for()
        if self._freeze_start_up:
            self._freeze_start_up = False
            self.set_timer(FREEZE_AFTER, _freeze_the_start_up, name="gc-freeze")

    def on_connect_failed(self, message: msg.ConnectFailed) -> None:
        self._form_after_connect = None
        session = self.store.session
        if session is not None and not session.confirmed:
            # the catalog kept from last time was shown while this connect ran: it is not this server's now
            self.store.set_session(None)
            self.store.set_offer(None)
            initial = self.initial_connection
            if getattr(message.error, "status", None) == 401 and initial is not None \
                    and self._is_initial(initial, message.base_url, message.key_prefix):
                self._forget_offer(initial)  # its key is refused now (not another key typed on F4)
            self.switch_mode("connect")
        self.set_connect_note("error", describe_connect_error(message.error, message.base_url, message.key_prefix))

    @staticmethod
    def _is_initial(initial: Any, base_url: str, prefix: str) -> bool:
        from kgp_tui.api.redact import key_prefix

        return bool(base_url == initial.base_url and prefix == key_prefix(initial.api_key))

    @work(thread=True, exit_on_error=False, group="offer-cache")
    def _keep_offer(self, base_url: str, digest: str, account: Any, offer: Any) -> None:
        from kgp_tui import offer_cache
        from kgp_tui.persist import profile_id

        offer_cache.save(profile_id(base_url, digest), account, offer)

    @work(thread=True, exit_on_error=False, group="offer-cache")
    def _forget_offer(self, connection: Any) -> None:
        from kgp_tui import offer_cache
        from kgp_tui.persist import key_digest, profile_id

        offer_cache.forget(profile_id(connection.base_url, key_digest(connection.api_key)))

    # -- creating ------------------------------------------------------------------------------------------

    @work(exclusive=True, exit_on_error=False, group="create")
    async def submit_create(self, type_name: str, values: dict[str, Any], file_ids: Sequence[str] = (),
                            max_credits: int | None = None) -> None:
        adapter, offer = self.adapter, self.store.offer
        product = offer.product(type_name) if offer is not None else None
        if adapter is None or product is None:  # nothing was sent: a plain failure, not an ambiguous one
            self.post_message(msg.CreateFailed(type_name, not_connected()))
            return
        started = self.now()
        body: dict[str, Any] = {}
        try:
            body = adapter.build_create_body(product, values, file_ids, max_credits)
            run = await adapter.create(product, values, file_ids, max_credits)
        except Exception as error:  # noqa: BLE001
            found = None
            if getattr(error, "ambiguous", False):
                found = await self._find_created(adapter, product, values, started)
            self.post_message(msg.CreateFailed(type_name, error, found, body))
            return
        self.post_message(msg.CreateSubmitted(type_name, values, run, body))

    async def _find_created(self, adapter: SurfaceAdapter, product: Product, values: dict[str, Any],
                            started: float) -> Creation | None:
        """After a POST that may have reached the server, look for what it made before anyone submits again
        (never a blind resend): the newest creation of this type since the submit began that we did not know."""
        known = set(self.store.creations) | {t.creation_id for t in self.store.runs.values() if t.creation_id}
        prompt = values.get("prompt")
        try:
            return await adapter.find_created(product.type, since=started, known=sorted(known),
                                              prompt=prompt if isinstance(prompt, str) else None)
        except Exception:  # noqa: BLE001 - nothing found is said as such: the next submit asks first
            return None

    def on_create_submitted(self, message: msg.CreateSubmitted) -> None:
        from kgp_tui.store import SentCreation

        run = message.run
        prompt = message.values.get("prompt")
        title = sanitize(prompt if isinstance(prompt, str) else "", single_line=True, max_len=60)
        cid = run.creation_id or run.id
        # the unified reply carries the server's estimate: the first word of what this will cost
        estimate = f" (estimated {run.estimated_credits:g} credits)" if run.estimated_credits is not None else ""
        self.store.set_form_result(message.type_name, "ok", f"Submitted: creation #{cid}{estimate}.", {})
        self.store.set_sent(message.type_name, SentCreation(dict(message.body), cid, self.now()))
        self.store.set_draft(message.type_name, {})  # the next form of this type starts empty (ctrl+r recalls)
        self.store.track_run(run, type_name=message.type_name, title=title, now=self.now())
        self._watch(run)
        job = f" (job {run.id})" if run.id != run.creation_id else ""
        self.notify(f"Creation #{cid} started{job}{estimate}.", markup=False)
        self.refresh_credits()
        from kgp_tui.screens.create import CreateScreen

        if isinstance(self.screen, CreateScreen):
            self.pop_screen()  # F2 then shows the catalog again; the draft stays in the store
        self.switch_mode("jobs")

    def _watch(self, run: Run) -> None:
        """Poll a run until it ends or needs the user; one that already stopped is only shown."""
        if not run.stops_polling:
            self.poller.track(run)

    def on_edit_submitted(self, message: msg.EditSubmitted) -> None:
        run = message.run
        creation = self.store.creations.get(message.creation_id)
        if creation is not None:
            self.edit_baselines.setdefault(message.creation_id, creation)
        title = sanitize(creation.title if creation is not None else "", single_line=True, max_len=60)
        label = sanitize(message.label or message.action, single_line=True, max_len=40)
        self.store.track_run(run, type_name=(creation.type or "") if creation is not None else "", title=title,
                             now=self.now(), label=label)
        self._watch(run)
        self.load_creation(message.creation_id)  # it is "processing" now: the creation screen says so
        self.refresh_credits()  # an edit may be charged, as a create is
        self.notify(f"Edit of creation #{message.creation_id} ({label}) started (job {run.id}).", markup=False)

    def on_create_failed(self, message: msg.CreateFailed) -> None:
        error = message.error
        fields = dict(getattr(error, "field_errors", None) or {})
        text = error_text(error)
        ambiguous = bool(getattr(error, "ambiguous", False))
        # The outcome first, in a few words: a narrow form shows it whole (the cause follows for the unsure case).
        if message.found is not None:
            text = (f"Creation #{message.found.id} was made (its reply was lost on the way): "
                    "it is in Jobs (F3). Sending again would make a second one.")
            self._track_found(message.found, message.type_name, message.body)
        elif ambiguous:
            text = ("The request may have reached the server, but nothing new is in your creations list: "
                    f"check Jobs (F3) or History (F6); the next submit asks first. ({text})")
        # "found": it was made; "unsure": maybe made. Either way the next same submit asks (kgp_tui.screens.create).
        severity = "found" if message.found is not None else "unsure" if ambiguous else "error"
        self.store.set_form_result(message.type_name, severity, text, fields)
        self.notify(text, severity="warning" if message.found is not None else "error", markup=False)

    def _track_found(self, creation: Creation, type_name: str, body: dict[str, Any] | None = None) -> None:
        from kgp_tui.format import parse_time
        from kgp_tui.store import SentCreation

        if body:  # the adopted creation is what this body made: sending it again asks first
            made = parse_time(creation.created_at)
            at = made.timestamp() if made is not None else self.now()
            self.store.set_sent(type_name, SentCreation(dict(body), creation.id, at))
        run = _run_of(creation)
        if run is not None:
            title = sanitize(creation.title or "", single_line=True, max_len=60)
            self.load_run(run, type_name, title)

    @work(exit_on_error=False, group="load-job")
    async def load_run(self, run: Run, type_name: str = "", title: str = "") -> None:
        adapter = self.adapter
        if adapter is None:
            self.post_message(msg.RunPollFailed(run.id, not_connected()))
            return
        try:
            polled = await adapter.poll(run)
        except Exception as error:  # noqa: BLE001
            self.post_message(msg.RunPollFailed(run.id, error, adapter))
            return
        self.post_message(msg.RunUpdated(polled, type_name, title, adapter))

    def _from_another_session(self, message: msg.RunUpdated | msg.RunPollFailed) -> bool:
        """A reply asked with an adapter we have since replaced (the user connected elsewhere): not ours."""
        return message.adapter is not None and message.adapter is not self.adapter

    @work(exclusive=True, exit_on_error=False, group="me")
    async def refresh_credits(self) -> None:
        """After a POST or a run's end: the balance may have moved. A newer refresh replaces this one (exclusive)."""
        adapter = self.adapter
        if adapter is None:  # credits are informative: the next connect reads them
            return
        try:  # the client's own bounded retry: capped exponential backoff with jitter, Retry-After on a 429
            account = await adapter.account(refresh=True, retries=CREDIT_RETRIES)
        except Exception:  # noqa: BLE001 - credits are informative; the next POST or run end refreshes them again
            return
        if adapter is self.adapter:  # not a reply for a session the user has since left
            self.post_message(msg.AccountRefreshed(account))

    def on_account_refreshed(self, message: msg.AccountRefreshed) -> None:
        self.store.set_account(message.account)

    def track_rerun(self, creation_id: str, run: Run, label: str) -> None:
        """A paused creation's action or a video's accepted message runs it again: watch it as after a create."""
        creation = self.store.creations.get(creation_id)
        title = sanitize(creation.title if creation is not None else "", single_line=True, max_len=60)
        if creation is not None:  # first: a screen told of the new run must not see the creation still "ready"
            self.store.set_creation(replace(creation, run=run, status=run.status))
        self.store.track_run(run, type_name=(creation.type or "") if creation is not None else "", title=title,
                             now=self.now(), label=sanitize(label, single_line=True, max_len=40))
        self._watch(run)
        self.refresh_credits()

    # -- jobs ---------------------------------------------------------------------------------------------

    def on_run_updated(self, message: msg.RunUpdated) -> None:
        if self._from_another_session(message):
            return
        run = message.run
        before, tracked = self.store.update_run(run, now=self.now(), type_name=message.type_name,
                                                title=message.title)
        if not run.stops_polling and run.id not in self.poller.active:
            self.poller.track(run)
        if run.status != before and run.stops_polling:
            self._announce(tracked)
            self.notifier.run_changed(tracked)  # bell / desktop notification / notify_command, when due
            if tracked.creation_id is not None:
                self.load_creation(tracked.creation_id)
            self.refresh_credits()

    def _announce(self, tracked: TrackedRun) -> None:
        run = tracked.run
        what = f"#{tracked.creation_id}" if tracked.creation_id else f"job {run.id}"
        if run.kind == "edit":
            what = f"{what} (edit: {sanitize(tracked.label or run.action or '', single_line=True, max_len=40)})"
        label = status_label(run.status)
        title = title_text(tracked.title, max_len=60)  # the toast's heading: which creation, "(untitled)" if none
        # on that creation's own screen, what it shows is right there: no pointer to its row
        here = tracked.creation_id is not None and getattr(self.screen, "creation_id", None) == tracked.creation_id
        if run.needs_user:
            pause = run.pause
            why = (pause.message or pause.reason) if pause else None
            why = sanitize(why or "the server gave no reason", single_line=True, max_len=200)
            where = "its actions are on this screen" if here else "Enter on its row shows what can be done"
            self.notify(f"Creation {what} is {label}: {why} It needs you: {where}.",
                        title=title, severity="warning", markup=False, timeout=10)
        elif run.status == "failed":
            error = run.error
            detail = (error.message or error.code) if error else None
            detail = detail or (f"result {run.result_code}" if run.result_code else None)  # unified says why so
            detail = sanitize(detail or "the server gave no reason", single_line=True, max_len=200)
            self.notify(f"Creation {what} {label}: {detail}", title=title, severity="error", markup=False, timeout=10)
        elif run.status == "cancelled":
            self.notify(f"Creation {what} {label}.", title=title, severity="warning", markup=False)
        else:
            results = "scenes and artifacts" if run.surface == "v1" else "its outputs"
            hint = "" if here else f" Enter on its row shows {results}."
            self.notify(f"Creation {what} {label}.{hint}", title=title, markup=False)

    def on_run_poll_failed(self, message: msg.RunPollFailed) -> None:
        if self._from_another_session(message):
            return
        if self.persistence.run_gone(message.run_id, message.error):
            return  # a 404: marked gone, said once for all such runs
        log_unexpected(message.error, f"polling job {message.run_id}")
        self.notify(error_text(message.error), title=f"Job {message.run_id} could not be read", severity="warning",
                    markup=False)

    def on_poll_health(self, message: msg.PollHealth) -> None:
        retry_at = None
        if message.retry_at is not None:
            retry_at = self.now() + max(0.0, message.retry_at - time.monotonic())
        self.store.set_poll_state(message.ok, retry_at, sanitize(message.reason, single_line=True, max_len=60))

    def action_refresh_jobs(self) -> None:
        if self.adapter is None:
            self.notify("Not connected.", severity="warning")
            return
        self.poller.poll_now()
        self.notify("Refreshing jobs now.", timeout=2)

    # -- creations ---------------------------------------------------------------------------------------

    @work(exit_on_error=False, group="creation")
    async def load_creation(self, creation_id: str, fresh_outputs: bool = False) -> None:
        adapter = self.adapter
        if adapter is None:
            self.post_message(msg.CreationLoadFailed(creation_id, not_connected()))
            return
        try:  # a fetch after a run ends is worth a couple of retries on transient faults (429, 5xx, network)
            creation = await adapter.creation(creation_id, retries=2)
            run = creation.run
            if run is not None and run.has_usable_delivery and (fresh_outputs or not creation.results):
                creation = replace(creation, results=await adapter.outputs(creation_id))
        except Exception as error:  # noqa: BLE001
            self.post_message(msg.CreationLoadFailed(creation_id, error))
            return
        self.post_message(msg.CreationLoaded(creation))

    def on_creation_loaded(self, message: msg.CreationLoaded) -> None:
        creation = message.creation
        self.store.set_creation(creation)
        run = _run_of(creation)
        if run is None or run.id in self.store.runs:
            if creation.run is not None and run is not None:  # unified: the detail is the run's state too
                self.store.update_run(creation.run, now=self.now())
                if run.id not in self.poller.active:
                    self._watch(creation.run)  # an accepted message or an action runs it again
            return
        title = sanitize(creation.title or "", single_line=True, max_len=60)
        if creation.run is not None:
            if not creation.run.stops_polling:  # a unified creation being processed: watched from here
                self.store.track_run(creation.run, type_name=creation.type or "", title=title, now=self.now())
                self._watch(creation.run)
        elif creation.status in IN_PROGRESS:
            self.load_run(run, creation.type or "", title)

    def on_state_restored(self, message: msg.StateRestored) -> None:
        self.persistence.apply(message)

    def on_creation_load_failed(self, message: msg.CreationLoadFailed) -> None:
        log_unexpected(message.error, f"loading creation #{message.creation_id}")
        self.notify(error_text(message.error), title=f"Creation #{message.creation_id} could not be loaded",
                    severity="error", markup=False)

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        """The one place a worker's unexpected exception ends: a titled message on screen, the traceback in the log."""
        if event.state is not WorkerState.ERROR or event.worker.error is None:
            return
        worker = event.worker
        task = task_of(worker.group)
        log_unexpected(worker.error, f"{task} ({worker.name or worker.group})")
        self.notify(error_text(worker.error), title=f"{task} failed", severity="error", markup=False, timeout=10)

    def open_creation(self, creation_id: str) -> None:
        from kgp_tui.screens.creation import CreationScreen

        self.push_screen(CreationScreen(creation_id))
        self.persistence.viewed(creation_id)
        self.load_creation(creation_id)

    def open_url(self, url: str, *, new_tab: bool = True) -> None:
        """Any URL the app opens goes to open_link: Textual's own call would run the browser on the event loop."""
        if getattr(self._driver, "is_web", False):
            super().open_url(url, new_tab=new_tab)
        else:
            self.open_link(url)

    @work(thread=True, exit_on_error=False, group="browser")
    def open_link(self, url: str, what: str = "link") -> None:
        """Hand `url` to a graphical browser off the event loop; without one, copy it (OSC 52) and say so once."""
        from kgp_tui import browser

        shown = sanitize(url, single_line=True, max_len=200)
        try:  # webbrowser looks along PATH and may run xdg-settings: not on the event loop either
            graphical = browser.graphical_browser()
        except Exception:  # noqa: BLE001 - no answer is a no: copying is always safe
            graphical = False
        if not graphical:
            self._from_thread(self._copy_link, url, f"No graphical browser here: copied the {what} instead: {shown}")
            return
        self._from_thread(self.notify, f"Opening the {what}: {shown}", markup=False)
        try:
            opened = browser.open_chosen(url)
        except Exception:  # noqa: BLE001 - a browser that cannot start is told as such, never as a traceback
            opened = False
        if not opened:
            self._from_thread(self._copy_link, url, f"The browser did not start: copied the {what} instead: {shown}")

    def _copy_link(self, url: str, note: str) -> None:
        self.copy_to_clipboard(url)
        self.notify(note, severity="warning", markup=False)

    def _from_thread(self, callback: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        try:
            self.call_from_thread(callback, *args, **kwargs)
        except RuntimeError:  # the app is closing: nobody is left to tell
            pass

    def open_create_form(self, type_name: str) -> None:
        """The form for a product. Its checks and payload are the connected surface's: while the connect still
        checks the key (the catalog kept from last time is shown), the form opens once it is done."""
        if self.adapter is None:
            session = self.store.session
            if session is not None and not session.confirmed:
                self._form_after_connect = type_name
                self.notify(f"Checking the key with {host_of(session.base_url)}: the form opens as soon as that "
                            "is done.", markup=False, timeout=4)
            else:
                self.notify("Not connected: press F4 to connect.", severity="warning", markup=False)
            return
        from kgp_tui.screens.create import CreateScreen

        self.push_screen(CreateScreen(type_name))

    def _open_the_form_asked_for(self) -> None:
        """The form asked for while connecting, if the user is still where they asked (the catalog)."""
        wanted, self._form_after_connect = self._form_after_connect, None
        if wanted and self.current_mode == "catalog" and self.store.offer is not None \
                and self.store.offer.product(wanted) is not None and len(self.screen_stack) == 1:
            self.open_create_form(wanted)

    # -- navigation, help, palette, small terminals ---------------------------------------------------------

    def action_show_mode(self, mode: str) -> None:
        """A mode key shows that mode's list: a creation opened from it is a detail the key leaves."""
        if self._too_small_showing():
            return
        if self.current_mode != mode:
            self.switch_mode(mode)
        else:
            self._leave_details()

    @property
    def closing(self) -> bool:
        """The app quits (or has not started): work landing now (a reply, a worker's mount) changes no screen."""
        return bool(self._exit) or not self.is_running

    def switch_mode(self, mode: str) -> Any:
        """Leaving a mode leaves the creation it showed, so coming back (a mode key, Jobs after a submit) shows the
        mode's list, never a stale creation.

        Once the app is closing (a connect or submit whose reply lands during the quit) nothing switches: Textual
        closes every mode's screens by iterating them, and a new mode then breaks the shutdown."""
        if self.closing:
            from textual.await_complete import AwaitComplete

            return AwaitComplete()
        if mode != self.current_mode:
            self._leave_details()
        return super().switch_mode(mode)

    def _leave_details(self) -> None:
        while len(self.screen_stack) > 1 and getattr(self.screen, "IS_DETAIL", False):
            self.pop_screen()

    def action_toggle_help(self) -> None:
        if self.screen.query("HelpPanel"):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()

    def get_system_commands(self, screen: Screen) -> Iterator[SystemCommand]:
        yield SystemCommand("Catalog", "Browse content types (F2)", lambda: self.action_show_mode("catalog"))
        yield SystemCommand("Jobs", "Monitor running jobs (F3)", lambda: self.action_show_mode("jobs"))
        yield SystemCommand("Connect", "Change server or key (F4)", lambda: self.action_show_mode("connect"))
        yield SystemCommand("History", "Every past creation: search, filter, open (F6)",
                            lambda: self.action_show_mode("history"))
        yield SystemCommand("Downloads", "Files being downloaded: progress, cancel, retry (F7)",
                            lambda: self.action_show_mode("downloads"))
        yield SystemCommand("Refresh jobs", "Poll every active job now (F5)", self.action_refresh_jobs)
        yield SystemCommand("Help", "Show the keys of this screen (F1)", self.action_toggle_help)
        offer = self.store.offer
        if offer is not None and self.store.can_create:
            for product in offer.products:
                label = markup_literal(product.label, max_len=60)  # the palette reads titles as markup
                yield SystemCommand(
                    f"New {label}", f"Open the create form for {markup_literal(product.type, max_len=40)}",
                    lambda name=product.type: self.open_create_form(name),
                )
        yield from self.persistence.recent_commands()
        newest = sorted(self.store.runs.values(), key=lambda t: (t.first_seen, id_order(t.id)), reverse=True)
        for tracked in newest[:20]:
            if tracked.creation_id is not None:
                title = markup_literal(title_text(tracked.title), max_len=50)
                yield SystemCommand(
                    f"Open #{tracked.creation_id} {title}",
                    markup_literal(f"{tracked.type_name} · {tracked.run.status}", max_len=60),
                    lambda cid=tracked.creation_id: self.open_creation(cid),
                )
        yield from super().get_system_commands(screen)

    def on_resize(self, event: Any) -> None:
        self.call_after_refresh(self._check_size)

    def _too_small_showing(self) -> bool:
        # by name: kgp_tui.screens.small (and textual.containers) is imported only when a terminal is too small
        return type(self.screen).__name__ == "TooSmallScreen"

    def _check_size(self) -> None:
        width, height = self.size
        too_small = width < MIN_WIDTH or height < MIN_HEIGHT
        showing = self._too_small_showing()
        if too_small and not showing:
            from kgp_tui.screens.small import TooSmallScreen

            self.push_screen(TooSmallScreen(MIN_WIDTH, MIN_HEIGHT))
        elif not too_small and showing:
            self.pop_screen()


def _warm_up(surfaces: Sequence[str]) -> None:
    """On a worker thread: what connecting and then the catalog need imported (httpx, pydantic, DataTable)."""
    from kgp_tui.api.surface import warm_up

    warm_up(surfaces)
    import kgp_tui.screens.catalog  # noqa: F401 - the screen a connect opens


def _run_of(creation: Creation) -> Run | None:
    """What to watch for a creation (the CLI's `wait` asks the same)."""
    return creation.watched_run()


def _quiet_retries(adapter: SurfaceAdapter) -> None:
    """After connect: the poller's own backoff decides (no client retries), and later retries (polls, loads) are
    not the connect screen's to report."""
    client = getattr(adapter, "client", None)
    if client is not None:
        client.get_retries = 0
        client.on_retry = None

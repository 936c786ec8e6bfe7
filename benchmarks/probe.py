"""The benchmark child: kgp-tui (or a bare Textual app) on a real terminal, instrumented, driven by the parent.

    python -m benchmarks.probe bare-live | kgp-live | kgp-latency | kgp-warm   (started by benchmarks.run, not by hand)

Instruments, all inside the child: the time each frame is written to the terminal (and the first frame's text),
the time the table cursor moves (a key was handled), and the event-loop lag (a 10 ms sleeper that notes how late
it wakes), from the loop's start. kgp-live first says `listed` (connected, the catalog listing types), the parent
types ↓, and `usable` comes with the first frame after the cursor moved; `jobs` then starts the jobs phases. Events and
results go to the parent as JSON lines on BENCH_FD; the parent sends commands (`live`, `history`, `quit`) on
BENCH_CMD and types keys into the terminal.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

STALL_TICK = 0.01
ESCAPES = re.compile(r"\x1b(\[[0-9;?<=>]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[PX^_][^\x1b]*\x1b\\|.)")


class StackSampler:
    """Samples the main thread's stack every 2 ms on a thread (a diagnostic: it costs the loop a little)."""

    def __init__(self) -> None:
        import threading

        self.samples: list[tuple[float, tuple[str, ...]]] = []
        sys.setswitchinterval(0.0005)  # the loop's thread hands the GIL over often enough for a sample every ~2 ms
        self._main = threading.main_thread().ident
        self._running = True
        self.collections: list[tuple[float, float, int, int]] = []  # (began, seconds, generation, collected)
        import gc

        started: list[float] = [0.0]

        def timed(phase: str, info: dict[str, int]) -> None:
            if phase == "start":
                started[0] = time.time()
            elif self._running:
                self.collections.append((started[0], time.time() - started[0], info["generation"],
                                         info["collected"]))

        gc.callbacks.append(timed)
        threading.Thread(target=self._run, daemon=True, name="bench-sampler").start()

    def _run(self) -> None:
        import traceback

        while self._running:
            frame = sys._current_frames().get(self._main)
            if frame is not None:
                stack = tuple(f"{Path(f.filename).parent.name}/{Path(f.filename).name}:{f.lineno} {f.name}"
                              for f in traceback.extract_stack(frame)[-24:])
                self.samples.append((time.time(), stack))
            time.sleep(0.002)

    def stop(self) -> None:
        self._running = False

    def report(self, windows: list[tuple[float, float]], first_frame: float) -> str:
        from collections import Counter

        lines = []
        for began, ended in windows:
            inside = [stack for at, stack in self.samples if began <= at <= ended]
            lines.append(f"== stall {1000 * (ended - began):.0f} ms at +{1000 * (began - first_frame):.0f} ms after "
                         f"the first frame, {len(inside)} samples")
            for at, seconds, generation, collected in self.collections:
                if began - 0.001 <= at <= ended:
                    lines.append(f"  gc: generation {generation} collection of {1000 * seconds:.0f} ms "
                                 f"({collected} collected)")
            callers = Counter(frame for stack in inside for frame in set(stack))
            for frame, n in callers.most_common(40):
                lines.append(f"  {n:4d}  {frame}")
            for stack, n in Counter(inside).most_common(3):
                lines.append(f"  -- {n} samples of:")
                lines += [f"       {frame}" for frame in stack]
        return "\n".join(lines) + "\n"


class Instruments:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.frames: list[float] = []
        self.moves: list[float] = []
        self.lags: list[float] = []
        self._stall_task: asyncio.Task | None = None
        self._handlers: dict[str, Any] = {"keys": self._keys}
        self._out = int(os.environ["BENCH_FD"])
        self.first_frame_text: str | None = None  # what the first whole frame says
        self.on_frame: Any = None  # called after each frame is written
        self.startup_lags: list[tuple[float, float]] = []  # (when, how late) from the loop's start
        self._startup_task: asyncio.Task | None = None
        self._written: list[str] = []
        self._before_ready: list[str] = []
        self.first_frame: float | None = None  # the last write before Textual's Ready: the first whole frame
        self._first_after_ready = False  # Ready came before any frame was written (see ready)
        original = app._display

        def display(screen: Any, renderable: Any) -> None:
            self._hook_driver()
            self._written.clear()
            original(screen, renderable)
            if self._written:  # Textual skips a frame while it batches updates: only a written one counts
                if self.first_frame_text is None or self._first_after_ready:
                    self._before_ready += self._written  # Textual paints the first screen in a few writes
                self.frames.append(time.time())
                if self._first_after_ready:  # Ready came before any frame: this is the first
                    self._first_after_ready = False
                    self._first(self.frames[-1])
                if self.on_frame is not None:
                    self.on_frame()

        app._display = display

    def ready(self) -> None:
        """Textual's Ready: the first frame is whole on screen (call from on_ready), or, when Textual laid the
        first screen out inside its mount batch, it is written next (Ready is sent from the layout, and the batch's
        frame is drawn once the batch ends): then the first frame is the first one written after Ready."""
        if self.frames:
            self._first(self.frames[-1])
        else:
            self._first_after_ready = True

    def _first(self, at: float) -> None:
        self.first_frame = at
        profile = getattr(self, "_start_profile", None)
        if profile is not None and os.environ.get("BENCH_PROFILE_FIRST"):
            profile.disable()
            profile.dump_stats(os.environ["BENCH_PROFILE_FIRST"])
            profile.enable()
        self.first_frame_text = ESCAPES.sub("", "".join(self._before_ready))

    def _hook_driver(self) -> None:
        driver = self.app._driver
        if driver is None or getattr(driver, "_bench_hooked", False):
            return
        write = driver.write

        def written(data: str) -> None:
            self._written.append(data)
            write(data)

        driver.write, driver._bench_hooked = written, True

    def start_startup_watch(self) -> None:
        """From the event loop's first moment: how late a 10 ms sleeper wakes, until stop_startup_watch()."""
        self._startup_task = asyncio.ensure_future(sleeper(lambda lag: self.startup_lags.append((time.time(), lag))))
        if os.environ.get("BENCH_STALLS"):  # BENCH_STALLS=out.txt: what the main thread ran during each stall
            self._stack_sampler = StackSampler()
        if os.environ.get("BENCH_PROFILE_START"):  # BENCH_PROFILE_START=out.pstats: cProfile from here to usable
            import cProfile

            self._start_profile = cProfile.Profile()
            self._start_profile.enable()

    def startup_stalls(self, until: float) -> dict[str, float]:
        """The longest stall (seconds) up to the first frame, and from it until `until` (a key answered, or the
        start-up settled); the watch goes on."""
        first = self.first_frame or until
        began = [(at - lag - STALL_TICK, lag) for at, lag in self.startup_lags]
        return {"first_frame_stall": max((lag for at, lag in began if at < first), default=0.0),
                "stall": max((lag for at, lag in began if first <= at <= until), default=0.0)}

    def usable(self, **extra: Any) -> None:
        """The first frame after the cursor moved: the screen answered a key. Says so to the parent, once."""
        self.on_frame = None
        frame = self.frames[-1]
        profile = getattr(self, "_start_profile", None)
        if profile is not None:
            profile.disable()
            profile.dump_stats(os.environ["BENCH_PROFILE_START"])
        self.emit("usable", frame=frame, moved=self.moves[0], first_frame=self.first_frame or frame,
                  **self.startup_stalls(frame), **extra)

    def settled(self) -> None:
        """Half a second after the connect's reply (the start-up's last steps run right after it): the longest
        stall from the first frame until now, for `startup_stall`; the watch stops."""
        stalls = self.startup_stalls(time.time())
        sampler = getattr(self, "_stack_sampler", None)
        if sampler is not None:
            sampler.stop()
            first = self.first_frame or 0.0
            windows = [(at - lag - STALL_TICK, at) for at, lag in self.startup_lags if lag >= 0.02 and at - lag >= first]
            if sampler.samples:  # and all of the time from the loop's start to the first frame, as one window
                windows.insert(0, (sampler.samples[0][0], first))
            Path(os.environ["BENCH_STALLS"]).write_text(sampler.report(windows, first), encoding="utf-8")
        self.stop_startup_watch()
        self.emit("settled", stall=stalls["stall"])

    def stop_startup_watch(self) -> None:
        if self._startup_task is not None:
            self._startup_task.cancel()
            self._startup_task = None

    def emit(self, event: str, **data: Any) -> None:
        os.write(self._out, (json.dumps({"event": event, "t": time.time(), **data}) + "\n").encode())

    async def _keys(self) -> None:
        """The parent is about to type: only cursor moves from now on are its keys."""
        self.moves.clear()
        self.emit("keys-ready")

    def listen(self) -> None:
        """Read the parent's commands (call once); `_handlers` maps each to a coroutine function."""
        fd = int(os.environ["BENCH_CMD"])
        buffer = b""

        def readable() -> None:
            nonlocal buffer
            chunk = os.read(fd, 4096)
            if not chunk:
                asyncio.get_running_loop().remove_reader(fd)
                return
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                handler = self._handlers.get(line.decode().strip())
                if handler is not None:
                    asyncio.ensure_future(handler())

        asyncio.get_running_loop().add_reader(fd, readable)

    async def run_phases(self, start_live: Any, load_history: Any) -> None:
        """The runner's script: idle from now; `live`: start_live() and watch the loop; `history`: report keys and
        stalls, then `await load_history()`; `quit`."""

        async def live() -> None:
            start_live()
            self.start_stalls()
            self.emit("live")

        async def history() -> None:
            self.stop_stalls()
            self.emit("keys", pairs=self.key_frames(), lags=self.lags)
            self.emit("loaded", **await load_history())

        async def quit_() -> None:
            self.app.exit()

        self._handlers.update(live=live, history=history, quit=quit_)
        await asyncio.sleep(0.5)
        self.emit("idle")

    def watch_cursor(self, table: Any) -> None:
        name = "cursor_coordinate" if hasattr(table, "cursor_coordinate") else "cursor_row"  # DataTable or LineList
        table.watch(table, name, lambda *_: self.moves.append(time.time()), init=False)

    def start_stalls(self) -> None:
        timed: list[tuple[float, float]] = []
        self._live_timed = timed

        def record(lag: float) -> None:
            self.lags.append(lag)
            timed.append((time.time(), lag))

        self._stall_task = asyncio.ensure_future(sleeper(record))
        if os.environ.get("BENCH_STALLS"):  # and what ran during each stall of the live window (in <file>.live)
            self._live_sampler = StackSampler()
        if os.environ.get("BENCH_PROFILE"):  # BENCH_PROFILE=out.txt profiles the live window (pip install pyinstrument)
            from pyinstrument import Profiler

            self._profiler = Profiler(interval=0.001, async_mode="disabled")
            self._profiler.start()

    def stop_stalls(self) -> None:
        if self._stall_task is not None:
            self._stall_task.cancel()
        sampler = getattr(self, "_live_sampler", None)
        if sampler is not None:
            sampler.stop()
            windows = [(at - lag - STALL_TICK, at) for at, lag in self._live_timed if lag >= 0.05]
            Path(os.environ["BENCH_STALLS"] + ".live").write_text(sampler.report(windows, self.first_frame or 0.0),
                                                                  encoding="utf-8")
        profiler = getattr(self, "_profiler", None)
        if profiler is not None:
            profiler.stop()
            Path(os.environ["BENCH_PROFILE"]).write_text(profiler.output_text(color=False, show_all=True))

    def key_frames(self) -> list[list[float]]:
        """For each cursor move: [move time, time of the first frame written after it]."""
        pairs = []
        for moved in self.moves:
            after = next((f for f in self.frames if f >= moved), None)
            pairs.append([moved, after if after is not None else float("nan")])
        return pairs


async def sleeper(record: Any) -> None:
    """Sleep 10 ms at a time for ever, and record how late each wake-up was (the loop was held that long)."""
    loop = asyncio.get_running_loop()
    while True:
        before = loop.time()
        await asyncio.sleep(STALL_TICK)
        record(loop.time() - before - STALL_TICK)


async def wait_until(predicate: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(str(predicate))
        await asyncio.sleep(0.02)


def env_ids(name: str) -> list[str]:
    return [x for x in os.environ.get(name, "").split(",") if x]


# -- the bare baseline: a Textual app with one DataTable of as many rows ---------------------------------------

def run_bare_live() -> int:
    from textual.app import App
    from textual.widgets import DataTable

    rows = int(os.environ.get("BENCH_ROWS", "1000"))

    class BareLive(App):
        async def run_async(self, *args: Any, **kwargs: Any) -> Any:
            self.instruments = Instruments(self)
            self.instruments.start_startup_watch()
            return await super().run_async(*args, **kwargs)

        def compose(self):
            yield DataTable(cursor_type="row", id="table")

        def on_mount(self) -> None:
            self.instruments.listen()  # here: its callbacks run with the app's context (Textual's active_app)
            table = self.query_one(DataTable)
            for key in ("creation", "type", "status", "progress", "step", "elapsed", "left", "updated"):
                table.add_column(key, key=key)
            for n in range(rows):
                table.add_row(f"#{n} a creation", "slides_video", "running", "████░░░░ 50%", "Rendering",
                              "1m 2s", "1m", "3s ago", key=str(n))
            table.focus()

        async def on_ready(self) -> None:
            inst = self.instruments
            inst.ready()
            inst.watch_cursor(self.query_one(DataTable))
            inst.on_frame = lambda: inst.moves and inst.usable()
            inst.emit("ready", frame=inst.first_frame)

            async def nothing_to_load() -> dict[str, Any]:
                return {"rows": rows}

            await inst.run_phases(lambda: None, nothing_to_load)

    BareLive().run()
    return 0


# -- kgp-tui itself, connected via env like a user would start it -------------------------------------------

SURFACE = os.environ.get("BENCH_SURFACE", "v1")
DONE, ACTIVE = ("succeeded", "queued") if SURFACE == "v1" else ("ready", "processing")


def _run(job_id: str, creation_id: str, status: str, now: float) -> Any:
    from kgp_tui.api.domain import Run

    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - 120))
    done = status == DONE
    return Run(surface=SURFACE, id=job_id, creation_id=creation_id, kind="create", status=status,  # type: ignore[arg-type]
               progress_pct=100 if done else 0, step="Done" if done else "Queued",
               created_at=stamp, finished_at=stamp if done else None)


def _track(app: Any, ids: list[str], creations: list[str], status: str) -> None:
    """Put runs in the store the way a 202 from the create form does (active ones are handed to the poller)."""
    now = app.now()
    for job_id, creation_id in zip(ids, creations):
        run = _run(job_id, creation_id, status, now)
        app.store.track_run(run, type_name="slides_video", title=f"Benchmark creation {creation_id}", now=now)
        if status == ACTIVE:
            app.poller.track(run)


def _host() -> str:
    from urllib.parse import urlsplit

    return urlsplit(os.environ.get("KGP_BASE_URL", "")).netloc


def run_kgp(mode: str) -> int:
    import kgp_tui.app as appmod

    class Probe(appmod.KGPApp):
        async def run_async(self, *args: Any, **kwargs: Any) -> Any:
            self.instruments = Instruments(self)  # from the first frame on
            self.instruments.start_startup_watch()
            if mode == "kgp-live":
                self.instruments.on_frame = self._usable_yet
            return await super().run_async(*args, **kwargs)

        # Textual calls KGPApp's own on_mount and on_ready as well (each class's handler in the MRO): calling
        # super() here ran the app's start-up twice (two connects, two of every step after the first frame).
        def on_mount(self) -> None:
            self.instruments.listen()  # here: its callbacks run with the app's context (Textual's active_app)

        def on_ready(self) -> None:
            self.instruments.ready()
            if mode == "kgp-latency":
                asyncio.ensure_future(self._bench_latency())
            elif mode == "kgp-warm":
                asyncio.ensure_future(self._warm())

        def _listed(self) -> Any:
            """The catalog's list, once it lists something: the one kept from last time (kgp_tui.offer_cache) while
            the connect still checks the key, or the one it fetched (None before). `connected` says when the
            connect is done."""
            if self.store.offer is None or self.current_mode != "catalog":
                return None
            tables = self.screen.query("#types")
            return tables.first() if tables and tables.first().row_count else None

        def _usable_yet(self) -> None:
            """After each frame, until a key was answered: listed? then the parent types ↓; moved? usable."""
            inst = self.instruments
            if not hasattr(self, "_listed_at"):
                table = self._listed()
                if table is not None:
                    self._listed_at = inst.frames[-1]
                    inst.moves.clear()
                    inst.watch_cursor(table)
                    inst.emit("listed")
            elif inst.moves:
                text = inst.first_frame_text or ""
                inst._handlers["jobs"] = self._bench_live
                inst.usable(listed=self._listed_at, first_frame_says_where=bool(_host()) and _host() in text,
                            first_frame_text=" ".join(text.split())[:600])

        def on_connected(self, message: Any) -> None:  # besides KGPApp.on_connected (Textual calls both)
            if not hasattr(self, "_connected_at"):
                self._connected_at = time.time()
                self.instruments.emit("connected", at=self._connected_at)
                self.set_timer(0.5, self.instruments.settled)

        async def _warm(self) -> None:
            """An untimed start: the bytecode, the remembered surface and what the profile caches are written."""
            await wait_until(lambda: self._listed() is not None and self.adapter is not None)
            await asyncio.sleep(0.5)  # the state file and the offer cache are written after the connect
            self.exit()

        def _jobs_table(self) -> Any:
            return self.screen.query_one("#jobs-table")

        async def _connected(self) -> None:
            await wait_until(lambda: self.store.offer is not None and self.adapter is not None)
            self.switch_mode("jobs")
            await wait_until(lambda: self.current_mode == "jobs" and self.screen.query("#jobs-table"))

        async def _bench_live(self) -> None:
            inst = self.instruments
            await self._connected()
            done, active = env_ids("BENCH_DONE_JOBS"), env_ids("BENCH_ACTIVE_JOBS")
            _track(self, done, env_ids("BENCH_DONE_CREATIONS"), DONE)
            inst.watch_cursor(self._jobs_table())

            await inst.run_phases(
                lambda: _track(self, active, env_ids("BENCH_ACTIVE_CREATIONS"), ACTIVE),
                lambda: self._load_history(int(os.environ.get("BENCH_CREATIONS", "0"))),
            )

        async def _load_history(self, wanted: int) -> dict[str, Any]:
            """Scroll the history screen (End, as a user would) until `wanted` creations are loaded."""
            if not wanted:
                return {"rows": 0, "how": "none"}
            if "history" not in self.MODES:
                return {"rows": 0, "how": "no history screen"}
            started = time.monotonic()
            try:
                self.switch_mode("history")
                await wait_until(lambda: self.current_mode == "history" and self.screen.query("#history-table"))
                table = self.screen.query_one("#history-table")
                table.focus()
                deadline = started + float(os.environ.get("BENCH_HISTORY_TIMEOUT", "120"))
                grew_at, last = time.monotonic(), -1
                while table.row_count < wanted and time.monotonic() < deadline:
                    if table.row_count != last:
                        grew_at, last = time.monotonic(), table.row_count
                    elif time.monotonic() - grew_at > 10:
                        break  # no new page for 10 s: report what is there
                    self.simulate_key("end")
                    await asyncio.sleep(0.02)
                await asyncio.sleep(0.3)
                rows = table.row_count
            except Exception as error:  # noqa: BLE001 - the parent must hear back, whatever the screen did
                return {"rows": 0, "how": f"failed: {error!r}", "seconds": round(time.monotonic() - started, 1)}
            return {"rows": rows, "how": "history screen, End pressed until loaded",
                    "seconds": round(time.monotonic() - started, 1)}

        async def _bench_latency(self) -> None:
            inst = self.instruments
            await self._connected()
            active = env_ids("BENCH_ACTIVE_JOBS")
            seen: dict[str, float] = {}

            def changed(topic: str, key: Any) -> None:
                tracked = self.store.runs.get(key) if topic == "jobs" else None
                if tracked is not None and tracked.run.is_terminal and key not in seen:
                    seen[key] = time.time()

            self.store.subscribe(changed)
            _track(self, active, env_ids("BENCH_ACTIVE_CREATIONS"), ACTIVE)
            inst.emit("ready")
            await wait_until(lambda: len(seen) == len(active), timeout=120)
            await asyncio.sleep(0.3)  # the frame after the last change
            shown = {}
            for job_id, at in seen.items():
                shown[job_id] = next((f for f in inst.frames if f >= at), float("nan"))
            inst.emit("shown", store=seen, frames=shown)
            self.exit()

    appmod.KGPApp = Probe
    from kgp_tui.__main__ import main

    return main([])


def main(argv: list[str]) -> int:
    mode = argv[0]
    if mode == "bare-live":
        return run_bare_live()
    return run_kgp(mode)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Regenerate screenshots/*.png from the real app driven by keys against the simulator.

    apt-get install librsvg2-bin   # or: .venv/bin/pip install cairosvg
    .venv/bin/python scripts/screenshots.py [--size 120x36]

The app and the simulator share a frozen clock, so the timings shown are the same on every run. Textual exports
each screen as SVG; rsvg-convert (or cairosvg) turns it into a PNG.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "screenshots"


class FrozenClock:
    def __init__(self, start: float = 1_795_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


_TEXT_RUN = re.compile(r'<text ([^>]*?)x="([\d.]+)"([^>]*?)textLength="([\d.]+)"([^>]*)>((?:&#160;)+)([^<]*)</text>')


def _shift_leading_spaces(svg: str) -> str:
    """librsvg drops the leading spaces of a <text> run and stretches the rest over its textLength, so
    'ready   Type' renders as 'readyType'. Move such a run right by its spaces instead."""

    def shift(match: re.Match[str]) -> str:
        before, x, middle, length, after, spaces, rest = match.groups()
        count = spaces.count("&#160;")
        chars = count + len(re.sub(r"&[^;]+;", "_", rest))
        if not rest or not chars:
            return match.group(0)
        width = float(length) / chars
        return (f'<text {before}x="{float(x) + count * width:.1f}"{middle}textLength="{float(length) - count * width:.1f}"'
                f"{after}>{rest}</text>")

    return _TEXT_RUN.sub(shift, svg)


def to_png(svg: Path, png: Path) -> None:
    """rsvg-convert (Debian's librsvg2-bin) renders Textual's SVG faithfully; cairosvg is the pip fallback."""
    import shutil
    import subprocess

    if shutil.which("rsvg-convert"):
        svg.write_text(_shift_leading_spaces(svg.read_text("utf-8")), encoding="utf-8")
        subprocess.run(["rsvg-convert", "-w", "1600", str(svg), "-o", str(png)], check=True)
    else:
        import cairosvg

        cairosvg.svg2png(url=str(svg), write_to=str(png), output_width=1600)


async def until(pilot, predicate, what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"screenshots: timed out waiting for {what}")
        await pilot.pause(0.05)


async def shoot(pilot, name: str) -> None:
    app = pilot.app
    await pilot.pause(0.2)
    app.clear_notifications()
    for widget in app.screen.query("Input, TextArea"):
        widget.cursor_blink = False
    await pilot.pause(0.1)
    svg = app.export_screenshot(title=f"kgp-tui — {name}")
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / f"{name}.svg"
        source.write_text(svg, encoding="utf-8")
        to_png(source, OUT / f"{name}.png")
    print(f"screenshots/{name}.png")


async def submit(pilot, type_name: str, prompt: str) -> None:
    """From the catalog: '/' filter to one type, Enter twice, paste a prompt, ctrl+s."""
    from textual import events

    from kgp_tui.screens.catalog import CatalogScreen
    from kgp_tui.screens.create import CreateScreen
    from kgp_tui.screens.jobs import JobsScreen

    app = pilot.app
    await pilot.press("f2")
    await until(pilot, lambda: isinstance(app.screen, CatalogScreen), "catalog")
    await pilot.press("slash", *type_name, "enter")
    await pilot.pause(0.1)
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, CreateScreen), "create form")
    app.post_message(events.Paste(prompt))
    await pilot.pause(0.1)
    await pilot.press("ctrl+s")
    await until(pilot, lambda: isinstance(app.screen, JobsScreen), "jobs screen")


async def run(size: tuple[int, int]) -> None:
    from textual import events

    from kgp_tui.app import KGPApp
    from kgp_tui.config import Config, Connection
    from kgp_tui.screens.catalog import CatalogScreen
    from kgp_tui.screens.create import CreateScreen
    from kgp_tui.screens.creation import CreationScreen
    from kgp_tui.simulator import DEFAULT_API_KEY as KEY
    from kgp_tui.simulator import Simulator

    OUT.mkdir(exist_ok=True)
    clock = FrozenClock()
    tmp = Path(tempfile.mkdtemp(prefix="kgp-shots-"))
    for name in ("CONFIG", "DATA", "STATE", "CACHE"):  # never the user's own state file, log or config
        os.environ[f"XDG_{name}_HOME"] = str(tmp / name.lower())
    config = Config(path=tmp / "config.toml", poll_interval=0.2, env={}, download_dir=str(tmp / "Downloads"))

    # 1. The connect screen, as a new user without a key sees it, after a wrong key.
    app = KGPApp(config=config, clock=clock)
    try:  # a fixed port keeps the status bar (and so the PNGs) the same from run to run
        sim = Simulator(api_key=KEY, port=8765, step_seconds=4.0, clock=clock).start()
    except OSError:
        sim = Simulator(api_key=KEY, port=0, step_seconds=4.0, clock=clock).start()
    with sim:
        async with app.run_test(size=size) as pilot:
            base = app.screen.query_one("#base-url")
            base.value = sim.base_url
            key = app.screen.query_one("#api-key")
            key.focus()
            app.post_message(events.Paste("kgp_live_0000wrongkey0000"))
            await pilot.press("enter")
            await until(pilot, lambda: "refused" in str(app.screen.query_one("#connect-note").render()), "refusal")
            await shoot(pilot, "connect")

        # 2-8. Connected with the demo key: catalog, form, jobs, creation, edit and its confirmation, history.
        connection = Connection(base_url=sim.base_url, api_key=KEY, profile="demo")
        app = KGPApp(config=config, connection=connection, clock=clock)
        async with app.run_test(size=size) as pilot:
            await until(pilot, lambda: isinstance(app.screen, CatalogScreen) and app.store.offer, "catalog")
            await pilot.press("down")
            await shoot(pilot, "catalog")

            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, CreateScreen), "create form")
            app.post_message(events.Paste("Explain how transformer attention works in 6 pages"))
            await pilot.press("tab")
            await shoot(pilot, "create")
            await pilot.press("ctrl+s")
            await until(pilot, lambda: app.store.runs, "first job")

            clock.now += 60  # the first job has finished by now
            sim.set_scenario("job_failure", fail_at_step=3, times=1)
            await submit(pilot, "slide_deck", "A 10-slide deck on the water cycle for 12-year-olds")
            sim.set_scenario("default")
            clock.now += 20
            await submit(pilot, "explainer_video", "Why the sky is blue, in 45 seconds")
            await submit(pilot, "ai_video", "A short clip of a paper boat sailing down a rainy street")
            clock.now += 9
            await pilot.press("f5")
            await until(pilot, lambda: all(t.run.status != "queued" for t in app.store.runs.values()), "progress")
            await pilot.pause(0.3)
            await pilot.press("home")
            await shoot(pilot, "jobs")

            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, CreationScreen) and app.screen.creation, "detail")
            await pilot.press("down", "down")
            await shoot(pilot, "creation")

            await pilot.press("e")
            await pilot.pause(0.3)
            await shoot(pilot, "edit-narration")
            app.post_message(events.Paste(" Then a second, simpler example."))
            await pilot.pause(0.1)
            await pilot.press("ctrl+s")
            await pilot.pause(0.3)
            await shoot(pilot, "edit-confirm")
            await pilot.press("escape", "escape", "escape")

            # 7. History: the key owner's past creations, a page at a time.
            sim.seed_creations(120)
            await pilot.press("f6")
            await until(pilot, lambda: app.screen.query("#history-summary") and getattr(app.screen, "rows", None),
                        "history")
            await pilot.press("down", "down")
            await shoot(pilot, "history")

    await unified_shots(size, config, clock)


async def unified_shots(size: tuple[int, int], config, clock: FrozenClock) -> None:
    """The unified surface: a video's outputs and its conversation after a change, a paused creation, downloads."""
    from textual import events

    from kgp_tui.app import KGPApp
    from kgp_tui.config import Connection
    from kgp_tui.screens.catalog import CatalogScreen
    from kgp_tui.screens.create import CreateScreen
    from kgp_tui.screens.creation import CreationScreen
    from kgp_tui.screens.jobs import JobsScreen
    from kgp_tui.simulator import DEFAULT_API_KEY as KEY
    from kgp_tui.simulator import Simulator

    try:
        sim = Simulator(api_key=KEY, port=8766, step_seconds=4.0, clock=clock, surface="unified").start()
    except OSError:
        sim = Simulator(api_key=KEY, port=0, step_seconds=4.0, clock=clock, surface="unified").start()
    with sim:
        connection = Connection(base_url=sim.base_url, api_key=KEY, profile="unified")
        app = KGPApp(config=config, connection=connection, clock=clock)
        async with app.run_test(size=size) as pilot:
            await until(pilot, lambda: isinstance(app.screen, CatalogScreen) and app.store.offer, "capabilities")
            await pilot.press("enter")  # the video, first in the list
            await until(pilot, lambda: isinstance(app.screen, CreateScreen), "video form")
            app.post_message(events.Paste("Explain attention in transformers with a library metaphor"))
            await pilot.pause(0.1)
            await pilot.press("ctrl+s")
            await until(pilot, lambda: isinstance(app.screen, JobsScreen) and app.store.runs, "the video runs")
            clock.now += 600
            await pilot.press("f5")
            await until(pilot, lambda: all(t.run.stops_polling for t in app.store.runs.values()), "ready")
            await pilot.press("home", "enter")
            await until(pilot, lambda: isinstance(app.screen, CreationScreen) and app.screen.creation, "creation")
            await pilot.press("tab")  # one Tab from the outputs reaches the message box
            app.post_message(events.Paste("Make the narration slower and add a summary scene"))
            await pilot.pause(0.1)
            await pilot.press("ctrl+s")
            await until(pilot, lambda: app.screen.query_one("ConversationPane").rerunning, "the change accepted")
            clock.now += 600
            await until(pilot, lambda: app.screen.query_one("#conversation-delivery").display, "the new delivery",
                        timeout=30)
            await shoot(pilot, "unified-conversation")

            await pilot.press("shift+tab", "shift+tab", "D", "f7")
            await until(pilot, lambda: app._downloads is not None and app._downloads.active_count == 0
                        and app.screen.query("#downloads"), "downloads done", timeout=30)
            await shoot(pilot, "downloads")

            await pilot.press("f2")
            await until(pilot, lambda: isinstance(app.screen, CatalogScreen), "catalog")
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, CreateScreen), "video form")
            app.post_message(events.Paste("A short video about tides"))
            await pilot.pause(0.1)
            app.screen.query_one("#field-max_credits").focus()
            await pilot.press("5", "ctrl+s")
            await until(pilot, lambda: isinstance(app.screen, JobsScreen), "jobs")
            clock.now += 600
            await pilot.press("f5")
            await until(pilot, lambda: any(t.run.needs_user for t in app.store.runs.values()), "paused")
            paused = next(t.id for t in app.store.runs.values() if t.run.needs_user)
            table = app.screen.query_one("#jobs-table")
            table.move_cursor(row=table.get_row_index(paused))
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, CreationScreen) and app.screen.query("PausePanel"),
                        "the pause panel")
            await shoot(pilot, "unified-paused")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="120x36", help="terminal size, COLSxROWS (default 120x36)")
    args = parser.parse_args()
    cols, rows = (int(part) for part in args.size.lower().split("x"))
    asyncio.run(run((cols, rows)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""May a URL be handed to a browser from inside the TUI? Plain functions, no Textual.

Python's `webbrowser` runs a console browser (w3m, lynx) when it finds no graphical one, and waits for it to exit
while it draws over the TUI. So the app asks `graphical_browser()` first (on a worker thread: `webbrowser` looks
along PATH and may run `xdg-settings`) and copies the URL instead when the answer is no.
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Callable, Mapping

CONSOLE_BROWSERS = frozenset({
    "w3m", "lynx", "links", "links2", "elinks", "www-browser", "browsh", "carbonyl", "netrik", "edbrowse",
})
# Where the system opener hands a URL to a desktop browser and returns at once.
SYSTEM_OPENER_PLATFORMS = ("darwin", "win32", "cygwin")


def command_name(command_line: str) -> str:
    """The program's base name in a BROWSER-style command line ("/usr/bin/lynx -dump %s" → "lynx")."""
    try:
        words = shlex.split(command_line)
    except ValueError:
        words = command_line.split()
    return os.path.basename(words[0]) if words else ""


def webbrowser_choice() -> str | None:
    """The name of the browser `webbrowser.open` would run now, or None when it has none (never launches it)."""
    import webbrowser

    try:
        controller = webbrowser.get()
    except webbrowser.Error:
        return None
    return command_name(str(getattr(controller, "name", "") or "")) or None


def graphical_browser(
    env: Mapping[str, str] | None = None,
    platform: str | None = None,
    choose: Callable[[], str | None] = webbrowser_choice,
) -> bool:
    """True when opening a URL starts a graphical browser; False when it would start a console one, or none."""
    env = os.environ if env is None else env
    platform = sys.platform if platform is None else platform
    if platform.startswith(SYSTEM_OPENER_PLATFORMS):
        return True
    chosen = [entry.strip() for entry in (env.get("BROWSER") or "").split(os.pathsep) if entry.strip()]
    if chosen:
        # webbrowser tries BROWSER first: the user's own choice, trusted unless it names a console browser
        return command_name(chosen[0]) not in CONSOLE_BROWSERS
    if not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")):
        return False
    picked = choose()
    return bool(picked) and picked not in CONSOLE_BROWSERS



def open_chosen(url: str) -> bool:
    """Open `url` with the one browser `webbrowser` picks (the one graphical_browser judged); blocks until it returns.

    `webbrowser.open` would go on to the next browser, a console one included, when the first fails: not here.
    """
    import webbrowser

    try:
        controller = webbrowser.get()
    except webbrowser.Error:
        return False
    return bool(controller.open(url))

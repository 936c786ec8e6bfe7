"""Whether `o` may hand a URL to a browser (kgp_tui.browser): a console browser would block and draw over the TUI.

Plain unit tests of the decision; one asks the real `webbrowser` module what it would pick from a PATH that holds
only a console browser (nothing is ever launched).
"""

from __future__ import annotations

import os
import stat
import webbrowser

import pytest

from kgp_tui.browser import CONSOLE_BROWSERS, command_name, graphical_browser, webbrowser_choice


def never(*_args):
    raise AssertionError("webbrowser was asked although the environment already answered")


@pytest.mark.parametrize("platform", ["linux", "freebsd14", "openbsd7"])
def test_no_display_and_no_browser_variable_means_no_graphical_browser(platform):
    assert graphical_browser({"TERM": "xterm"}, platform, never) is False
    assert graphical_browser({"DISPLAY": "", "WAYLAND_DISPLAY": ""}, platform, never) is False


@pytest.mark.parametrize("display", [{"DISPLAY": ":0"}, {"WAYLAND_DISPLAY": "wayland-0"}])
def test_a_display_with_a_graphical_pick_opens(display):
    assert graphical_browser(display, "linux", lambda: "firefox") is True
    assert graphical_browser(display, "linux", lambda: "xdg-open") is True


@pytest.mark.parametrize("picked", ["w3m", "lynx", "links", "elinks", "www-browser", None])
def test_a_display_where_webbrowser_would_pick_a_console_browser_or_none_copies(picked):
    assert graphical_browser({"DISPLAY": ":0"}, "linux", lambda: picked) is False


@pytest.mark.parametrize("value", ["w3m", "/usr/bin/lynx", "lynx -dump %s", "w3m:firefox", " elinks "])
def test_browser_variable_naming_a_console_browser_first_copies(value):
    assert graphical_browser({"BROWSER": value, "DISPLAY": ":0"}, "linux", lambda: "firefox") is False
    assert graphical_browser({"BROWSER": value}, "linux", never) is False


def test_browser_variable_naming_a_graphical_browser_is_trusted_without_a_display():
    # the user said which browser to run (a forwarder such as wslview, or a remote opener): not second-guessed
    assert graphical_browser({"BROWSER": "firefox"}, "linux", lambda: "firefox") is True
    assert graphical_browser({"BROWSER": "/opt/bin/wslview %s"}, "linux", lambda: "wslview") is True


@pytest.mark.parametrize("platform", ["darwin", "win32"])
def test_macos_and_windows_hand_the_url_to_the_system(platform):
    assert graphical_browser({}, platform, never) is True


def test_command_names():
    assert command_name("/usr/bin/w3m -o foo %s") == "w3m"
    assert command_name("  ") == ""
    assert command_name("'unbalanced") == "'unbalanced"
    assert {"w3m", "lynx", "links", "elinks"} <= CONSOLE_BROWSERS


def test_real_webbrowser_picks_the_console_browser_on_path(tmp_path, monkeypatch):
    """A display, but the only browser on PATH is w3m: webbrowser would run it (and wait), so the answer is no."""
    fake = tmp_path / "w3m"
    fake.write_text("#!/bin/sh\nexit 1\n")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.delenv("BROWSER", raising=False)
    # webbrowser registers what it finds once per process: make it look again, from this PATH
    monkeypatch.setattr(webbrowser, "_browsers", {})
    monkeypatch.setattr(webbrowser, "_tryorder", None)
    monkeypatch.setattr(webbrowser, "_os_preferred_browser", None)
    assert webbrowser_choice() == "w3m"
    assert graphical_browser(dict(os.environ), "linux", webbrowser_choice) is False


def test_real_webbrowser_with_nothing_on_path_is_no_choice(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.delenv("BROWSER", raising=False)
    monkeypatch.setattr(webbrowser, "_browsers", {})
    monkeypatch.setattr(webbrowser, "_tryorder", None)
    monkeypatch.setattr(webbrowser, "_os_preferred_browser", None)
    assert webbrowser_choice() is None

"""Previews without the app: what is previewed, how it is drawn, the disk cache and its cap, the fetch (no key,
redirects, refusals, notes) and loading textual-image without it asking the terminal anything."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
import textwrap

import pytest
from support.media import MISSING, NOT_AN_IMAGE, REDIRECT, MediaServer, png_bytes

from kgp_tui import preview_cache
from kgp_tui.api.domain import Creation, Result, Scene
from kgp_tui.preview_cache import PreviewCache, PreviewError, decode_image, fetch_image_bytes, load_preview
from kgp_tui.widgets.preview import (
    PROTOCOLS,
    Target,
    choose_protocol,
    fit_cells,
    image_widget_class,
    preview_target,
)

SCENE = Scene("sc_1_1", 1, "Intro", image_url="https://cdn.example/s1.png")
COVER = Result("a3", "image", "Cover image", "https://cdn.example/cover.png", "image/png")
VIDEO = Result("a1", "video", "Final video", "https://cdn.example/main.mp4", "video/mp4")


def creation(**fields) -> Creation:
    return Creation(surface="v1", id="1", results=(VIDEO, COVER), scenes=(SCENE,),
                    thumbnail_url="https://cdn.example/thumb.png", **fields)


def test_what_is_previewed_follows_the_selection():
    made = creation()
    assert preview_target(made, SCENE, VIDEO, results_focused=False) == Target("Scene 1 Intro", SCENE.image_url)
    assert preview_target(made, SCENE, COVER, results_focused=True) == Target("Artifact Cover image", COVER.url)
    # a video selected in the artifacts: not an image, so the scene's image stays
    assert preview_target(made, SCENE, VIDEO, results_focused=True) == Target("Scene 1 Intro", SCENE.image_url)
    assert preview_target(made, None, None, results_focused=False) == Target("Thumbnail", made.thumbnail_url)
    unified = Creation(surface="unified", id="c1", results=(VIDEO, COVER))
    assert preview_target(unified, None, None, False) == Target("Cover image", COVER.url)
    assert preview_target(unified, None, COVER, True) == Target("Output Cover image", COVER.url)
    assert preview_target(Creation(surface="v1", id="2", results=(VIDEO,)), None, VIDEO, True) is None


@pytest.mark.parametrize(("env", "headless", "protocol"), [
    ({"TERM": "xterm-kitty"}, True, "halfcell"),  # the test driver: always half-blocks, so tests are stable
    ({"TERM": "xterm-kitty"}, False, "kitty"),
    ({"TERM": "xterm-kitty", "TMUX": "/tmp/tmux-0/default,1,0"}, False, "halfcell"),
    ({"TERM": "tmux-256color", "TERM_PROGRAM": "WezTerm"}, False, "halfcell"),
    ({"TERM": "xterm-256color", "TERM_PROGRAM": "WezTerm"}, False, "sixel"),
    ({"TERM": "foot"}, False, "sixel"),
    ({"TERM": "xterm-256color"}, False, "halfcell"),
    ({"TERM": "xterm-256color", "KGP_TUI_PREVIEW": "sixel"}, False, "sixel"),
])
def test_how_images_are_drawn(env, headless, protocol):
    assert choose_protocol(env, headless) == protocol


def test_an_image_gets_the_cells_that_show_it_whole_in_its_shape():
    cell = (10, 20)
    assert fit_cells((1600, 900), (44, 14), cell) == (44, 12)  # wide: the width decides
    assert fit_cells((900, 1600), (44, 14), cell) == (16, 14)  # tall: the height decides
    assert fit_cells((100, 100), (28, 8), cell) == (16, 8)
    assert fit_cells((5000, 1), (10, 5), cell) == (10, 1)  # never less than a cell


def test_each_way_of_drawing_is_a_textual_image_widget():
    names = {protocol: image_widget_class(protocol).__qualname__ for protocol in PROTOCOLS}
    assert names == {"halfcell": "HalfcellImage", "sixel": "Image", "kitty": "TGPImage"}
    assert image_widget_class("sixel").__module__ == "textual_image.widget.sixel"


def test_the_cache_keeps_what_was_used_last_within_its_cap(isolated_dirs):
    root = isolated_dirs / "cache" / "kgp-tui" / "previews"
    cache = PreviewCache(root, cap_bytes=1000)
    cache.put("https://m/a", b"a" * 400)
    cache.put("https://m/b", b"b" * 400)
    assert cache.get("https://m/a") == b"a" * 400  # a is now the most recently used
    cache.put("https://m/c", b"c" * 400)
    assert cache.get("https://m/b") is None  # the least recently used went
    assert cache.get("https://m/a") == b"a" * 400 and cache.get("https://m/c") == b"c" * 400
    assert cache.size_bytes() == 800 <= cache.cap_bytes
    cache.put("https://m/huge", b"h" * 1001)  # over the cap by itself: shown, never kept
    assert cache.get("https://m/huge") is None and cache.get("https://m/c") is not None
    if os.name == "posix":
        assert stat.S_IMODE(root.stat().st_mode) == 0o700
        assert stat.S_IMODE(root.parent.stat().st_mode) == 0o700  # ~/.cache/kgp-tui is ours too
        assert {stat.S_IMODE(p.stat().st_mode) for p in root.iterdir()} == {0o600}
        assert not [p for p in root.iterdir() if p.name.endswith(".tmp")]


def test_the_cache_lives_in_the_user_cache_dir(isolated_dirs):
    assert preview_cache.cache_root() == isolated_dirs / "cache" / "kgp-tui" / "previews"


def test_fetch_sends_no_key_follows_a_redirect_and_says_why_not(isolated_dirs):
    with MediaServer() as media:
        base = media.base_url
        assert fetch_image_bytes(f"{base}/a/{REDIRECT}.png") == media.body
        assert media.paths() == [f"/a/{REDIRECT}.png", "/a/landed.png"]
        for _path, headers in media.requests:
            assert not {"x-kgp-api-key", "authorization", "cookie"} & {h.lower() for h in headers}
        with pytest.raises(PreviewError, match=r"^the server answered HTTP 404$"):
            fetch_image_bytes(f"{base}/{MISSING}.png")
        with pytest.raises(PreviewError, match=r"^not an image \(text/html\)$"):
            fetch_image_bytes(f"{base}/{NOT_AN_IMAGE}")
        cache = PreviewCache(isolated_dirs / "previews")
        url = f"{base}/cached.png"
        assert load_preview(url, cache).size == (8, 8)
        assert load_preview(url, cache).size == (8, 8)
        assert media.paths().count("/cached.png") == 1  # the second came from the disk
        media.body = png_bytes(size=(2000, 1000))
        assert load_preview(f"{base}/large.png", cache).size == (640, 320)
        kept = cache.get(f"{base}/large.png")
        assert kept is not None and len(kept) < len(media.body)
        assert decode_image(kept).size == (640, 320)  # the disk keeps the shrunk copy a terminal can show


@pytest.mark.parametrize(("url", "why"), [
    ("http://media.example.com/x.png", "plain http to a remote host"),
    ("file:///etc/passwd", "not an http(s) URL"),
    ("data:image/png;base64,AAAA", "not an http(s) URL"),
])
def test_fetch_refuses_before_connecting(url, why):
    with pytest.raises(PreviewError, match=re.escape(why)):
        fetch_image_bytes(url)


def test_decoding_refuses_what_is_no_image_or_too_big(monkeypatch):
    assert decode_image(png_bytes(size=(2000, 1000))).size == (640, 320)  # shrunk for a terminal
    with pytest.raises(PreviewError, match="^not an image kgp-tui can show$"):
        decode_image(b"<html>sign in</html>")
    monkeypatch.setattr(preview_cache, "MAX_PIXELS", 10)
    with pytest.raises(PreviewError, match=r"too large to preview \(8×8 pixels\)"):
        decode_image(png_bytes())


def test_importing_the_app_and_the_creation_screen_loads_no_image_library():
    code = ("import sys, kgp_tui.app, kgp_tui.screens.creation\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('PIL', 'textual_image', 'httpx')))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "[]"


ON_A_TERMINAL = textwrap.dedent("""
    import os, pty, sys, select
    pid, fd = pty.fork()
    if pid == 0:
        {child}
        os._exit(0)
    seen = b""
    while True:
        ready, _, _ = select.select([fd], [], [], 20)
        if not ready:
            break
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    os.waitpid(pid, 0)
    print(repr(seen))
""")


def written_to_a_terminal(child: str) -> str:
    script = ON_A_TERMINAL.format(child=child)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, env=env,
                          check=True)
    return done.stdout


@pytest.mark.skipif(os.name != "posix", reason="needs a pseudo-terminal")
def test_loading_textual_image_asks_the_terminal_nothing():
    """With Textual running, a question to the terminal would have its answer read as the user's keys."""
    ours = written_to_a_terminal("from kgp_tui.widgets.preview import image_widget_class; "
                                 "print(image_widget_class('halfcell').__name__)")
    assert "HalfcellImage" in ours
    assert "\\x1b[c" not in ours and "\\x1b_G" not in ours and "\\x1b[16t" not in ours
    theirs = written_to_a_terminal("import textual_image.widget")  # the plain import does ask: the check can fail
    assert "\\x1b[c" in theirs

"""`p` on the creation screen, by keys, against the simulator and a real loopback media host: the selected scene's
image drawn in half-blocks, fetched lazily and without the key; a failed or non-image URL leaves a note and the
rest of the screen as it was."""

from __future__ import annotations

from support import TEST_KEY
from support.app import connected_app_on_catalog, make_app, open_from_history, screen_text, wait_for
from support.http import create_ready
from support.media import MISSING, NOT_AN_IMAGE, MediaServer, point_media_at
from support.unified_http import IMAGE_BODY, poll, ucreate
from textual.geometry import Region

from kgp_tui.simulator import Simulator, unified_catalog
from kgp_tui.widgets.preview import PreviewPane

SIZE = (120, 40)
BODY = {"type": "slides_video", "prompt": "Explain how tides work", "scene_count": 3}


def pane(app) -> PreviewPane | None:
    found = app.screen.query(PreviewPane)
    return found.first() if found else None


def drawn(app) -> list:
    """The segments the preview image puts on screen."""
    image = app.screen.query_one(".preview-image")
    width, height = image.size
    return [segment for strip in image.render_lines(Region(0, 0, width, height)) for segment in strip]


def note(app) -> str:
    widget = app.screen.query_one(".preview-note")
    return str(widget.render().plain) if widget.display else ""


async def test_p_previews_the_selected_scene_from_a_media_host_that_never_sees_the_key(sim, tmp_path, isolated_dirs):
    made = create_ready(sim, BODY)
    creation_id = made["creation_id"]
    with MediaServer(colour=(255, 0, 0)) as media:
        point_media_at(sim, creation_id, media.base_url, rename={"scenes/2.png": f"scenes/{MISSING}.png",
                                                                 "scenes/3.png": f"scenes/{NOT_AN_IMAGE}.png"})
        app = make_app(sim, tmp_path, key=TEST_KEY)
        async with app.run_test(size=SIZE) as pilot:
            await connected_app_on_catalog(pilot)
            await open_from_history(pilot, creation_id)
            await wait_for(pilot, lambda: app.store.creations[str(creation_id)].scenes, what="the scenes")
            assert pane(app) is None and media.paths() == []  # off until asked for: nothing fetched
            await pilot.press("p")
            await wait_for(pilot, lambda: app.screen.query(".preview-image") and drawn(app), what="the image")
            segments = drawn(app)
            assert {s.text for s in segments if s.text.strip()} == {"▀"}  # half-blocks under the test driver
            assert {s.style.color.triplet for s in segments if s.text == "▀"} == {(255, 0, 0)}
            assert "Preview · Scene 1" in screen_text(app)
            assert media.paths() == [f"/creations/{creation_id}/scenes/1.png"]  # the selected scene's only
            for _path, headers in media.requests:
                assert TEST_KEY not in " ".join(headers.values())
                assert not {"x-kgp-api-key", "authorization", "cookie"} & {h.lower() for h in headers}

            await pilot.press("down")  # scene 2: its URL answers 404
            await wait_for(pilot, lambda: "HTTP 404" in note(app), what="the 404 note")
            assert not app.screen.query(".preview-image")
            assert note(app) == "No preview: the server answered HTTP 404."
            assert "scene id sc_" in screen_text(app)  # the narration is still there beside it

            await pilot.press("down")  # scene 3: a page, not an image
            await wait_for(pilot, lambda: "not an image" in note(app), what="the not-an-image note")
            assert note(app) == "No preview: not an image (text/html)."

            await pilot.press("up", "up")  # back to scene 1: from the disk cache, not fetched again
            await wait_for(pilot, lambda: app.screen.query(".preview-image"), what="the image again")
            assert media.paths().count(f"/creations/{creation_id}/scenes/1.png") == 1

            await pilot.press("p")
            await wait_for(pilot, lambda: pane(app) is None, what="the preview closed")


async def test_a_media_host_that_is_down_gets_a_note(sim, tmp_path, isolated_dirs):
    made = create_ready(sim, BODY)
    creation_id = made["creation_id"]
    with MediaServer() as media:
        gone = media.base_url
    point_media_at(sim, creation_id, gone)  # nothing listens there any more
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        await open_from_history(pilot, creation_id)
        await pilot.press("p")
        await wait_for(pilot, lambda: "could not be reached" in note(app), what="the note")
        assert note(app) == "No preview: the media server could not be reached."


async def test_an_image_creation_on_the_unified_surface_previews_its_output(tmp_path, isolated_dirs, monkeypatch):
    with MediaServer(colour=(0, 200, 0)) as media, Simulator(api_key=TEST_KEY, port=0, step_seconds=0.05,
                                                             surface="unified") as sim:
        monkeypatch.setattr(unified_catalog, "CDN", media.base_url)  # its output URLs point at the media host
        made = ucreate(sim, IMAGE_BODY)
        assert poll(sim, made["creation_id"], until=("ready",))[-1]["status"] == "ready"
        app = make_app(sim, tmp_path, key=TEST_KEY)
        async with app.run_test(size=SIZE) as pilot:
            await connected_app_on_catalog(pilot)
            await open_from_history(pilot, made["creation_id"])
            await wait_for(pilot, lambda: app.store.creations[made["creation_id"]].results, what="the outputs")
            await pilot.press("p")
            await wait_for(pilot, lambda: app.screen.query(".preview-image") and drawn(app), what="the image")
            assert {s.style.color.triplet for s in drawn(app) if s.text == "▀"} == {(0, 200, 0)}
            assert "Preview · Output Image" in screen_text(app)  # the outputs table has the focus here
            assert [path.rsplit("/", 1)[-1] for path in media.paths()] == ["image.png"]
            assert all(TEST_KEY not in " ".join(headers.values()) for _path, headers in media.requests)
            await pilot.press("p")  # off again: an image has no conversation, so its side pane goes away too
            await wait_for(pilot, lambda: not app.screen.query_one("#narration-pane").display, what="pane hidden")

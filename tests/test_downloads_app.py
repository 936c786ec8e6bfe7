"""Downloads in the app, driven by keys against the simulator: `d` / `D` on a creation, the downloads view (F7,
and the palette) with progress, cancel and retry, the status bar's count, and a restart that resumes."""

from __future__ import annotations

from pathlib import Path

from support import TEST_KEY
from support.app import make_config, palette_run, screen_text, static_text, wait_for
from support.downloads import expected_bytes

from kgp_tui.config import Connection
from kgp_tui.screens.creation import CreationScreen
from kgp_tui.screens.downloads import DownloadsScreen
from kgp_tui.screens.history import HistoryScreen


def _app(sim, tmp_path: Path):
    from kgp_tui.app import KGPApp

    config = make_config(tmp_path, download_dir=str(tmp_path / "dl"))
    return KGPApp(config=config, connection=Connection(base_url=sim.base_url, api_key=TEST_KEY, profile="test"))


async def _open_creation(pilot, creation_id: str) -> CreationScreen:
    app = pilot.app
    await wait_for(pilot, lambda: app.store.session is not None, what="connected")
    await pilot.press("f6")
    screen = await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen) and app.screen, what="history")
    await wait_for(pilot, lambda: screen.fetching is None and screen.rows, what="first page")
    row = next(i for i, r in enumerate(screen.rows) if r.creation_id == creation_id)
    for _ in range(row):
        await pilot.press("down")
    await pilot.press("enter")
    creation = await wait_for(pilot, lambda: isinstance(app.screen, CreationScreen) and app.screen.creation
                              and app.screen.creation.results and app.screen, what="creation with results")
    return creation


async def _select_result(pilot, screen: CreationScreen, label: str) -> None:
    """Tab to the results table, then down to the row whose label is `label`."""
    for _ in range(4):
        if screen.focused is not None and screen.focused.id == "artifacts":
            break
        await pilot.press("tab")
    assert screen.focused.id == "artifacts"
    index = next(i for i, r in enumerate(screen.creation.results) if r.label == label)
    for _ in range(index):
        await pilot.press("down")


async def _press_d(pilot, sim, creation_id: str, label: str, scenario: str = "default", **params) -> None:
    """Open the creation, select the result labelled `label`, put the media host in `scenario`, press d."""
    screen = await _open_creation(pilot, creation_id)
    await _select_result(pilot, screen, label)
    sim.set_scenario(scenario, **params)
    await pilot.press("d")


def _rows(app) -> dict[str, str]:
    return {item.name: item.state for item in app.downloads.items.values()}


async def test_d_downloads_the_selected_result_and_the_view_shows_it_complete(surface_sim, tmp_path):
    sim = surface_sim
    creation_id = str(sim.seed_creations(1)[0])
    app = _app(sim, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await _press_d(pilot, sim, creation_id, "Subtitles (en)")
        await pilot.press("f7")
        await wait_for(pilot, lambda: isinstance(app.screen, DownloadsScreen), what="downloads view")
        await wait_for(pilot, lambda: "✔ done" in screen_text(app), what="done in the view")
        text = screen_text(app)
        assert "Subtitles (en).vtt" in text and "100%" in text
        [item] = app.downloads.items.values()
        assert item.path == tmp_path / "dl" / creation_id / "Subtitles (en).vtt"
        assert item.path.read_bytes() == expected_bytes(sim, item.url)
        assert str(item.path) in static_text(app, "#downloads-detail")


async def test_D_downloads_all_and_the_status_bar_counts_them_while_active(sim, tmp_path):
    creation_id = str(sim.seed_creations(1)[0])
    app = _app(sim, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await _open_creation(pilot, creation_id)
        sim.set_scenario("media_slow", rate=1_000_000)
        await pilot.press("D")
        await wait_for(pilot, lambda: (n := app.downloads.active_count) >= 2
                       and f" · {n} downloads" in static_text(app, "#status-bar"), what="the count in the bar")
        await wait_for(pilot, lambda: set(_rows(app).values()) == {"done"}, timeout=20, what="all done")
        await wait_for(pilot, lambda: "download" not in static_text(app, "#status-bar"), what="count gone")
        assert sorted(_rows(app)) == ["Cover image.png", "Final video.mp4", "Subtitles (en).vtt"]
        for item in app.downloads.items.values():
            assert item.path.read_bytes() == expected_bytes(sim, item.url)


async def test_cancel_then_retry_in_the_view(sim, tmp_path):
    creation_id = str(sim.seed_creations(1)[0])
    app = _app(sim, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await _press_d(pilot, sim, creation_id, "Final video", "media_slow", rate=200_000)
        await palette_run(pilot, "Downloads", "Downloads")
        await wait_for(pilot, lambda: isinstance(app.screen, DownloadsScreen), what="downloads view")
        await wait_for(pilot, lambda: "▶ downloading" in screen_text(app), what="in progress")
        await pilot.press("c")
        await wait_for(pilot, lambda: "⊘ cancelled" in screen_text(app), what="cancelled")
        folder = tmp_path / "dl" / creation_id
        await wait_for(pilot, lambda: not list(folder.glob("*")), what="the .part removed")
        sim.set_scenario("default")
        await pilot.press("r")
        await wait_for(pilot, lambda: "✔ done" in screen_text(app), timeout=20, what="done after retry")
        [item] = app.downloads.items.values()
        assert item.path.read_bytes() == expected_bytes(sim, item.url)


async def test_an_expired_link_is_said_in_the_view_and_retry_asks_for_a_fresh_one(sim, tmp_path):
    creation_id = str(sim.seed_creations(1)[0])
    app = _app(sim, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await _press_d(pilot, sim, creation_id, "Subtitles (en)", "media_expired")
        await pilot.press("f7")
        await wait_for(pilot, lambda: "expired" in screen_text(app), what="expired said")
        assert "✖ failed" in screen_text(app) and "Traceback" not in screen_text(app)
        sim.set_scenario("default")
        before = sim.request_count
        await pilot.press("r")
        await wait_for(pilot, lambda: "✔ done" in screen_text(app), what="done after retry")
        assert any(path.startswith(f"/openapi/v1/creations/{creation_id}") for _m, path, _s in
                   sim.request_log[before:])  # the creation was asked for again, for a link that works


async def test_a_restart_of_the_app_resumes_from_the_state_file(sim, tmp_path):
    creation_id = str(sim.seed_creations(1)[0])
    folder = tmp_path / "dl" / creation_id
    part = folder / "Final video.mp4.part"
    app = _app(sim, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await _press_d(pilot, sim, creation_id, "Final video", "media_slow", rate=200_000)
        await wait_for(pilot, lambda: part.exists() and part.stat().st_size > 0, what="bytes on disk")
    kept = part.stat().st_size
    assert not (folder / "Final video.mp4").exists()
    sim.set_scenario("default")
    again = _app(sim, tmp_path)
    async with again.run_test(size=(120, 40)) as pilot:
        await pilot.press("f7")
        await wait_for(pilot, lambda: "✔ done" in screen_text(again), timeout=20, what="resumed and done")
        assert "Final video.mp4" in screen_text(again)
    data = (folder / "Final video.mp4").read_bytes()
    assert data == expected_bytes(sim, f"{sim.media_origin}/creations/{creation_id}/main.mp4")
    assert sim.media_log[-1].range == f"bytes={kept}-" and sim.media_log[-1].status == 206
    assert not part.exists()


async def test_a_restart_against_a_new_simulator_gets_fresh_links_and_resumes(tmp_path):
    """As `kill -9` of `kgp-tui --demo` then a new demo: the media host moved to another port; the link is asked
    for again, and If-Range makes the .part continue (the same deterministic file)."""
    from kgp_tui.simulator import Simulator

    first = Simulator(api_key=TEST_KEY, step_seconds=0.05).start()
    try:
        creation_id = str(first.seed_creations(1)[0])
        part = tmp_path / "dl" / creation_id / "Final video.mp4.part"
        app = _app(first, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await _press_d(pilot, first, creation_id, "Final video", "media_slow", rate=200_000)
            await wait_for(pilot, lambda: part.exists() and part.stat().st_size > 0, what="bytes on disk")
    finally:
        first.stop()
    kept = part.stat().st_size
    with Simulator(api_key=TEST_KEY, step_seconds=0.05) as second:
        second.seed_creations(1)
        assert second.media_origin != first.media_origin
        again = _app(second, tmp_path)
        async with again.run_test(size=(120, 40)) as pilot:
            await pilot.press("f7")
            await wait_for(pilot, lambda: "✔ done" in screen_text(again), timeout=30, what="resumed and done")
        gets = [r for r in second.media_log if r.path.endswith("/main.mp4")]
        assert [(r.status, r.range) for r in gets] == [(206, f"bytes={kept}-")]
        data = (part.parent / "Final video.mp4").read_bytes()
        assert data == expected_bytes(second, f"{second.media_origin}/creations/{creation_id}/main.mp4")

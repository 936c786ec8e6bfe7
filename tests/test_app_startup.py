"""Start-up (issue 15): what the first frame says, and the start-up steps that run after it."""

from __future__ import annotations

from support import TEST_KEY
from support.app import make_app, wait_for


async def test_the_first_frame_says_where_it_connects(sim, tmp_path):
    app = make_app(sim, tmp_path, key=TEST_KEY)
    notes: list[tuple[str, str]] = []
    display = app._display  # Textual draws each frame here (textual is pinned); None is no frame

    def drawn(screen, renderable):
        if renderable is not None:
            notes.append(app.connect_note)
        display(screen, renderable)

    app._display = drawn
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: notes, what="a first frame")
        await wait_for(pilot, lambda: app.store.offer is not None, what="connected")
    severity, first = notes[0]
    assert severity == "info" and first.startswith(f"Connecting to {sim.base_url} with key ")
    assert TEST_KEY not in first  # the key's prefix only


async def test_a_key_typed_during_start_up_is_answered_and_every_step_still_runs(sim, tmp_path):
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.current_mode == "catalog" and app.screen.query("#types"), what="catalog")
        table = app.screen.query_one("#types")
        await wait_for(pilot, lambda: table.row_count > 1, what="types listed")
        await pilot.press("down")
        await wait_for(pilot, lambda: table.cursor_row == 1, what="the cursor moved")
        # the steps after the first frame: the footer in place of its placeholder, the other screens' CSS
        await wait_for(pilot, lambda: app.screen.query("KGPFooter"), what="the footer")
        assert not app.screen.query("#footer-placeholder")
        # mounted once the keys paused, into a screen whose bindings had settled: it lists them all the same
        await wait_for(pilot, lambda: any("Quit" in str(key.render()) for key in app.screen.query("FooterKey")),
                       what="the footer's keys")
        assert "catalog-body" in "".join(str(source) for source in app.stylesheet.source.values())



async def test_the_program_freezes_what_its_start_up_made_and_an_app_in_a_test_does_not(sim, tmp_path, monkeypatch):
    """After the first connect the program moves the start-up's objects out of the collector's way (full
    collections then walk only what came after); an app made without asking (as in these tests) leaves the GC be."""
    import gc

    from support.app import make_config

    from kgp_tui import app as appmod
    from kgp_tui.config import Connection

    frozen: list[bool] = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(True))

    async def run(asked: bool) -> None:
        app = appmod.KGPApp(config=make_config(tmp_path), connection=Connection(sim.base_url, TEST_KEY, "t"),
                            freeze_start_up=asked)
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_for(pilot, lambda: app.adapter is not None, what="connected")
            later: list[int] = []
            app.set_timer(appmod.FREEZE_AFTER + 0.1, lambda: later.append(1))
            await wait_for(pilot, lambda: later, what="a moment after the freeze was due")

    await run(asked=True)
    assert frozen == [True]
    await run(asked=False)
    assert frozen == [True]  # not again


async def test_full_collections_wait_for_the_end_of_the_start_up_and_no_longer(sim, tmp_path, monkeypatch):
    """The program holds full collections back from before its loop starts (kgp_tui.app.start_up_begins) until its
    start-up is over: the freeze after the first connect, or a while after the first frame when nothing connects."""
    import gc

    from support.app import make_config

    from kgp_tui import app as appmod
    from kgp_tui.config import Connection

    monkeypatch.setattr(gc, "freeze", lambda: None)  # this test process runs many apps: nothing is frozen for good
    usual = gc.get_threshold()
    try:
        # connected: back with the freeze that follows the connect (the fallback is far off); not: by the fallback
        for connection, at_most in ((Connection(sim.base_url, TEST_KEY, "t"), 600.0), (None, 0.3)):
            monkeypatch.setattr(appmod, "START_UP_AT_MOST", at_most)
            appmod.start_up_begins()
            held = gc.get_threshold()
            assert held[:2] == usual[:2] and held[2] > usual[2]
            app = appmod.KGPApp(config=make_config(tmp_path), connection=connection, freeze_start_up=True)
            async with app.run_test(size=(100, 30)) as pilot:
                await wait_for(pilot, lambda: gc.get_threshold() == usual, what="full collections back")
    finally:
        appmod._full_collections_back()
        gc.set_threshold(*usual)


async def test_the_first_screens_footer_lists_its_keys_once_mounted(sim, tmp_path):
    """The first screen's footer is mounted after the first frame, once the keys pause; by then the screen's bindings
    have settled (nothing changes them again), and the footer must list them all the same."""
    app = make_app(sim, tmp_path, key=None, connect=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.screen.query("#api-key"), what="the connect form")
        await wait_for(pilot, lambda: app.screen.query("KGPFooter"), what="the footer")
        await wait_for(pilot, lambda: any("Quit" in str(key.render()) for key in app.screen.query("FooterKey")),
                       what="the footer's keys")


async def test_every_screen_hears_the_store_once(sim, tmp_path):
    """Textual calls each class's on_mount, so a screen's super().on_mount() ran the base class's a second time:
    every store change reached the screen twice (the jobs screen redrew each polled row twice), and one of the two
    subscriptions outlived the screen. Each screen shown is subscribed exactly once."""
    from support.app import connected_app_on_catalog

    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=(100, 30)) as pilot:
        await connected_app_on_catalog(pilot)
        seen = []
        for key, mode in (("f3", "jobs"), ("f6", "history"), ("f7", "downloads"), ("f4", "connect"),
                          ("f2", "catalog")):
            await pilot.press(key)
            await wait_for(pilot, lambda mode=mode: app.current_mode == mode and app.screen.is_mounted, what=mode)
            seen.append(app.screen)
        for screen in seen:
            subscribed = [o for o in app.store._observers if getattr(o, "__self__", None) is screen]
            assert len(subscribed) == 1, f"{type(screen).__name__} is subscribed {len(subscribed)} times"

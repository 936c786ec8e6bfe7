"""A second start on a profile shows the catalog its server offered last time at the first frame, then the connect
confirms it (or replaces it, or takes it away when the key is refused now)."""

from __future__ import annotations

from support import TEST_KEY
from support.app import SIZE, connected_app_on_catalog, form_on_screen, make_app, static_text, tab_to, wait_for

from kgp_tui import offer_cache
from kgp_tui.profile_ids import key_digest, profile_id
from kgp_tui.screens.catalog import CatalogScreen
from kgp_tui.screens.connect import ConnectScreen
from kgp_tui.screens.create import CreateScreen


def kept(sim):
    return offer_cache.load(profile_id(sim.base_url, key_digest(TEST_KEY)))


def type_rows(app) -> list[str]:
    return app.screen.query_one("#types").type_ids()


async def first_start(sim, tmp_path) -> list[str]:
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        await wait_for(pilot, lambda: kept(sim) is not None, what="the offer kept")
        return type_rows(app)


async def test_the_second_start_lists_the_kept_catalog_at_once_and_the_connect_confirms_it(surface_sim, tmp_path):
    listed = await first_start(surface_sim, tmp_path)
    surface_sim.set_scenario("slow", delay=3.0, times=1)  # the connect's first request: held while we look
    app = make_app(surface_sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, CatalogScreen), "the first screen is the catalog, not the connect screen"
        assert app.adapter is None and not app.store.session.confirmed
        await wait_for(pilot, lambda: type_rows(app) == listed, what="the kept catalog listed")
        bar = static_text(app, "#status-bar")
        assert "the catalog as last seen" in bar and "127.0.0.1" in bar and TEST_KEY not in bar
        await pilot.press("down")  # usable while it connects
        assert app.screen.query_one("#types").cursor_row == 1
        await pilot.press("down", "up")
        assert app.screen.query_one("#types").cursor_row == 1
        await wait_for(pilot, lambda: app.store.session.confirmed and app.adapter is not None, timeout=15,
                       what="confirmed by the connect")
        await wait_for(pilot, lambda: static_text(app, "#status-bar").startswith("●"), what="connected in the bar")
        assert app.screen.query_one("#types").cursor_row == 1, "an unchanged catalog is not redrawn under the user"


async def test_a_form_asked_for_while_it_connects_opens_once_the_key_is_checked(surface_sim, tmp_path):
    """Its checks and payload are the connected surface's: Enter on the kept catalog waits for the connect."""
    listed = await first_start(surface_sim, tmp_path)
    surface_sim.set_scenario("slow", delay=3.0, times=1)
    app = make_app(surface_sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for(pilot, lambda: type_rows(app) == listed, what="the kept catalog listed")
        assert not app.store.session.confirmed
        await pilot.press("down", "enter")
        assert isinstance(app.screen, CatalogScreen)
        assert any("the form opens as soon as" in n.message for n in app._notifications)
        form = await wait_for(pilot, lambda: form_on_screen(app), timeout=15, what="the form, once connected")
        assert isinstance(form, CreateScreen) and app.adapter is not None and form.product.type == listed[1]


async def test_a_catalog_that_changed_since_last_time_replaces_the_kept_one(sim, tmp_path):
    listed = await first_start(sim, tmp_path)
    sim.set_scenario("extra_type")  # the server offers one more type now
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.store.session is not None and app.store.session.confirmed, what="connected")
        await wait_for(pilot, lambda: "storyboard" in type_rows(app), what="the new type listed")
        assert set(listed) < set(type_rows(app))
        await wait_for(pilot, lambda: kept(sim) and kept(sim).offer.product("storyboard"), what="the cache updated")


async def test_a_key_refused_since_last_time_takes_the_kept_catalog_away(surface_sim, tmp_path):
    await first_start(surface_sim, tmp_path)
    surface_sim.set_scenario("reject_key")
    app = make_app(surface_sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ConnectScreen) and app.connect_note[0] == "error",
                       timeout=15, what="the connect screen with the refusal")
        assert "was refused" in app.connect_note[1]
        assert app.store.offer is None and app.store.session is None and app.adapter is None
        await wait_for(pilot, lambda: kept(surface_sim) is None, what="the kept offer dropped")
        await wait_for(pilot, lambda: app.screen.query("#api-key"), what="the form, to enter another key")


async def test_keys_that_keep_coming_do_not_hold_the_connect_and_the_footer_off(sim, tmp_path):
    """With the kept catalog on screen, the connect and the start-up's other steps wait for a pause in the keys
    (kgp_tui.app.KEYS_FIRST), so a key typed at once is answered at once; but ↓/↑ held down without a pause (a key
    repeat) must not keep the app from connecting: they run within KEYS_FIRST_AT_MOST of the first frame anyway."""
    import asyncio
    import time

    from support import patience
    from textual import events

    await first_start(sim, tmp_path)
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.screen.query("#types") and app.screen.query_one("#types").row_count,
                       what="the kept catalog listed")
        deadline = time.monotonic() + patience(8)
        pressed = 0
        while not (app.adapter is not None and app.screen.query("KGPFooter")):
            assert time.monotonic() < deadline, f"still not connected after {pressed} keys without a pause"
            # as a held key arrives: every 20 ms, never the pause the steps wait for (Pilot.press waits for idle)
            app.post_message(events.Key("down" if pressed % 2 == 0 else "up", None))
            pressed += 1
            await asyncio.sleep(0.02)
        assert app.store.session.confirmed
        await pilot.pause()
        assert app.screen.query_one("#types").cursor_row in (0, 1)  # every key was answered on the way


async def test_the_first_frame_written_is_whole_and_lists_the_kept_catalog(surface_sim, tmp_path):
    """Textual lays the first screen out and draws it inside its start-up batch, and writes nothing then: a frame
    drawn there and dropped left the first one written with only what changed after it (a partial update: the voice
    list alone, once the rows came in the first layout). KGPScreen draws nothing inside a batch, so the first frame
    written is the whole screen, with the kept catalog's rows in it."""
    from textual._compositor import LayoutUpdate

    listed = await first_start(surface_sim, tmp_path)
    app = make_app(surface_sim, tmp_path, key=TEST_KEY)
    written: list[tuple[str, list[str]]] = []
    display = app._display  # Textual draws each frame here (Textual is pinned); in a batch it writes nothing

    def drawn(screen, renderable):
        if renderable is not None and not app._batch_count:
            rows = screen.query("#types").first().type_ids() if screen.query("#types") else []
            written.append((type(renderable).__name__, rows))
        display(screen, renderable)

    app._display = drawn
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: written, what="a first frame written")
        kind, rows = written[0]
        assert kind == LayoutUpdate.__name__, f"the first frame written was a {kind}, not the whole screen"
        assert rows == listed


async def test_the_voice_list_made_after_the_first_frame_filters_the_voices_by_language(sim, tmp_path):
    """The voice-language Select is made once the first frame is out (its text stands in for it until then); picked
    by keys, it narrows the voices shown to that language's."""
    from textual.widgets import Select

    await first_start(sim, tmp_path)
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.screen.query("#types") and app.screen.query_one("#types").row_count,
                       what="the kept catalog listed")
        select = await wait_for(pilot, lambda: app.screen.query("#voice-language") and
                                app.screen.query_one("#voice-language", Select), what="the voice list made")
        assert not app.screen.query("#voice-language-placeholder")
        assert "Greta" in static_text(app, "#type-resources") and "Maple" in static_text(app, "#type-resources")
        await tab_to(pilot, "#voice-language", most=8)
        await pilot.press("enter")  # opens the list: all languages, then each language in the catalog's order
        await wait_for(pilot, lambda: select.expanded, what="the open voice list")
        german = next(i for i, (label, _) in enumerate(select._options) if "Deutsch" in str(label))
        await pilot.press(*["down"] * german, "enter")
        await wait_for(pilot, lambda: select.value == "de", what=f"German chosen, not {select.value!r}")
        resources = await wait_for(pilot, lambda: "Maple" not in static_text(app, "#type-resources") and
                                   static_text(app, "#type-resources"), what="the voices narrowed")
        assert "Greta" in resources

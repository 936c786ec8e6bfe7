"""The app on both KPainter surfaces (v1 catalog/jobs, unified creations), driven by keys against the simulator.

Every flow here runs once per surface (the `surface_sim` fixture); what only one surface has is tested apart.
"""

from __future__ import annotations

import pytest
from support import TEST_KEY
from support.app import (
    SIZE,
    FakeClock,
    connected_app_on_catalog,
    make_app,
    make_config,
    open_type,
    paste,
    screen_text,
    static_text,
    wait_for,
)

from kgp_tui.config import Connection
from kgp_tui.screens.creation import CreationScreen
from kgp_tui.screens.jobs import JobsScreen

# A product each surface offers, and the status its finished creation reaches.
PRODUCT = {"v1": "slides_video", "unified": "app"}
DONE = {"v1": "succeeded", "unified": "ready"}


def requests(sim) -> list[tuple[str, str]]:
    return [(method, path.split("?")[0]) for method, path, _status in sim.request_log]


async def create_from_form(pilot, sim, prompt: str, scenario: str | None = None) -> JobsScreen:
    app = pilot.app
    await connected_app_on_catalog(pilot)
    await open_type(pilot, PRODUCT[sim.surface])
    if scenario:
        sim.set_scenario(scenario)  # from the submit on: the form was built from a plain catalog
    await paste(pilot, prompt)
    await pilot.press("ctrl+s")
    return await wait_for(pilot, lambda: isinstance(app.screen, JobsScreen) and app.screen, what="jobs")


async def test_the_status_bar_names_the_surface(surface_sim, tmp_path):
    app = make_app(surface_sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        assert app.store.session.surface == surface_sim.surface == app.adapter.name
        assert f"({surface_sim.surface})" in static_text(app, "#status-bar")


@pytest.mark.parametrize("surface", ["v1", "unified"])
async def test_the_status_bar_counts_what_runs_in_this_surfaces_words_and_the_balance_follows(surface, tmp_path):
    from kgp_tui.simulator import Simulator

    clock = FakeClock()
    with Simulator(api_key=TEST_KEY, step_seconds=1.0, clock=clock, surface=surface) as sim:
        app = make_app(sim, tmp_path, key=TEST_KEY)
        async with app.run_test(size=SIZE) as pilot:
            await create_from_form(pilot, sim, "Counted")
            word = {"v1": "1 active job", "unified": "1 active creation"}[surface]
            await wait_for(pilot, lambda: word in static_text(app, "#status-bar"), what=word)
            before = app.store.session.account.credits
            clock.advance(600)
            tracked = next(iter(app.store.runs.values()))
            await wait_for(pilot, lambda: app.store.runs[tracked.id].run.status == DONE[surface], timeout=20,
                           what="finished")
            await wait_for(pilot, lambda: "active" not in static_text(app, "#status-bar"), what="none active")
            if surface == "unified":  # its creations say what they cost, and the simulator charges it
                spent = app.store.runs[tracked.id].run.actual_credits
                await wait_for(pilot, lambda: f"{before - spent:,} credits" in static_text(app, "#status-bar"),
                               what="the balance after the charge")


async def test_the_catalog_lists_what_this_server_can_make(surface_sim, tmp_path):
    app = make_app(surface_sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        table = app.screen.query_one("#types")
        assert table.row_count == len(app.store.offer.products) >= 3
        await open_type(pilot, PRODUCT[surface_sim.surface])
        preview = static_text(app, "#create-preview")
        assert f'"type": "{PRODUCT[surface_sim.surface]}"' in preview


async def test_create_watch_to_the_end_and_open_the_result(surface_sim, tmp_path):
    app = make_app(surface_sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await create_from_form(pilot, surface_sim, "Explain tides")
        tracked = next(iter(app.store.runs.values()))
        assert isinstance(tracked.id, str) and isinstance(tracked.creation_id, str)
        done = DONE[surface_sim.surface]
        await wait_for(pilot, lambda: tracked.run.status == done or app.store.runs[tracked.id].run.status == done,
                       timeout=15, what=done)
        await wait_for(pilot, lambda: tracked.creation_id in app.store.creations
                       and app.store.creations[tracked.creation_id].status == "ready", timeout=15, what="loaded")
        assert tracked.id not in app.poller.active
        await pilot.press("enter")
        detail = await wait_for(pilot, lambda: isinstance(app.screen, CreationScreen) and app.screen, what="detail")
        await wait_for(pilot, lambda: app.store.creations[tracked.creation_id].results, timeout=10,
                       what="artifacts or outputs")
        shown = screen_text(app)
        assert f"#{tracked.creation_id}" in shown
        first = app.store.creations[tracked.creation_id].results[0]
        assert (first.label or first.kind or "") in shown  # v1 artifacts, unified outputs, in the same table
        assert detail.query_one("#scenes").display == (surface_sim.surface == "v1")


async def test_history_lists_past_creations_and_opens_one(surface_sim, tmp_path):
    ids = [str(i) for i in surface_sim.seed_creations(12)]
    app = make_app(surface_sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        await pilot.press("f6")
        screen = await wait_for(pilot, lambda: app.screen.query("#history-table") and app.screen.rows
                                and app.screen, what="history rows")
        assert {row.creation_id for row in screen.rows} == set(ids)
        rows = screen.query_one("#history-table")
        shown = "\n".join(rows.render_line(y).text for y in range(1, 13))
        assert all(f" {i} " in shown for i in ids), shown  # whole ids (unified: cr_8001b…), never cut
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CreationScreen), what="creation")
        assert app.screen.creation_id == screen.rows[0].creation_id


async def test_a_status_filter_the_unified_list_lacks_is_applied_here_and_said(surface_sim, tmp_path):
    surface_sim.seed_creations(12)
    app = make_app(surface_sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        await pilot.press("f6")
        screen = await wait_for(pilot, lambda: app.screen.query("#history-table") and app.screen.rows
                                and app.screen, what="history rows")
        screen._set_query(screen.query_state._replace(status="failed"))
        await wait_for(pilot, lambda: screen.fetching is None and screen.rows
                       and all(r.status == "failed" for r in screen.rows), what="only failed rows")
        sent = [path for method, path, _ in surface_sim.request_log if path.startswith("/openapi/v1/creations?")
                or path.startswith("/creations?")]
        summary = static_text(app, "#history-summary")
        if surface_sim.surface == "unified":
            assert not any("status=" in path for path in sent)  # the unified list has no status filter
            assert "filtered here" in summary
        else:
            assert any("status=failed" in path for path in sent) and "filtered here" not in summary


@pytest.mark.parametrize("surface", ["v1", "unified"])
async def test_polls_ride_out_a_server_error_on_either_surface(surface, tmp_path):
    from kgp_tui.simulator import Simulator

    clock = FakeClock()  # the run moves only when the test says: it cannot end before the fault is seen
    with Simulator(api_key=TEST_KEY, step_seconds=1.0, clock=clock, surface=surface) as sim:
        app = make_app(sim, tmp_path, key=TEST_KEY)
        async with app.run_test(size=SIZE) as pilot:
            await create_from_form(pilot, sim, "Faults")
            tracked = next(iter(app.store.runs.values()))
            sim.set_scenario("server_error")
            await wait_for(pilot, lambda: not app.store.poll.ok, timeout=10, what="polls failing")
            assert "reconnecting" in static_text(app, "#status-bar")
            sim.set_scenario("default")
            clock.advance(600)
            await wait_for(pilot, lambda: app.store.runs[tracked.id].run.status == DONE[surface], timeout=20,
                           what="finished")
            # recovered, the run never dropped: the round's health is posted just after its replies, so wait for it
            await wait_for(pilot, lambda: app.store.poll.ok, what="polls healthy again")
            assert "reconnecting" not in static_text(app, "#status-bar")


async def test_hostile_server_text_is_shown_literally_on_either_surface(surface_sim, tmp_path):
    app = make_app(surface_sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await create_from_form(pilot, surface_sim, "Hostile", scenario="hostile_text")
        tracked = next(iter(app.store.runs.values()))
        await wait_for(pilot, lambda: app.store.runs[tracked.id].run.stops_polling, timeout=15, what="ended")
        shown = screen_text(app)
        assert "\x1b" not in shown and "\x07" not in shown  # no terminal escape reaches the screen


async def test_runs_survive_a_restart_on_either_surface(surface_sim, tmp_path, isolated_dirs):
    surface_sim.step_seconds = 30.0  # still running when the app quits
    app = make_app(surface_sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await create_from_form(pilot, surface_sim, "Kept on disk")
        run_id = next(iter(app.store.runs))
        await pilot.pause(0.8)  # the state file is written at most every 0.5 s
    app2 = make_app(surface_sim, tmp_path, key=TEST_KEY)
    async with app2.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: run_id in app2.store.runs, timeout=10, what="restored from disk")
        await wait_for(pilot, lambda: run_id in app2.poller.active, timeout=10, what="polling resumed")
        assert app2.store.runs[run_id].run.surface == surface_sim.surface


async def test_the_key_is_never_on_screen_on_either_surface(surface_sim, tmp_path):
    app = make_app(surface_sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await create_from_form(pilot, surface_sim, "Secrets")
        seen = [screen_text(app)]
        await pilot.press("f4")
        await wait_for(pilot, lambda: app.screen.query("#session-info"), what="connect screen")
        seen.append(screen_text(app))
        assert not [text for text in seen if TEST_KEY in text]
        assert app.adapter.key_prefix in seen[-1]


async def test_a_paused_unified_creation_stops_polling_and_says_it_needs_the_user(tmp_path):
    from kgp_tui.simulator import Simulator

    with Simulator(api_key=TEST_KEY, port=0, step_seconds=0.05, surface="unified") as sim:
        sim.set_scenario("credits_run_out")
        app = make_app(sim, tmp_path, key=TEST_KEY)
        async with app.run_test(size=SIZE) as pilot:
            screen = await create_from_form(pilot, sim, "Pauses")
            tracked = next(iter(app.store.runs.values()))
            await wait_for(pilot, lambda: app.store.runs[tracked.id].run.status == "paused", timeout=15,
                           what="paused")
            run = app.store.runs[tracked.id].run
            assert run.needs_user and tracked.id not in app.poller.active and run.available_actions
            polls = sum(1 for _m, p, _s in sim.request_log if p.endswith(f"/creations/{tracked.id}"))
            await pilot.pause(0.5)
            assert sum(1 for _m, p, _s in sim.request_log if p.endswith(f"/creations/{tracked.id}")) <= polls + 1
            row = screen.query_one("#jobs-table").get_row_at(0)
            assert any("needs you" in str(getattr(cell, "plain", cell)) for cell in row)
            assert any("needs you" in n.message.lower() or "It needs you" in n.message for n in app._notifications)


# -- finding the surface at connect ----------------------------------------------------------------------------

async def test_connect_finds_the_surface_a_server_speaks(surface_sim, tmp_path):
    app = make_app(surface_sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        asked = requests(surface_sim)
        assert asked[0][1].endswith("/capabilities")  # §5: capabilities first
        if surface_sim.surface == "v1":
            assert [p.rsplit("/", 1)[-1] for _m, p in asked[1:3]] == ["me", "catalog"]
        else:
            assert not any(p.endswith(("/me", "/catalog")) for _m, p in asked)


async def test_a_refused_key_is_said_on_either_surface(surface_sim, tmp_path):
    app = make_app(surface_sim, tmp_path, key="kgp_live_wrong_key_000000")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.connect_note[0] == "error", timeout=10, what="refused")
        assert "was refused" in app.connect_note[1] and app.adapter is None
        assert "kgp_live_wrong_key_000000" not in app.connect_note[1]


async def test_a_forced_surface_is_used_without_asking(surface_sim, tmp_path):
    config = make_config(tmp_path)
    config.surface = surface_sim.surface
    from kgp_tui.app import KGPApp

    app = KGPApp(config=config, connection=Connection(surface_sim.base_url, TEST_KEY, "test"))
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        assert app.store.session.surface == surface_sim.surface
        if surface_sim.surface == "v1":  # no detection round trip: /capabilities is never asked
            assert not any(p.endswith("/capabilities") for _m, p in requests(surface_sim))


async def test_a_surface_forced_wrongly_says_so(tmp_path):
    from kgp_tui.app import KGPApp
    from kgp_tui.simulator import Simulator

    with Simulator(api_key=TEST_KEY, port=0, surface="v1") as sim:
        config = make_config(tmp_path)
        config.surface = "unified"
        app = KGPApp(config=config, connection=Connection(sim.base_url, TEST_KEY, "test"))
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: app.connect_note[0] == "error", timeout=10, what="refused")
            assert app.adapter is None and "404" in app.connect_note[1]


async def test_the_surface_found_is_remembered_for_the_next_start(tmp_path, isolated_dirs):
    from kgp_tui.simulator import Simulator

    with Simulator(api_key=TEST_KEY, port=0, surface="v1") as sim:
        app = make_app(sim, tmp_path, key=TEST_KEY)
        async with app.run_test(size=SIZE) as pilot:
            await connected_app_on_catalog(pilot)
            await pilot.pause(0.3)
        assert sum(1 for _m, p in requests(sim) if p.endswith("/capabilities")) == 1
        app2 = make_app(sim, tmp_path, key=TEST_KEY)
        async with app2.run_test(size=SIZE) as pilot:
            await connected_app_on_catalog(pilot)
            assert app2.store.session.surface == "v1"
        assert sum(1 for _m, p in requests(sim) if p.endswith("/capabilities")) == 1  # the second start asked none


@pytest.mark.parametrize("surface", ["v1", "unified"])
async def test_the_demo_runs_on_the_surface_asked_for(surface, tmp_path, isolated_dirs):
    from kgp_tui.app import KGPApp

    app = KGPApp(config=make_config(tmp_path), demo=True, surface=surface)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        assert app.simulator.surface == surface and app.store.session.surface == surface
        assert f"({surface})" in static_text(app, "#status-bar")


def test_surface_on_the_command_line_and_in_the_config(tmp_path):
    from kgp_tui.__main__ import build_parser
    from kgp_tui.config import ConfigError, parse_config

    assert build_parser().parse_args(["--demo", "--surface", "unified"]).surface == "unified"
    assert build_parser().parse_args([]).surface is None  # then the config's, else auto
    assert parse_config('surface = "v1"\n', tmp_path / "c.toml").surface == "v1"
    assert parse_config("", tmp_path / "c.toml").surface == "auto"
    with pytest.raises(ConfigError, match="surface must be one of auto, v1, unified"):
        parse_config('surface = "v2"\n', tmp_path / "c.toml")


async def test_the_unified_video_lists_its_templates_and_expression_styles_in_the_catalog(tmp_path):
    from kgp_tui.simulator import Simulator

    with Simulator(api_key=TEST_KEY, port=0, step_seconds=0.05, surface="unified") as sim:
        app = make_app(sim, tmp_path, key=TEST_KEY)
        async with app.run_test(size=SIZE) as pilot:
            await connected_app_on_catalog(pilot)
            video = app.store.offer.product("video")
            names = {s.name: s for s in video.settings}
            template = names["template_id"].choices[0].label
            await wait_for(pilot, lambda: "Templates" in screen_text(app), what="templates listed")
            shown = screen_text(app)
            assert template in shown and "Expression" in shown and "none for this type" not in shown

"""Pilot flow tests: the app driven with keys against the real simulator on loopback. A flow both surfaces have runs
on both (`surface_sim`); v1's own (its catalog's types and limits, its job's twelve steps, scene counts) stays v1."""

from __future__ import annotations

import pytest
from support import TEST_KEY
from support.app import (
    SIZE,
    FakeClock,
    cell,
    connected_app_on_catalog,
    form_on_screen,
    make_app,
    open_type,
    paste,
    screen_text,
    static_text,
    submit_prompt,
    tab_to,
    type_into,
    wait_for,
)

from kgp_tui.screens.catalog import CatalogScreen
from kgp_tui.screens.connect import ConnectScreen
from kgp_tui.screens.create import CreateScreen
from kgp_tui.screens.creation import CreationScreen
from kgp_tui.screens.jobs import JobsScreen

PRODUCT = {"v1": "slides_video", "unified": "app"}  # a type each surface offers, with a short run
DONE = {"v1": "succeeded", "unified": "ready"}


async def test_connect_with_good_key_typed_on_connect_screen(surface_sim, tmp_path):
    sim = surface_sim
    app = make_app(sim, tmp_path, key=None, connect=False)
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, ConnectScreen)
        await type_into(pilot, "#base-url", sim.base_url)
        await type_into(pilot, "#api-key", TEST_KEY)
        assert app.screen.query_one("#api-key").password  # the key is masked
        await pilot.click("#save-profile")
        await pilot.press("ctrl+s")
        await connected_app_on_catalog(pilot)
        status = static_text(app, "#status-bar")
        host = sim.base_url.split("://")[1].split("/")[0]
        assert host in status
        assert TEST_KEY not in status and TEST_KEY[:13] in status  # prefix only
        assert "credits" in status
        await pilot.press("f4")
        text = screen_text(app)
        assert "Can create yes" in " ".join(text.split())
        assert TEST_KEY not in text
        saved = (tmp_path / "config.toml").read_text()
        assert TEST_KEY in saved and sim.base_url in saved  # offered and done: saved as the default profile
        from kgp_tui.logs import REDACTOR

        assert TEST_KEY in REDACTOR.secrets  # a typed key is scrubbed from the log file like one from the config


async def test_connect_with_bad_key_explains_and_does_not_crash(surface_sim, tmp_path):
    sim = surface_sim
    app = make_app(sim, tmp_path, key=None, connect=False)
    async with app.run_test(size=SIZE) as pilot:
        await type_into(pilot, "#base-url", sim.base_url)
        await type_into(pilot, "#api-key", "kgp_live_wrongwrongwrong")
        await pilot.press("enter")
        note = await wait_for(
            pilot, lambda: "refused" in static_text(app, "#connect-note") and static_text(app, "#connect-note"),
            what="refusal message",
        )
        assert "API Key page" in note
        assert "kgp_live_wrongwrongwrong" not in note  # only the prefix is shown
        assert isinstance(app.screen, ConnectScreen)
        assert app.store.session is None
        # an empty key is explained, not sent
        await type_into(pilot, "#api-key", "")
        await pilot.press("enter")
        assert "Enter your API key" in static_text(app, "#connect-note")


async def test_unreachable_server_is_explained(tmp_path):
    from support.app import make_config

    from kgp_tui.app import KGPApp
    from kgp_tui.config import Connection

    conn = Connection(base_url="http://127.0.0.1:9/openapi/v1", api_key=TEST_KEY, profile="t")
    app = KGPApp(config=make_config(tmp_path), connection=conn)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "Could not reach" in static_text(app, "#connect-note"), what="note")
        # the form to fix it comes with the note: built by a worker, so wait for it rather than race it
        base_url = await wait_for(pilot, lambda: app.screen.query("#base-url") and app.screen.query_one("#base-url"),
                                  what="the connect form")
        await wait_for(pilot, lambda: base_url.value == conn.base_url, what="the URL that failed, ready to fix")


async def test_browse_catalog_and_filter(sim, tmp_path):
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        table = app.screen.query_one("#types")
        assert table.row_count == len(app.store.offer.products) >= 7
        first = static_text(app, "#type-info")
        await pilot.press("down")
        # the detail follows in the frame after the cursor's (kgp_tui.screens.catalog, _highlighted)
        second = await wait_for(pilot, lambda: static_text(app, "#type-info") != first and static_text(app, "#type-info"),
                                what="the next type's detail")
        assert "type id:" in second
        # find slides_video and check its limits are shown
        await pilot.press("slash")
        await paste(pilot, "slides")
        await wait_for(pilot, lambda: table.row_count == 1 and "slides_video" in static_text(app, "#type-info"),
                       what="filter")
        info = static_text(app, "#type-info")
        assert "slides_video" in info and "16:9" in info and "Scenes / pages" in info
        assert "update_scene_narration" in info
        resources = static_text(app, "#type-resources")
        assert "Maple" in resources and "Chalkboard" in resources


async def test_create_slides_video_progresses_to_succeeded_and_shows_detail(clocked, tmp_path):
    """The job moves only when the test moves the simulator's clock: every step it takes is seen on screen."""
    from kgp_tui import messages

    sim, clock = clocked
    app = make_app(sim, tmp_path, key=TEST_KEY, clock=clock)
    posted: list[str] = []
    kinds = (messages.Connected, messages.CreateSubmitted, messages.RunUpdated, messages.CreationLoaded)

    def hook(message):
        if isinstance(message, kinds):
            name = type(message).__name__
            if not posted or posted[-1] != name:
                posted.append(name)

    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        await connected_app_on_catalog(pilot)
        await open_type(pilot, "slides_video")
        preview = static_text(app, "#create-preview")
        assert '"type": "slides_video"' in preview and '"scene_count": 6' in preview
        await submit_prompt(pilot, "Explain attention")
        table = app.screen.query_one("#jobs-table")
        assert table.row_count == 1  # the job appears at once
        tracked = next(iter(app.store.runs.values()))
        assert tracked.title == "Explain attention"  # the prompt names the job until the creation is loaded
        assert any("Creation #101 started" in n.message for n in app._notifications)

        def progress() -> int:
            return int(cell(table, "progress").split()[-1].rstrip("%"))

        assert "queued" in cell(table, "status") and progress() == 0
        shown = [0]
        while "succeeded" not in cell(table, "status"):
            clock.advance(sim.step_seconds)  # one step of the job: its progress goes up on the next poll
            shown.append(await wait_for(pilot, lambda: progress() > shown[-1] and progress(),
                                        what=f"progress above {shown[-1]}%"))
        assert len(shown) == 12 + 1 and shown[-1] == 100, shown  # each of its 12 steps was seen, then 100%
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CreationScreen), what="creation screen")
        await wait_for(pilot, lambda: "http" in static_text(app, "#creation-info"), what="main_url")
        info = static_text(app, "#creation-info")
        creation = app.store.creations[app.screen.creation_id]
        assert creation.main_url in info
        assert app.screen.query_one("#artifacts").row_count == len(creation.results) > 0
        assert app.screen.query_one("#scenes").row_count == len(creation.scenes) == 6
        narration = static_text(app, "#narration")
        assert creation.scenes[0].narration[:20] in narration
        await pilot.press("down")
        assert creation.scenes[1].narration[:20] in static_text(app, "#narration")
        await pilot.press("y")
        assert app.clipboard == creation.main_url
        assert any("Copied the main URL" in n.message for n in app._notifications)
        await pilot.press("shift+tab")  # to the artifacts table
        assert app.screen.focused.id == "artifacts"
        await pilot.press("y")
        assert app.clipboard == creation.results[0].url
        await pilot.press("escape")
        assert isinstance(app.screen, JobsScreen)
    # worker → message → store: the documented flow, in order (polls repeat, so runs are collapsed)
    assert posted[:3] == ["Connected", "CreateSubmitted", "RunUpdated"]
    assert "CreationLoaded" in posted[3:]


async def test_failing_job_shows_its_error(surface_sim, tmp_path):
    sim = surface_sim
    sim.set_scenario("job_failure")
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        await open_type(pilot, PRODUCT[sim.surface])
        await submit_prompt(pilot, "This will fail")
        table = app.screen.query_one("#jobs-table")
        await wait_for(pilot, lambda: "failed" in cell(table, "status"), timeout=15, what="failed")
        job = next(iter(app.store.runs.values())).run
        # why: v1 sends an error; a unified creation its result code
        reason = job.error.message if sim.surface == "v1" else job.result_code
        assert reason
        detail = static_text(app, "#job-detail")
        assert reason[:30] in detail and "✖ failed" in detail
        assert sim.surface != "v1" or "Error" in detail
        # one notification for the state change, saying why
        failures = [n for n in app._notifications if "failed" in n.message]
        assert len(failures) == 1 and reason[:30] in failures[0].message


async def test_read_only_key_cannot_reach_submit(surface_sim, tmp_path):
    sim = surface_sim
    app = make_app(sim, tmp_path, key=sim.readonly_key)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        assert "read-only" in static_text(app, "#status-bar")
        before = sim.request_count
        await open_type(pilot, PRODUCT[sim.surface])
        assert "read-only" in static_text(app, "#create-blocked")
        assert not app.screen.query("#submit")
        assert not app.screen.query("#field-prompt")
        await pilot.press("ctrl+s")
        await pilot.pause(0.2)
        assert not app.store.runs
        assert sim.request_count == before  # nothing was sent


async def test_unknown_content_type_gets_a_working_form(sim, tmp_path):
    sim.set_scenario("extra_type")
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        assert app.store.offer.product("storyboard") is not None
        screen = await open_type(pilot, "storyboard")
        assert set(screen.specs) == {"prompt", "language", "aspect_ratio", "scene_count", "style_id"}
        preview = static_text(app, "#create-preview")
        assert '"type": "storyboard"' in preview and '"scene_count": 4' in preview
        # out-of-range value flagged next to its field, nothing sent
        await type_into(pilot, "#field-scene_count", "99")
        await pilot.press("ctrl+s")
        assert "✖" in static_text(app, "#field-scene_count-error")
        assert "✖" in static_text(app, "#field-prompt-error")  # required, after a submit attempt
        assert not app.store.runs
        assert app.screen.focused is app.screen.query_one("#field-prompt")  # focus goes to the first bad field
        await paste(pilot, "Plan a shoot")  # into the prompt, which has the focus
        await tab_to(pilot, "#field-scene_count")
        await pilot.press("ctrl+a", "ctrl+k", "3")
        field = app.screen.query_one("#field-scene_count")
        await wait_for(pilot, lambda: field.value == "3", what=f"scene count 3, not {field.value!r}")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, JobsScreen), what="jobs")
        tracked = next(iter(app.store.runs.values()))
        assert tracked.type_name == "storyboard"


async def test_draft_is_kept_when_leaving_the_form(surface_sim, tmp_path):
    sim = surface_sim
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        await open_type(pilot, {"v1": "slide_deck", "unified": "image"}[sim.surface])
        await pilot.press(*list("My deck"))
        await pilot.press("escape")  # leaves the form, even from inside the text area
        assert isinstance(app.screen, CatalogScreen)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CreateScreen), what="form again")
        assert app.screen.query_one("#field-prompt").text == "My deck"


@pytest.mark.parametrize("surface", ["v1", "unified"])
async def test_jobs_table_updates_in_place_and_keeps_the_cursor(surface, tmp_path):
    from kgp_tui.simulator import Simulator

    clock = FakeClock()  # the runs move a step at a time when the test says, so each step is seen on screen
    with Simulator(api_key=TEST_KEY, step_seconds=1.0, clock=clock, surface=surface) as sim:
        app = make_app(sim, tmp_path, key=TEST_KEY)
        async with app.run_test(size=SIZE) as pilot:
            await connected_app_on_catalog(pilot)
            # this test is about the table, so the two runs are started the way the form's submit starts them
            for prompt in ("First video", "Second video"):
                product = app.store.offer.product(PRODUCT[surface])
                app.submit_create(product.type, {**product.defaults(), "prompt": prompt})
                await wait_for(pilot, lambda p=prompt: any(t.title == p for t in app.store.runs.values()), what=prompt)
            await wait_for(pilot, lambda: isinstance(app.screen, JobsScreen), what="jobs")
            table = app.screen.query_one("#jobs-table")
            cleared = []
            original_clear = table.clear
            table.clear = lambda *a, **k: cleared.append(1) or original_clear(*a, **k)
            await pilot.press("up")
            assert table.cursor_row == 0
            seen = [cell(table, "progress", 1)]
            for _ in range(60):
                if all(t.run.status == DONE[surface] for t in app.store.runs.values()):
                    break
                clock.advance(1.0)
                before = seen[-1]
                await wait_for(pilot, lambda b=before: cell(table, "progress", 1) != b
                               or all(t.run.status == DONE[surface] for t in app.store.runs.values()),
                               what="the row below the cursor moves")
                seen.append(cell(table, "progress", 1))
            await wait_for(pilot, lambda: all(t.run.status == DONE[surface] for t in app.store.runs.values()),
                           what="both done")
            assert table.cursor_row == 0 and table.row_count == 2
            assert not cleared  # rows were updated cell by cell, never rebuilt
            assert len(set(seen)) >= 3  # the other row visibly progressed while the cursor stayed put
            done = [n for n in app._notifications if DONE[surface] in n.message]
            assert len(done) == 2  # one notification per run state change, not one per poll


async def test_malformed_or_cleartext_base_url_is_refused_before_sending(sim, tmp_path):
    app = make_app(sim, tmp_path, key=None, connect=False)
    async with app.run_test(size=SIZE) as pilot:
        before = sim.request_count
        await type_into(pilot, "#api-key", TEST_KEY)
        for url, expected in (("api.kpainter.ai/openapi/v1", "is not an http(s) URL"),
                              ("http://api.example.com/openapi/v1", "clear text")):
            await type_into(pilot, "#base-url", url)
            await pilot.press("enter")
            note = static_text(app, "#connect-note")
            assert "Base URL" in note and expected in note
            assert app.screen.focused is app.screen.query_one("#base-url")  # back where the fix is made
        assert sim.request_count == before  # nothing was sent
        assert isinstance(app.screen, ConnectScreen)


async def test_base_url_without_the_api_path_is_explained(surface_sim, tmp_path):
    sim = surface_sim
    app = make_app(sim, tmp_path, key=None, connect=False)
    async with app.run_test(size=SIZE) as pilot:
        await type_into(pilot, "#api-key", TEST_KEY)
        await type_into(pilot, "#base-url", sim.base_url.removesuffix("/openapi/v1"))
        await pilot.press("enter")
        note = await wait_for(pilot, lambda: "404" in static_text(app, "#connect-note") and static_text(
            app, "#connect-note"), what="404 explained")
        assert "no KGP API there" in note and "/openapi/v1" in note
        assert "creation or job" not in note  # not the generic 404 hint


async def test_typing_on_the_type_list_filters_it_without_losing_letters(surface_sim, tmp_path):
    """A burst of keys (a fast typist, or tmux send-keys) arrives before a focus change takes effect."""
    sim = surface_sim
    from textual import events


    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        table = app.screen.query_one("#types")
        word = {"v1": "slides", "unified": "explainer"}[sim.surface]  # one type's name on each
        for burst in ("/" + word, word):  # with the filter key, and typed straight at the list
            await pilot.press("escape")
            assert app.screen.focused is table and app.screen.query_one("#type-filter").value == ""
            for char in burst:  # as the terminal driver delivers them: all queued at once
                app.post_message(events.Key("slash" if char == "/" else char, char))
            await wait_for(pilot, lambda: app.screen.query_one("#type-filter").value == word
                           and table.row_count == 1, what="every letter in the filter, one type left")
        await pilot.press("enter", "enter")
        screen = await wait_for(pilot, lambda: form_on_screen(app), what="form")
        assert screen.type_name == {"v1": "slides_video", "unified": "video"}[sim.surface]

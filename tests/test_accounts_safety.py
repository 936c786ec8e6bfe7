"""Accounts and safety (issue 11, items 1-3): whose local state a key sees, where a typed key goes, file modes.

Driven with keys against the real simulator on loopback; file modes checked on real files in `isolated_dirs`.
"""

from __future__ import annotations

from support import TEST_KEY
from support.app import (
    SIZE,
    connected_app_on_catalog,
    make_app,
    open_type,
    paste,
    static_text,
    type_into,
    wait_for,
)

from kgp_tui.api.redact import key_prefix
from kgp_tui.screens.jobs import JobsScreen

# The simulator's no-credit key: another account whose key shows the same prefix as TEST_KEY's.
OTHER_KEY = TEST_KEY + "_nocredit"


def restores(app) -> list[str]:
    """Record the profile of every StateRestored the app receives (read from disk, about to be applied)."""
    seen: list[str] = []
    original = app.persistence.apply

    def apply(message):
        original(message)
        seen.append(message.profile)

    app.persistence.apply = apply
    return seen


async def reconnect(pilot, key: str) -> None:
    """F4, type another key into the connect form, ctrl+s; ends back on the catalog as that key's account."""
    app = pilot.app
    await pilot.press("f4")
    await wait_for(pilot, lambda: app.screen.query("#api-key"), what="the connect form")
    await type_into(pilot, "#api-key", key)
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: app.store.session and app.adapter and app.adapter.key_prefix == key_prefix(key)
                   and app.current_mode == "catalog", what="connected with the other key")


async def test_two_keys_sharing_a_prefix_see_only_their_own_jobs_drafts_and_recent(sim, tmp_path, isolated_dirs):
    assert key_prefix(OTHER_KEY) == key_prefix(TEST_KEY)  # the case: the prefix cannot tell these accounts apart
    app = make_app(sim, tmp_path, key=TEST_KEY)
    seen = restores(app)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        await wait_for(pilot, lambda: seen, what="the first account's state read")
        await open_type(pilot, "slides_video")
        await paste(pilot, "Alpha's own job")
        await pilot.press("ctrl+s")
        screen = await wait_for(pilot, lambda: isinstance(app.screen, JobsScreen) and app.screen, what="jobs")
        table = screen.query_one("#jobs-table")
        await wait_for(pilot, lambda: table.row_count == 1, what="alpha's job row")
        await pilot.press("enter")  # opens the creation: it becomes "recently viewed"
        await wait_for(pilot, lambda: app.persistence.recent, what="recently viewed")
        await pilot.press("escape", "f2")
        await open_type(pilot, "explainer_video")
        await paste(pilot, "Alpha's unsent draft")
        await wait_for(pilot, lambda: "Alpha" in str(app.store.drafts.get("explainer_video")), what="draft")
        await pilot.press("escape")
        app.persistence.flush()

        await reconnect(pilot, OTHER_KEY)
        await wait_for(pilot, lambda: len(seen) == 2, what="the other account's state read")
        await pilot.press("f3")
        table = app.screen.query_one("#jobs-table")
        await wait_for(pilot, lambda: app.screen.query_one("#jobs-empty").display, what="an empty jobs list")
        assert table.row_count == 0
        assert "Alpha" not in str(app.store.drafts) and app.persistence.recent == []
        await pilot.press("f2")
        await open_type(pilot, "explainer_video")
        await paste(pilot, "Beta's draft")
        await wait_for(pilot, lambda: "Beta" in str(app.store.drafts.get("explainer_video")), what="beta draft")
        await pilot.press("ctrl+q")

    app = make_app(sim, tmp_path, key=TEST_KEY)  # the first account again, in a new run: all of its own is back
    seen = restores(app)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        await wait_for(pilot, lambda: seen, what="restored")
        await pilot.press("f3")
        table = app.screen.query_one("#jobs-table")
        await wait_for(pilot, lambda: table.row_count == 1, what="alpha's job back")
        drafts = str(app.store.drafts)
        assert "Alpha's unsent draft" in drafts and "Beta" not in drafts
        assert len(app.persistence.recent) == 1

    app = make_app(sim, tmp_path, key=OTHER_KEY)  # and the other account, started with its key: only its draft
    seen = restores(app)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        await wait_for(pilot, lambda: seen, what="restored")
        assert "Beta's draft" in str(app.store.drafts) and "Alpha" not in str(app.store.drafts)
        assert app.store.runs == {} and app.persistence.recent == []


async def test_a_v2_state_file_is_adopted_by_the_first_key_that_connects_and_not_by_the_next(
        sim, tmp_path, isolated_dirs, monkeypatch):
    from kgp_tui import persist

    job_id = sim.seed_jobs(1)[0]
    with monkeypatch.context() as patch:  # only this: undo() would also drop isolated_dirs' environment
        patch.setattr(persist, "MIGRATIONS", persist.MIGRATIONS[:2])  # kgp-tui as it was at schema v2
        db = persist.LocalStore.open()
        assert str(isolated_dirs) in str(db.path)
        row = {"job_id": job_id, "status": "running", "title": "Kept by v2", "data": {"job_id": job_id}}
        db.save(f"{sim.base_url}|{key_prefix(TEST_KEY)}", jobs=[row], drafts=[("image", {"prompt": "v2 draft"})])
        db.close()

    app = make_app(sim, tmp_path, key=TEST_KEY)
    seen = restores(app)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        await wait_for(pilot, lambda: seen, what="restored")
        await pilot.press("f3")
        table = app.screen.query_one("#jobs-table")
        await wait_for(pilot, lambda: table.row_count == 1, what="the v2 job, adopted")
        assert list(app.store.runs) == [str(job_id)] and "v2 draft" in str(app.store.drafts)

    app = make_app(sim, tmp_path, key=OTHER_KEY)  # the same prefix, the next key: the rows were taken once
    seen = restores(app)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        await wait_for(pilot, lambda: seen, what="restored")
        assert app.store.runs == {} and app.store.drafts == {}


# -- where a typed key goes (item 2) -------------------------------------------------------------------------------

def config_with(tmp_path, env: dict | None = None, **profiles: str):
    from kgp_tui.config import Config, Profile

    config = Config(path=tmp_path / "config.toml", poll_interval=0.1, request_timeout=5.0, env=env or {})
    for name, base_url in profiles.items():
        config.profiles[name] = Profile(name=name, base_url=base_url)
    if profiles:
        config.default_profile = next(iter(profiles))
    return config


def form_app(config):
    from kgp_tui.app import KGPApp

    return KGPApp(config=config, connection=config.connection())


def destination(app) -> str:
    return static_text(app, "#key-destination")


async def test_with_kgp_base_url_and_no_key_the_form_starts_there_and_says_where_the_key_goes(sim, tmp_path):
    host = sim.base_url.split("://")[1].split("/")[0]
    app = form_app(config_with(tmp_path, env={"KGP_BASE_URL": sim.base_url}))
    assert app.initial_connection is None  # no key: the user types it on the connect screen
    async with app.run_test(size=SIZE) as pilot:
        base_url = await wait_for(pilot, lambda: app.screen.query("#base-url") and app.screen.query_one("#base-url"),
                                  what="the connect form")
        assert base_url.value == sim.base_url  # not the default real server
        assert destination(app) == f"Your key will be sent to {host} over plain http (this computer)."
        await type_into(pilot, "#base-url", "https://kgp.example.com/openapi/v1")
        await wait_for(pilot, lambda: "kgp.example.com." in destination(app), what="the note follows the edit")
        assert destination(app) == "Your key will be sent to kgp.example.com."
        await type_into(pilot, "#base-url", "ftp://kgp.example.com")
        await wait_for(pilot, lambda: "will not be sent" in destination(app), what="an unusable URL explained")
        await type_into(pilot, "#base-url", "")  # an empty field means the effective URL, not the default server
        await wait_for(pilot, lambda: host in destination(app), what="back to KGP_BASE_URL's host")
        await type_into(pilot, "#api-key", TEST_KEY)
        await pilot.press("ctrl+s")
        await connected_app_on_catalog(pilot)
        assert app.store.session.base_url == sim.base_url


async def test_the_form_starts_from_the_chosen_profiles_server(sim, tmp_path):
    host = sim.base_url.split("://")[1].split("/")[0]
    config = config_with(tmp_path, other="https://other.example.com/openapi/v1", work=sim.base_url)
    config.chosen_profile = "work"  # kgp-tui --profile work, whose profile has no key
    app = form_app(config)
    async with app.run_test(size=SIZE) as pilot:
        base_url = await wait_for(pilot, lambda: app.screen.query("#base-url") and app.screen.query_one("#base-url"),
                                  what="the connect form")
        assert base_url.value == sim.base_url and host in destination(app)


async def test_while_connect_retries_the_screen_says_it_is_retrying(sim, tmp_path):
    sim.set_scenario("rate_limit", times=1, retry_after=4)  # /me answers 429 once; the client waits, then retries
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        note = await wait_for(pilot, lambda: "retrying" in static_text(app, "#connect-note")
                              and static_text(app, "#connect-note"), what="the retrying note")
        assert "asks to slow down (HTTP 429): retrying in 4 s (retry 1 of 2)" in note
        await connected_app_on_catalog(pilot)
        assert app.adapter.client.on_retry is None  # later retries are not reported as connect retries
        assert app.connect_note[0] == "ok"

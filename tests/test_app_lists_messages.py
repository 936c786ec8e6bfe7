"""Messages on screen (issue 11 item 16): each said once, worded for its cause, with the key that helps."""

from __future__ import annotations

from support import TEST_KEY
from support.app import connected_app_on_catalog, make_app, open_type, paste, static_text, submit_prompt, wait_for

SIZE = (120, 40)


def status_bar(app) -> str:
    return static_text(app, "#status-bar")


async def test_the_status_bar_during_backoff_says_f5_retries_now_and_f5_does(sim, tmp_path):
    sim.step_seconds = 5.0  # the job runs while the server misbehaves
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        await open_type(pilot, "slides_video")
        await submit_prompt(pilot, "Keep polling")
        sim.set_scenario("server_error", path="/creations/jobs", times=2)
        shown = await wait_for(pilot, lambda: "reconnecting" in status_bar(app) and status_bar(app),
                               what="backoff")
        assert "F5 retries now" in shown, shown
        assert shown.count("F5") == 1
        await wait_for(pilot, lambda: sim._scenario.remaining == 1 or sim._scenario.remaining == 0,
                       what="the first fault used")
        polls = len([p for (_, p, _) in sim.request_log if "/creations/jobs/" in p])
        await pilot.press("f5")  # it does what it says: a poll at once, not at the end of the backoff
        await wait_for(pilot, lambda: len([p for (_, p, _) in sim.request_log if "/creations/jobs/" in p]) > polls,
                       timeout=3, what="a poll right after F5")


async def test_a_rate_limit_pause_does_not_offer_f5(sim, tmp_path):
    sim.step_seconds = 5.0
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        await open_type(pilot, "slides_video")
        await submit_prompt(pilot, "Keep polling")
        sim.set_scenario("rate_limit", retry_after=30, path="/creations/jobs", times=1)
        shown = await wait_for(pilot, lambda: "reconnecting" in status_bar(app) and status_bar(app),
                               what="the 429 pause")
        assert "rate limited" in shown and "F5" not in shown  # F5 cannot shorten the server's pause


async def test_no_credits_on_the_form_gives_its_advice_once(sim, tmp_path):
    app = make_app(sim, tmp_path, key=sim.no_credit_key)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        await open_type(pilot, "image")
        await paste(pilot, "A red fox")
        await pilot.press("ctrl+s")
        result = await wait_for(pilot, lambda: "credits" in static_text(app, "#form-result")
                                and static_text(app, "#form-result"), what="credits message")
        assert result.lower().count("top up") == 1, result
        assert result.count("Nothing was created") == 1, result

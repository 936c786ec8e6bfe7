"""While a given key is being tried, the connect screen says so and does not also say there is no key."""

from __future__ import annotations

from support import TEST_KEY
from support.app import SIZE, make_app, screen_text, wait_for


async def test_while_a_key_is_tried_the_screen_does_not_offer_the_demo_for_want_of_a_key(sim, tmp_path):
    sim.set_scenario("slow", delay=3.0)  # /capabilities and /me take a while: the app is still connecting
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "Connecting to" in screen_text(app), what="connecting note")
        assert "No key yet" not in screen_text(app)
        sim.set_scenario("default")

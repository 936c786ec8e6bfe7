"""PausePanel and ConfirmActionScreen, driven by keys in a tiny harness App, with a real UnifiedAdapter talking HTTP to
a unified simulator on loopback whose clock the test moves: every pause recovered by its action after a
confirmation, Esc sends nothing, a retry after a dropped connection, a timeout or a 5xx resends the same key and the
server acts once, a 409 asks for a reload, and only the advertised actions are offered."""

from __future__ import annotations

import pytest
from rich.text import Text
from support import TEST_KEY
from support.app import wait_for
from support.harness import WidgetHarness
from support.unified_http import VIDEO_BODY, act, detail, ucreate

from kgp_tui.api import domain as d
from kgp_tui.api.errors import Conflict, ConnectionFailed, KGPError, RequestTimeout, ServerError, ValidationFailed
from kgp_tui.api.unified import UnifiedAdapter
from kgp_tui.screens.actions import ConfirmActionScreen, PausePanel, can_resend, pause_text


def Harness(panel: PausePanel) -> WidgetHarness:
    """Mounts one PausePanel and records what it posts; `app.panel` is the panel."""
    app = WidgetHarness(panel, (PausePanel.ActionSent, PausePanel.ReloadRequested))
    app.panel = panel
    return app


@pytest.fixture
def adapter(uclocked_adapter):
    return uclocked_adapter


def action_posts(sim, creation_id):
    return [(p, s) for m, p, s in sim.request_log if m == "POST" and p.endswith(f"/creations/{creation_id}/actions")]


def keys_sent(adapter):
    """Every action body the adapter puts on the wire (the real call still goes out)."""
    sent: list[dict] = []
    real = adapter.client.post

    async def post(path, body):
        if path.endswith("/actions"):
            sent.append(dict(body))
        return await real(path, body)

    adapter.client.post = post
    return sent


async def paused(sim, clock, adapter, scenario):
    sim.set_scenario(scenario, at_step=3)
    creation_id = ucreate(sim, VIDEO_BODY)["creation_id"]
    clock.advance(3)
    creation = await adapter.creation(creation_id)
    assert creation.run is not None and creation.run.needs_user, creation.raw
    sim.set_scenario("default")
    return creation


def panel_text(app) -> str:
    return "\n".join(str(w.render()) if not hasattr(w.render(), "plain") else w.render().plain
                     for w in app.screen.query("Static") if w.display)


def buttons(app) -> list[str]:
    return [str(b.label) for b in app.screen.query("Button") if b.display]


def sent(app):
    return [m for m in app.posted if isinstance(m, PausePanel.ActionSent)]


async def confirm(pilot):
    """From the confirmation: move to the action's button and press Enter on it."""
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, ConfirmActionScreen), what="confirmation")
    await pilot.press("tab")
    assert app.screen.focused.id == "confirm-action-yes"
    await pilot.press("enter")


@pytest.mark.parametrize(("scenario", "key", "action", "words", "costly"), [
    ("credits_run_out", "u", "resume_after_recharge", "your credits ran out", True),
    ("over_budget", "a", "approve_overage", "above this creation's budget", True),
    ("transient_failure", "t", "retry", "temporary failure", False),
])
async def test_each_pause_says_why_and_is_recovered_by_its_action_after_a_confirmation(
        uclocked, adapter, scenario, key, action, words, costly):
    sim, clock = uclocked
    creation = await paused(sim, clock, adapter, scenario)
    app = Harness(PausePanel(creation, adapter=adapter))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        shown = panel_text(app)
        assert words in shown and "KPainter says: " in shown and creation.run.pause.message[:30] in shown
        assert len([b for b in buttons(app) if "Retry sending" not in b]) == 1
        await pilot.press(key)
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmActionScreen), what="confirmation")
        question = panel_text(app)
        assert ("SPENDS MONEY" in question) == costly
        if costly:
            assert f"The estimate is {creation.run.estimated_credits} credits" in question
        assert app.screen.focused.id == "confirm-action-no"  # the safe answer is the default
        await confirm(pilot)
        await wait_for(pilot, lambda: sent(app), what="ActionSent")
        run = sent(app)[0].run
        assert run.action == action and not run.needs_user and run.status == "generating"
        assert "Sent: " in panel_text(app) and not [b for b in buttons(app) if "(" in b and "sending" not in b]
    assert len(action_posts(sim, creation.id)) == 1
    clock.advance(10)
    assert detail(sim, creation.id)["status"] == "ready"


@pytest.mark.parametrize("answer", ["escape", "enter"])
async def test_esc_or_enter_on_the_default_sends_nothing(uclocked, adapter, answer):
    sim, clock = uclocked
    creation = await paused(sim, clock, adapter, "over_budget")
    app = Harness(PausePanel(creation, adapter=adapter))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmActionScreen), what="confirmation")
        await pilot.press(answer)
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmActionScreen), what="back to the panel")
        await pilot.pause()
        assert "Not sent." in panel_text(app) and not sent(app)
    assert action_posts(sim, creation.id) == []
    assert detail(sim, creation.id)["status"] == "paused"


@pytest.mark.parametrize(("fault", "again"), [
    ("drop_connection", "retry button"), ("server_error", "retry button"), ("drop_connection", "same action"),
])
async def test_a_retry_after_a_dropped_connection_or_a_5xx_resends_the_same_key_and_acts_once(
        uclocked, adapter, fault, again):
    sim, clock = uclocked
    creation = await paused(sim, clock, adapter, "credits_run_out")
    wire = keys_sent(adapter)
    sim.set_scenario(fault, path=f"/creations/{creation.id}/actions", times=1)
    app = Harness(PausePanel(creation, adapter=adapter))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("u")
        await confirm(pilot)
        await wait_for(pilot, lambda: "Retry sending (s)" in buttons(app), what="a Retry")
        assert "same key" in panel_text(app) and "Traceback" not in panel_text(app)
        assert detail(sim, creation.id)["status"] == "paused"
        if again == "retry button":
            await pilot.press("s")
        else:  # choosing the same action again is the same intent, not a new one
            await pilot.press("u")
            await confirm(pilot)
        await wait_for(pilot, lambda: sent(app), what="ActionSent after the retry")
        assert "Retry sending (s)" not in buttons(app)
    assert len(wire) == 2 and wire[0] == wire[1], wire
    assert [s for _p, s in action_posts(sim, creation.id)][-1] == 202
    acted = [k for (_owner, k), (cid, _a, _r) in sim._store.replies.items() if cid == creation.id]
    assert acted == [wire[0]["idempotency_key"]]


async def test_a_retry_after_a_timeout_that_did_act_gets_the_same_reply_and_acts_once(uclocked):
    sim, clock = uclocked
    impatient = UnifiedAdapter.open(sim.base_url, TEST_KEY, timeout=0.3)
    try:
        creation = await paused(sim, clock, impatient, "over_budget")
        wire = keys_sent(impatient)
        # the server handles the request after the client gave up: it acted, and the client does not know
        sim.set_scenario("slow", delay=1.5, path=f"/creations/{creation.id}/actions", times=1)
        app = Harness(PausePanel(creation, adapter=impatient))
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("a")
            await confirm(pilot)
            await wait_for(pilot, lambda: "Retry sending (s)" in buttons(app), what="a Retry")
            assert "may have reached the server" in panel_text(app)
            await wait_for(pilot, lambda: detail(sim, creation.id)["status"] != "paused", timeout=10,
                           what="the server acting on the first request")
            await pilot.press("s")
            await wait_for(pilot, lambda: sent(app), what="ActionSent after the retry")
        assert wire[0] == wire[1]
        # a new key would have been refused with 409 (the action is gone): the same key replays the first reply
        assert [s for _p, s in action_posts(sim, creation.id)] == [202, 202]
    finally:
        await impatient.aclose()


async def test_an_action_no_longer_available_says_so_and_asks_for_a_reload(uclocked, adapter):
    sim, clock = uclocked
    creation = await paused(sim, clock, adapter, "transient_failure")
    app = Harness(PausePanel(creation, adapter=adapter))
    async with app.run_test(size=(120, 40)) as pilot:
        assert act(sim, creation.id, "retry").status == 202  # recovered elsewhere (another client)
        await pilot.press("t")
        await confirm(pilot)
        reloads = lambda: [m for m in app.posted if isinstance(m, PausePanel.ReloadRequested)]  # noqa: E731
        await wait_for(pilot, reloads, what="ReloadRequested")
        assert reloads()[0].creation_id == creation.id
        assert "no longer available" in panel_text(app) and "Retry sending (s)" not in buttons(app)
        app.panel.update(await adapter.creation(creation.id))
        await pilot.pause()
        assert "Not paused (status: generating)" in panel_text(app)
        assert not [b for b in buttons(app) if "Retry sending" not in b]
        await pilot.press("t")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmActionScreen)
    assert [s for _p, s in action_posts(sim, creation.id)] == [202, 409]


async def test_an_action_not_advertised_is_not_offered(uclocked, adapter):
    sim, clock = uclocked
    creation = await paused(sim, clock, adapter, "over_budget")
    app = Harness(PausePanel(creation, adapter=adapter))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert [b for b in buttons(app) if "Retry sending" not in b] == ["Approve the overage (a)"]
        footer_keys = {b.binding.id for b in app.screen.active_bindings.values() if b.binding.id}
        assert "actions.approve_overage" in footer_keys
        assert not {"actions.retry", "actions.resume_after_recharge", "actions.resend"} & footer_keys
        for key in ("t", "u", "s"):
            await pilot.press(key)
            await pilot.pause()
            assert not isinstance(app.screen, ConfirmActionScreen), key
    assert action_posts(sim, creation.id) == []


def paused_creation(reason, message="", actions=(), estimate=None, raw=None):
    run = d.Run("unified", "cr_x", "cr_x", status="paused", pause=d.Pause(reason, message),
                available_actions=actions, estimated_credits=estimate)
    return d.Creation("unified", "cr_x", type="video", status="paused", run=run, raw=raw or {})


async def test_an_unknown_reason_and_action_are_shown_as_is_and_server_text_is_data():
    hostile = "[bold red]pay now[/] \x1b]52;c;ZXZpbA==\x07\x1b[31mred"
    creation = paused_creation("gpu_[b]melted[/b]", hostile, ("call_[i]support[/i]",))
    app = Harness(PausePanel(creation))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        shown = panel_text(app)
        assert "Paused: gpu_[b]melted[/b]" in shown
        assert "KPainter says: [bold red]pay now[/] red" in shown and "\x1b" not in shown
        assert "call_[i]support[/i]" in buttons(app)
        await pilot.press("tab")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmActionScreen), what="confirmation")
        assert "it may spend money" in panel_text(app)
        await pilot.press("tab", "enter")  # no adapter: said, nothing raised
        await wait_for(pilot, lambda: "Not connected" in panel_text(app), what="not connected")
        assert "Retry sending (s)" not in buttons(app)


async def test_a_pause_with_no_advertised_action_says_so():
    app = Harness(PausePanel(paused_creation("insufficient_credits")))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert "offers no action" in panel_text(app)
        assert buttons(app) == []


def test_the_pause_text_names_the_estimate_and_budget():
    text = pause_text(paused_creation("over_budget", "Above budget.", ("approve_overage",), 36, {"max_credits": 20}))
    assert isinstance(text, Text)
    assert text.plain.endswith("Estimate: 36 credits · budget (max_credits): 20")


@pytest.mark.parametrize(("error", "again"), [
    (ConnectionFailed("dropped", stage="reply", ambiguous=True), True),
    (RequestTimeout("slow", ambiguous=True), True),
    (ConnectionFailed("refused", stage="connect"), True),
    (ServerError("boom", status=500), True),
    (Conflict("gone", status=409), False),
    (ValidationFailed("bad", status=422), False),
    (KGPError("refused", status=403), False),
    (RuntimeError("internal detail"), True),
])
def test_which_failures_keep_the_intent_for_a_retry(error, again):
    assert can_resend(error) is again


async def test_the_action_keys_follow_the_keymap(uclocked, adapter):
    sim, clock = uclocked
    creation = await paused(sim, clock, adapter, "over_budget")
    app = Harness(PausePanel(creation, adapter=adapter))
    async with app.run_test(size=(120, 40)) as pilot:
        app.set_keymap({"actions.approve_overage": "x"})
        await pilot.pause()
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmActionScreen), what="confirmation by x")
        await pilot.press("escape")
    assert action_posts(sim, creation.id) == []

"""ConversationPane driven by keys in a tiny harness App, with a real UnifiedAdapter talking HTTP to a unified
simulator on loopback whose clock the test moves: a change re-runs the video and its new delivery is marked new, a
question is answered, a rejection says so, a message is only for a ready video, and a retry after a dropped
connection resends the same key so the message is taken once."""

from __future__ import annotations

import pytest
from support import TEST_KEY
from support.app import paste, wait_for
from support.harness import WidgetHarness
from support.unified_http import APP_BODY, VIDEO_BODY, ucreate
from textual.widgets import TextArea

from kgp_tui.api import domain as d
from kgp_tui.api.unified import UnifiedAdapter
from kgp_tui.widgets.conversation import ConversationPane, compose_refusal, delivery_mark, message_text


def Harness(pane: ConversationPane) -> WidgetHarness:
    """Mounts one ConversationPane, its text box focused, and records what it posts; `app.pane` is the pane."""
    app = WidgetHarness(pane, (ConversationPane.MessageSent, ConversationPane.DeliveryChanged),
                        focus=lambda widget: widget.query_one(TextArea))
    app.pane = pane
    return app


@pytest.fixture
def adapter(uclocked_adapter):
    return uclocked_adapter


async def ready_video(sim, clock, adapter, body=VIDEO_BODY):
    creation_id = ucreate(sim, body)["creation_id"]
    clock.advance(8)
    creation = await adapter.creation(creation_id)
    assert creation.status == "ready", creation.raw
    return creation


def text_of(app) -> str:
    parts = []
    for widget in app.screen.query("Static"):
        if widget.display and all(a.display for a in widget.ancestors if hasattr(a, "display")):
            content = widget.render()
            parts.append(getattr(content, "plain", str(content)))
    return "\n".join(parts)


def sent(app):
    return [m for m in app.posted if isinstance(m, ConversationPane.MessageSent)]


def message_posts(sim, creation_id):
    return [s for m, p, s in sim.request_log if m == "POST" and p.endswith(f"/creations/{creation_id}/messages")]


async def say(pilot, words):
    await paste(pilot, words)
    await pilot.press("ctrl+s")


async def test_a_message_that_changes_the_video_reruns_it_and_the_new_delivery_is_marked_new(
        uclocked, adapter):
    sim, clock = uclocked
    creation = await ready_video(sim, clock, adapter)
    app = Harness(ConversationPane(creation, adapter=adapter))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert "No messages yet." in text_of(app)
        await say(pilot, "Make the intro slower")
        await wait_for(pilot, lambda: sent(app), what="MessageSent")
        reply = sent(app)[0].reply
        assert reply.message.status == "accepted" and reply.run is not None and reply.run.status == "generating"
        shown = text_of(app)
        assert "Make the intro slower" in shown and "✔ accepted" in shown and "Applying your change" in shown
        assert shown.count("re-running, and a new delivery will follow") == 1  # said once, not twice
        assert "once the new version is ready" in shown
        assert app.pane.query_one(TextArea).text == "" and app.pane.query_one(TextArea).read_only
        await pilot.press("ctrl+s")  # nothing more to send while it re-runs
        assert len(message_posts(sim, creation.id)) == 1
        app.pane.update(await adapter.creation(creation.id))  # the poller's view mid-way: not new yet
        await pilot.pause()
        assert not app.pane.new_delivery and "New delivery" not in text_of(app)
        clock.advance(10)
        done = await adapter.creation(creation.id)
        assert done.status == "ready" and delivery_mark(done) == 2
        app.pane.update(done)
        await wait_for(pilot, lambda: "★ New delivery: version 2 is ready" in text_of(app), what="new delivery")
        assert app.pane.new_delivery and "★ new delivery" in text_of(app)
        await wait_for(pilot, lambda: [m for m in app.posted if isinstance(m, ConversationPane.DeliveryChanged)],
                       what="DeliveryChanged")
        assert not app.pane.query_one(TextArea).read_only  # ready again: the next message can be written
    assert message_posts(sim, creation.id) == [202]


@pytest.mark.parametrize(("words", "status", "said"), [
    ("How long is it?", "answered", "Answered: nothing was changed."),
    ("Please reject this one", "rejected", "KPainter rejected this message: nothing was changed."),
])
async def test_a_question_is_answered_and_a_rejected_message_says_so(uclocked, adapter, words, status, said):
    sim, clock = uclocked
    creation = await ready_video(sim, clock, adapter)
    app = Harness(ConversationPane(creation, adapter=adapter))
    async with app.run_test(size=(120, 40)) as pilot:
        await say(pilot, words)
        await wait_for(pilot, lambda: sent(app), what="MessageSent")
        assert sent(app)[0].reply.message.status == status
        shown = text_of(app)
        assert said in shown and words in shown and "↳ " in shown
        assert not app.pane.rerunning and not app.pane.query_one(TextArea).read_only
        app.pane.update(await adapter.creation(creation.id))
        await pilot.pause()
        assert not app.pane.new_delivery and text_of(app).count(words) == 1  # the server's copy, not twice


async def test_a_retry_after_a_dropped_connection_reuses_the_key_and_the_message_is_taken_once(uclocked, adapter):
    sim, clock = uclocked
    creation = await ready_video(sim, clock, adapter)
    keys: list[str | None] = []
    real = adapter.send_message

    async def spy(creation_id, content, file_ids=(), idempotency_key=None):
        keys.append(idempotency_key)
        return await real(creation_id, content, file_ids, idempotency_key)

    adapter.send_message = spy
    sim.set_scenario("drop_connection", path=f"/creations/{creation.id}/messages", times=1)
    app = Harness(ConversationPane(creation, adapter=adapter))
    async with app.run_test(size=(120, 40)) as pilot:
        await say(pilot, "Use a warmer voice")
        await wait_for(pilot, lambda: "Not confirmed" in text_of(app), what="the failure")
        shown = text_of(app)
        assert "same key" in shown and "Traceback" not in shown
        assert app.pane.query_one(TextArea).text == "Use a warmer voice"  # nothing lost
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: sent(app), what="MessageSent after the retry")
        await pilot.press("ctrl+s")  # the box is empty and closed while it re-runs: nothing else goes out
    assert len(keys) == 2 and keys[0] == keys[1] and keys[0]
    assert [m["content"] for m in (await adapter.creation(creation.id)).raw["messages"]] == ["Use a warmer voice"]


async def test_a_new_message_gets_a_new_key(uclocked, adapter):
    sim, clock = uclocked
    creation = await ready_video(sim, clock, adapter)
    keys: list[str | None] = []
    real = adapter.send_message

    async def spy(creation_id, content, file_ids=(), idempotency_key=None):
        keys.append(idempotency_key)
        return await real(creation_id, content, file_ids, idempotency_key)

    adapter.send_message = spy
    app = Harness(ConversationPane(creation, adapter=adapter))
    async with app.run_test(size=(120, 40)) as pilot:
        await say(pilot, "How long is it?")
        await wait_for(pilot, lambda: len(sent(app)) == 1, what="first reply")
        await say(pilot, "Which voice is it?")
        await wait_for(pilot, lambda: len(sent(app)) == 2, what="second reply")
    assert len(set(keys)) == 2


async def test_attached_file_ids_go_with_the_next_message(uclocked, adapter, tmp_path):
    sim, clock = uclocked
    creation = await ready_video(sim, clock, adapter)
    notes = tmp_path / "notes.md"
    notes.write_text("# New intro\n")
    uploaded = await adapter.upload(notes)
    app = Harness(ConversationPane(creation, adapter=adapter, file_ids=[uploaded.id]))
    async with app.run_test(size=(120, 40)) as pilot:
        await say(pilot, "Use the attached intro")
        await wait_for(pilot, lambda: sent(app), what="MessageSent")
        assert app.pane.file_ids == []
    stored = (await adapter.creation(creation.id)).raw["messages"]
    assert stored[0]["input_file_ids"] == [uploaded.id]


@pytest.mark.parametrize("what", ["not ready", "not a video"])
async def test_messages_are_only_for_a_ready_video_and_the_pane_says_why(uclocked, adapter, what):
    sim, clock = uclocked
    if what == "not ready":
        creation = await adapter.creation(ucreate(sim, VIDEO_BODY)["creation_id"])
        expected = "once the video is ready (it is planning now)"
    else:
        creation = await ready_video(sim, clock, adapter, APP_BODY)
        expected = "Messages are for videos only: this creation is an app."
    app = Harness(ConversationPane(creation, adapter=adapter))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert expected in text_of(app)
        assert app.pane.query_one(TextArea).read_only
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert message_posts(sim, creation.id) == []


async def test_an_empty_message_is_not_sent_and_says_so(uclocked, adapter):
    sim, clock = uclocked
    creation = await ready_video(sim, clock, adapter)
    app = Harness(ConversationPane(creation, adapter=adapter))
    async with app.run_test(size=(120, 40)) as pilot:
        await say(pilot, "   \n  ")
        await wait_for(pilot, lambda: "Write a message first" in text_of(app), what="the refusal")
    assert message_posts(sim, creation.id) == []


def test_server_text_in_a_message_is_data():
    message = d.Message("msg_1", "[b]hi[/b]\x1b[31m", "answered", "\x1b]52;c;ZXZpbA==\x07[red]ok[/red]",
                        "2026-12-01T10:00:00Z")
    text = message_text(message)
    assert text.plain == "You · 2026-12-01 10:00 UTC   💬 answered\n[b]hi[/b]\n↳ [red]ok[/red]"
    odd = message_text(d.Message("m", "x", "queued_[i]later[/i]"))
    assert "queued_[i]later[/i]" in odd.plain


def test_why_a_message_cannot_be_sent():
    image = d.Creation("unified", "cr_1", type="image", status="ready")
    assert compose_refusal(image) == "Messages are for videos only: this creation is an image."
    assert compose_refusal(d.Creation("unified", "cr_2", type="video", status="paused")) == (
        "Messages can be sent once the video is ready (it is paused now).")
    assert compose_refusal(d.Creation("unified", "cr_3", type="video", status="ready")) is None


async def test_a_retry_after_a_timeout_the_server_did_answer_is_taken_once(uclocked):
    sim, clock = uclocked
    impatient = UnifiedAdapter.open(sim.base_url, TEST_KEY, timeout=0.3)
    try:
        creation = await ready_video(sim, clock, impatient)
        # the server takes the question after the client gave up on it; a new key would store it twice
        sim.set_scenario("slow", delay=1.5, path=f"/creations/{creation.id}/messages", times=1)
        app = Harness(ConversationPane(creation, adapter=impatient))
        async with app.run_test(size=(120, 40)) as pilot:
            await say(pilot, "How long is it?")
            await wait_for(pilot, lambda: "It may have reached the server" in text_of(app), what="the timeout")
            await wait_for(pilot, lambda: message_posts(sim, creation.id) == [202], timeout=10,
                           what="the server taking the first request")
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: sent(app), what="MessageSent after the retry")
            assert text_of(app).count("How long is it?") == 1
        assert message_posts(sim, creation.id) == [202, 202]
        assert [m["content"] for m in (await impatient.creation(creation.id)).raw["messages"]] == ["How long is it?"]
    finally:
        await impatient.aclose()


async def test_older_messages_are_reached_by_keys_from_the_message_box(uclocked, adapter):
    """The log shows the newest and Tab skips it; ctrl+↑ / ctrl+↓ (or shift+PgUp / shift+PgDn) page through it."""
    from dataclasses import replace

    sim, clock = uclocked
    creation = await ready_video(sim, clock, adapter)
    said = tuple(d.Message(id=f"m{n}", content=f"Message number {n}", status="answered", reply=f"Reply {n}")
                 for n in range(1, 13))
    app = Harness(ConversationPane(replace(creation, messages=said), adapter=adapter))
    async with app.run_test(size=(120, 40)) as pilot:
        log = app.pane.query_one("#conversation-log")
        await wait_for(pilot, lambda: log.max_scroll_y > 0 and log.scroll_y == log.max_scroll_y,
                       what="the newest message shown")
        assert isinstance(app.focused, TextArea)
        await pilot.press("ctrl+up")
        await wait_for(pilot, lambda: log.scroll_y < log.max_scroll_y, what="older messages")
        for _ in range(6):
            await pilot.press("shift+pageup")
        await wait_for(pilot, lambda: log.scroll_y == 0, what="the first message")
        await pilot.press("ctrl+down")
        await wait_for(pilot, lambda: log.scroll_y > 0, what="newer again")
        assert isinstance(app.focused, TextArea) and app.pane.query_one(TextArea).text == ""  # nothing typed

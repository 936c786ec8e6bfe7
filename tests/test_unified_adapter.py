"""The unified adapter against the unified simulator, real HTTP on loopback: files, create, poll, outputs, messages,
pauses and actions, the ambiguous create, and the tolerated reply shapes."""

from __future__ import annotations

import asyncio
import time

import pytest
from support import TEST_KEY

from kgp_tui.api import domain as d
from kgp_tui.api.errors import (
    Conflict,
    ConnectionFailed,
    FileTooLarge,
    NotFound,
    NotOnThisSurface,
    UnsupportedFileType,
    ValidationFailed,
)
from kgp_tui.api.surface import connect
from kgp_tui.simulator import Simulator


@pytest.fixture
def usim():
    with Simulator(api_key=TEST_KEY, step_seconds=0.02, surface="unified") as server:
        yield server


@pytest.fixture
async def unified(usim):
    connection = await connect(f"http://{usim.host}:{usim.port}/openapi/v1", TEST_KEY)
    assert connection.surface == "unified"
    try:
        yield connection
    finally:
        await connection.adapter.aclose()


async def until_stopped(adapter, run, timeout=10.0):
    """Poll a run as the poller will, until it ends or waits for the user; every state seen."""
    seen = [run]
    deadline = time.monotonic() + timeout
    while not seen[-1].stops_polling:
        assert time.monotonic() < deadline, f"still {seen[-1].status}"
        await asyncio.sleep(0.02)
        seen.append(await adapter.poll(seen[-1]))
    return seen


def posts(server, prefix):
    return [p for m, p, _s in server.request_log if m == "POST" and p.startswith("/openapi/v1" + prefix)]


def video_values(offer, **more):
    product = offer.product("video")
    return product, {**product.defaults(), "prompt": "Explain attention", "duration_seconds": 120, **more}


async def test_upload_create_poll_to_ready_and_read_the_outputs(unified, usim, tmp_path):
    adapter, offer = unified.adapter, unified.offer
    notes = tmp_path / "notes.md"
    notes.write_bytes(b"# Attention\n" + b"q k v " * 40_000)
    seen = []
    uploaded = await adapter.upload(notes, lambda sent, total: seen.append((sent, total)))
    assert uploaded.id and uploaded.name == "notes.md" and uploaded.mime_type == "text/markdown"
    assert uploaded.size_bytes == notes.stat().st_size
    assert seen and seen[-1] == (notes.stat().st_size, notes.stat().st_size)
    assert [s for s, _t in seen] == sorted(s for s, _t in seen)
    product, values = video_values(offer)
    assert adapter.validate(product, values, [uploaded.id], 100) == {}
    run = await adapter.create(product, values, [uploaded.id], max_credits=100)
    assert run.kind == "create" and run.id.startswith("cr_") and run.estimated_credits == 12
    states = await until_stopped(adapter, run)
    assert states[-1].status == "ready" and states[-1].succeeded and states[-1].actual_credits == 12
    assert all(s.eta_seconds is not None for s in states[:-1]), [s.raw for s in states]
    assert states[-1].review is not None and states[-1].result_code == "ok"
    outputs = await adapter.outputs(run.id)
    assert outputs and all(o.url and o.url.startswith("http") for o in outputs)
    creation = await adapter.creation(run.id)
    assert creation.status == "ready" and [s.kind for s in creation.next_steps()] == ["message"]
    assert posts(usim, "/creations") == ["/openapi/v1/creations"]


async def test_outputs_before_a_delivery_is_a_conflict(unified):
    product, values = video_values(unified.offer)
    run = await unified.adapter.create(product, values)
    with pytest.raises(Conflict):
        await unified.adapter.outputs(run.id)


async def test_a_message_that_changes_the_video_reruns_it_and_a_question_is_answered(unified):
    adapter = unified.adapter
    product, values = video_values(unified.offer)
    first = (await until_stopped(adapter, await adapter.create(product, values)))[-1]
    with pytest.raises(ValidationFailed) as empty:
        await adapter.send_message(first.id, "   ")
    assert empty.value.field_errors == {"content": "This field is required."}
    asked = await adapter.send_message(first.id, "How long is it?")
    assert asked.message.status == "answered" and asked.message.reply
    reply = await adapter.send_message(first.id, "  Make the intro slower  ", idempotency_key="msg-intent-0001")
    assert reply.message.status == "accepted" and reply.message.content == "Make the intro slower"
    assert reply.run is not None and reply.run.kind == "message" and not reply.run.stops_polling
    rerun = await until_stopped(adapter, reply.run)
    assert rerun[-1].status == "ready" and rerun[-1].kind == "message"
    creation = await adapter.creation(first.id)
    assert [m.status for m in creation.messages] == ["answered", "accepted"]
    assert any("(v2)" in (o.label or "") for o in await adapter.outputs(first.id))


async def test_a_message_on_an_image_is_a_conflict(unified):
    product = unified.offer.product("image")
    run = await unified.adapter.create(product, {**product.defaults(), "prompt": "A cat"})
    await until_stopped(unified.adapter, run)
    with pytest.raises(Conflict):
        await unified.adapter.send_message(run.id, "Bigger ears")


@pytest.mark.parametrize(("scenario", "reason", "action"), [
    ("credits_run_out", "insufficient_credits", "resume_after_recharge"),
    ("over_budget", "over_budget", "approve_overage"),
    ("transient_failure", "transient_failure", "retry"),
])
async def test_a_paused_creation_is_recovered_by_its_advertised_action_once(unified, usim, scenario, reason, action):
    usim.set_scenario(scenario)
    adapter = unified.adapter
    product, values = video_values(unified.offer)
    paused = (await until_stopped(adapter, await adapter.create(product, values)))[-1]
    assert paused.needs_user and paused.pause.reason == reason and paused.pause.message
    assert paused.available_actions == (action,)
    intent = d.ActionIntent.new(paused, action)
    assert intent.costs_money == (action != "retry")
    resumed = await adapter.act(intent)
    assert resumed.kind == "action" and resumed.action == action and not resumed.needs_user
    replayed = await adapter.act(intent)  # the same intent retried: same key, same reply, acted once
    assert replayed.status == resumed.status and replayed.raw == resumed.raw
    assert len(posts(usim, f"/creations/{paused.id}/actions")) == 2
    with pytest.raises(Conflict):  # a new intent for an action no longer offered
        await adapter.act(d.ActionIntent(paused.id, action, d.new_idempotency_key()))
    usim.set_scenario("default")
    assert (await until_stopped(adapter, resumed))[-1].status == "ready"


async def test_files_are_checked_against_the_capabilities_before_anything_is_sent(usim, tmp_path):
    with Simulator(api_key=TEST_KEY, step_seconds=0.02, surface="unified", max_file_bytes=1000) as small:
        connection = await connect(f"http://{small.host}:{small.port}/openapi/v1", TEST_KEY)
        try:
            big, exe = tmp_path / "big.pdf", tmp_path / "tool.exe"
            big.write_bytes(b"%PDF" + b"0" * 2000)
            exe.write_bytes(b"MZ")
            with pytest.raises(FileTooLarge, match="big.pdf is 2.0 KB; the server takes at most 1000 bytes"):
                await connection.adapter.upload(big)
            with pytest.raises(UnsupportedFileType, match="tool.exe"):
                await connection.adapter.upload(exe)
            with pytest.raises(Exception, match="Cannot read missing.txt"):
                await connection.adapter.upload(tmp_path / "missing.txt")
            assert posts(small, "/files") == []
            # What the server says when a file gets past the client anyway: 413 and 415, explained.
            with pytest.raises(FileTooLarge) as too_big:
                await connection.adapter.client.post_file("/files", {"file": ("big.pdf", big.read_bytes(),
                                                                              "application/pdf")})
            assert "smaller file" in too_big.value.hint
            with pytest.raises(UnsupportedFileType):
                await connection.adapter.client.post_file("/files", {"file": ("t.exe", b"MZ", "application/x-exe")})
        finally:
            await connection.adapter.aclose()


async def test_after_an_ambiguous_create_the_creation_is_found_not_resent(unified, usim):
    usim.set_scenario("drop_after_create", times=1)
    product, values = video_values(unified.offer, prompt="Explain attention, once")
    known = [c.id for c in (await unified.adapter.list_creations(page_size=100)).items]
    started = time.time()
    with pytest.raises(ConnectionFailed) as caught:
        await unified.adapter.create(product, values)
    assert caught.value.ambiguous
    found = await unified.adapter.find_created("video", since=started, known=known, prompt="Explain attention, once")
    assert found is not None and found.type == "video" and found.id not in known
    assert len(posts(usim, "/creations")) == 1


async def test_the_list_is_by_type_and_page_only(unified):
    adapter = unified.adapter
    image = unified.offer.product("image")
    await adapter.create(image, {**image.defaults(), "prompt": "A cat"})
    page = await adapter.list_creations(type="image", page=1, page_size=5)
    assert page.items and {c.type for c in page.items} == {"image"}
    assert adapter.list_filters == d.ListFilters(type=True, status=False, query=False)
    with pytest.raises(NotOnThisSurface, match="by type only"):
        await adapter.list_creations(status="ready")
    with pytest.raises(NotOnThisSurface):
        await adapter.list_creations(query="cat")


async def test_string_ids_go_url_encoded_into_the_path(unified, usim):
    with pytest.raises(NotFound):
        await unified.adapter.creation("cr/../x?y")
    assert usim.request_log[-1][1] == "/openapi/v1/creations/cr%2F..%2Fx%3Fy"


async def test_a_422_names_the_field_inside_the_product_object(unified):
    product, values = video_values(unified.offer)
    body = unified.adapter.build_create_body(product, values)
    body["video"]["duration_seconds"] = 7
    with pytest.raises(ValidationFailed) as caught:
        await unified.adapter.client.post("/creations", body)
    assert "video.duration_seconds" in caught.value.field_errors


async def test_every_tolerated_reply_shape_still_gives_the_same_flow(usim, tmp_path):
    usim.set_scenario("unified_variants", shapes="all")
    connection = await connect(f"http://{usim.host}:{usim.port}/openapi/v1", TEST_KEY)
    adapter = connection.adapter
    try:
        assert connection.surface == "unified" and connection.account.key_prefix.startswith("kgp_test_")
        assert ("GET", "/openapi/v1/me") in [(m, p) for m, p, _s in usim.request_log]  # no account: /me asked
        video = connection.offer.product("video")
        assert video is not None and video.setting("voice_id") is not None
        assert video.setting("duration_seconds").minimum is not None  # a range in place of presets
        values = {**video.defaults(), "prompt": "Explain attention", "duration_seconds": 120}
        assert adapter.validate(video, values) == {}
        run = await adapter.create(video, values)
        assert run.id
        assert (await until_stopped(adapter, run))[-1].status == "ready"
        assert await adapter.outputs(run.id)
    finally:
        await adapter.aclose()


async def test_a_product_never_seen_before_gets_a_form_whose_body_the_server_takes(usim):
    usim.set_scenario("extra_type")
    connection = await connect(f"http://{usim.host}:{usim.port}/openapi/v1", TEST_KEY)
    adapter = connection.adapter
    try:
        podcast = connection.offer.product("podcast")
        assert podcast is not None and podcast.setting("duration_seconds").presets
        values = {**podcast.defaults(), "prompt": "A chat about attention"}
        assert adapter.validate(podcast, values) == {}
        assert "podcast" in adapter.build_create_body(podcast, values)
        assert (await until_stopped(adapter, await adapter.create(podcast, values)))[-1].status == "ready"
    finally:
        await adapter.aclose()


@pytest.mark.parametrize("scenario", ["hostile_text", "extra_fields", "sparse_fields"])
async def test_hostile_extra_or_sparse_replies_map_without_loss_of_the_flow(usim, scenario):
    usim.set_scenario(scenario)
    connection = await connect(f"http://{usim.host}:{usim.port}/openapi/v1", TEST_KEY)
    adapter = connection.adapter
    try:
        product, values = video_values(connection.offer)
        run = await adapter.create(product, values)
        final = (await until_stopped(adapter, run))[-1]
        assert final.status == "ready"
        creation = await adapter.creation(run.id)
        assert creation.id == run.id and (await adapter.outputs(run.id))
        if scenario == "hostile_text":  # server text is kept as given: the screens sanitize it when they show it
            assert "\x1b" in (creation.title or "") + "".join(o.label or "" for o in await adapter.outputs(run.id))
    finally:
        await adapter.aclose()


async def test_a_fastapi_style_422_names_the_product_field(usim):
    usim.set_scenario("unified_variants", shapes="fastapi_detail")
    connection = await connect(f"http://{usim.host}:{usim.port}/openapi/v1", TEST_KEY)
    try:
        product, values = video_values(connection.offer)
        body = connection.adapter.build_create_body(product, values)
        body["video"]["duration_seconds"] = 7
        with pytest.raises(ValidationFailed) as caught:
            await connection.adapter.client.post("/creations", body)
        assert "video.duration_seconds" in caught.value.field_errors
    finally:
        await connection.adapter.aclose()


@pytest.mark.parametrize(("scenario", "params"), [
    ("default", {}), ("extra_fields", {}), ("extra_type", {}), ("catalog_variants", {}), ("hostile_text", {}),
    ("unified_variants", {"shapes": "all"}),
])
async def test_every_product_with_every_bundle_gets_a_body_the_server_takes(usim, scenario, params):
    usim.set_scenario(scenario, **params)
    connection = await connect(f"http://{usim.host}:{usim.port}/openapi/v1", TEST_KEY)
    adapter = connection.adapter
    try:
        for product in connection.offer.products:
            for bundle in product.bundles or (None,):
                values = {**product.defaults(), "prompt": "Explain attention"}
                if bundle is not None:
                    values["bundle"] = bundle.key
                for setting in product.settings:  # as a form would: the first allowed value of each choice
                    choices = product.choices_for(setting.name, values)
                    if choices and product.applies(setting.name, values) and setting.name not in values:
                        values[setting.name] = choices[0].value
                assert adapter.validate(product, values) == {}, (product.type, values)
                run = await adapter.create(product, values, max_credits=10_000)
                assert run.id, product.type
    finally:
        await adapter.aclose()

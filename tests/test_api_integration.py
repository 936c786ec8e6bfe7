"""KGPClient against the real simulator over loopback HTTP: the Quickstart flow, every error of the contract's
section 4 table, tolerance of the shapes the contract says to accept, GET retries, and key hygiene throughout.
"""

from __future__ import annotations

import asyncio
import logging
import socket

import pytest

from kgp_tui.api import (
    AuthError,
    ConnectionFailed,
    InsufficientCredits,
    KGPClient,
    KGPError,
    MalformedResponse,
    NotFound,
    PermissionDenied,
    RateLimited,
    RequestTimeout,
    ServerError,
    ValidationFailed,
    build_create_payload,
    validate_create,
)

QUICKSTART = {"prompt": "Explain how transformer attention works in 6 pages", "language": "en",
              "aspect_ratio": "16:9", "scene_count": 6}


@pytest.fixture(autouse=True)
def no_key_in_output(sim, caplog, capsys):
    """Every test here: nothing logged (DEBUG, all loggers) or printed contains any of the simulator's keys."""
    caplog.set_level(logging.DEBUG)
    yield
    out, err = capsys.readouterr()
    secrets = (sim.api_key, sim.readonly_key, sim.no_credit_key)
    for secret in secrets:
        assert secret not in caplog.text
        assert secret not in out and secret not in err
        for record in caplog.records:
            assert secret not in record.getMessage()


@pytest.fixture
async def client(sim):
    async with KGPClient(sim.base_url, sim.api_key, timeout=5) as kgp:
        yield kgp


def assert_clean(error: KGPError, sim) -> None:
    for secret in (sim.api_key, sim.readonly_key, sim.no_credit_key):
        for text in (str(error), repr(error), repr(error.args), error.hint, repr(error.field_errors),
                     repr(vars(error))):
            assert secret not in text


async def expect(error_type: type[KGPError], call, sim) -> KGPError:
    with pytest.raises(KGPError) as caught:
        await call
    error = caught.value
    assert type(error) is error_type, repr(error)
    assert error.message and error.hint
    assert_clean(error, sim)
    return error


async def poll(client: KGPClient, job_id: int, *, limit: float = 15.0) -> list:
    """Every job state seen until it is terminal."""
    seen = []
    deadline = asyncio.get_running_loop().time() + limit
    while True:
        job = await client.job(job_id)
        seen.append(job)
        if job.is_terminal:
            return seen
        assert asyncio.get_running_loop().time() < deadline, f"job {job_id} stuck at {job.status}"
        await asyncio.sleep(0.02)


# -- the documented flow ----------------------------------------------------------------------------------


async def test_quickstart_flow_end_to_end(sim, client):
    assert (await client.health()).status == "ok"
    me = await client.me()
    assert me.can_use and me.key_prefix and sim.api_key not in me.key_prefix
    catalog = await client.catalog()
    slides = catalog.get_type("slides_video")
    assert slides is not None and "scene_count" in slides.fields
    assert validate_create(slides, QUICKSTART, catalog) == {}
    payload = build_create_payload(slides, QUICKSTART)
    assert payload == {"type": "slides_video", **QUICKSTART}

    created = await client.create(payload)
    assert created.creation_id >= 1 and created.job.job_id >= 1 and created.type == "slides_video"
    states = await poll(client, created.job.job_id)
    assert states[-1].status == "succeeded" and states[-1].creation_id == created.creation_id
    progress = [s.progress_pct for s in states if s.progress_pct is not None]
    assert len(set(progress)) >= 2 and progress == sorted(progress), progress
    assert any(s.current_step for s in states)

    detail = await client.creation(created.creation_id)
    assert detail.status == "ready" and detail.main_url
    assert detail.artifacts and all(a.url for a in detail.artifacts)
    assert len(detail.scenes) == 6 and all(isinstance(s.scene_id, str) for s in detail.scenes)

    page = await client.list_creations(page=1, page_size=5, type="slides_video")
    assert created.creation_id in [c.creation_id for c in page.items]
    assert page.total is not None and page.total >= 1
    searched = await client.list_creations(query="transformer attention", status="ready")
    assert created.creation_id in [c.creation_id for c in searched.items]


async def test_health_sends_no_key_and_base_url_may_end_with_a_slash(sim):
    async with KGPClient(sim.base_url + "/", "") as anonymous:
        assert (await anonymous.health()).status == "ok"
    async with KGPClient(sim.base_url + "/", sim.api_key) as keyed:
        assert (await keyed.me()).user_id is not None


async def test_edit_flow(sim, client):
    catalog = await client.catalog()
    created = await client.create(build_create_payload(catalog.get_type("slides_video"), QUICKSTART))
    await poll(client, created.job.job_id)
    detail = await client.creation(created.creation_id)
    scene = detail.scenes[0]
    edit = await client.edit(created.creation_id, {"action": "update_scene_narration", "scene_id": scene.scene_id,
                                                    "narration_text": "Queries meet keys."})
    assert edit.creation_id == created.creation_id and edit.job.job_id != created.job.job_id
    assert (await poll(client, edit.job.job_id))[-1].status == "succeeded"
    again = await client.creation(created.creation_id)
    assert again.scenes[0].narration_text == "Queries meet keys."


# -- section 4: every error -------------------------------------------------------------------------------


async def test_401_missing_key(sim):
    async with KGPClient(sim.base_url, "") as anonymous:
        error = await expect(AuthError, anonymous.me(), sim)
    assert error.status == 401 and error.code == "missing_api_key" and "API Key page" in error.hint


async def test_401_invalid_key(sim):
    wrong = "kgp_test_0000000000000000bad"
    async with KGPClient(sim.base_url, wrong) as stranger:
        error = await expect(AuthError, stranger.me(), sim)
    assert error.code == "invalid_api_key" and "reactivate" in error.hint
    assert wrong not in str(error) and wrong not in repr(error)


async def test_401_when_the_server_rejects_every_key(sim, client):
    sim.set_scenario("reject_key")
    error = await expect(AuthError, client.me(), sim)
    assert error.code == "invalid_api_key"


async def test_403_read_only_key(sim):
    async with KGPClient(sim.base_url, sim.readonly_key) as readonly:
        me = await readonly.me()
        assert not me.can_use
        error = await expect(PermissionDenied, readonly.create({"type": "slides_video", "prompt": "x"}), sim)
    assert error.status == 403 and error.code == "insufficient_permission" and not error.ambiguous


async def test_402_no_credits_creates_nothing(sim):
    async with KGPClient(sim.base_url, sim.no_credit_key) as broke:
        before = (await broke.list_creations()).total
        error = await expect(InsufficientCredits, broke.create({"type": "slides_video", "prompt": "x"}), sim)
        assert (await broke.list_creations()).total == before
    assert error.status == 402 and error.code == "insufficient_credits"
    assert not error.ambiguous and "Nothing was created" in error.hint


async def test_402_scenario(sim, client):
    sim.set_scenario("no_credits")
    error = await expect(InsufficientCredits, client.create({"type": "slides_video", "prompt": "x"}), sim)
    assert error.code == "insufficient_credits"


async def test_404_unknown_creation_and_job(sim, client):
    for call in (client.creation(999_999), client.job(999_999)):
        error = await expect(NotFound, call, sim)
        assert error.status == 404 and error.code == "not_found"


async def test_422_gives_field_errors(sim, client):
    error = await expect(ValidationFailed, client.create({"type": "slides_video", "prompt": "x", "scene_count": 99,
                                                          "aspect_ratio": "7:5"}), sim)
    assert error.status == 422 and error.code == "validation_error"
    assert {"scene_count", "aspect_ratio"} <= set(error.field_errors), error.field_errors
    assert not error.ambiguous


async def test_429_with_retry_after(sim, client):
    sim.set_scenario("rate_limit", retry_after=3)
    error = await expect(RateLimited, client.me(), sim)
    assert error.status == 429 and error.retry_after == 3.0 and "3 s" in error.hint


async def test_500(sim, client):
    sim.set_scenario("server_error")
    error = await expect(ServerError, client.catalog(), sim)
    assert error.status == 500 and error.code == "internal_error" and not error.ambiguous


async def test_502_html_page(sim, client):
    sim.set_scenario("bad_gateway")
    error = await expect(ServerError, client.me(), sim)
    assert error.status == 502
    assert error.message == "HTTP 502 Bad Gateway: the server answered with a non-JSON page"


async def test_5xx_on_create_is_ambiguous(sim, client):
    sim.set_scenario("server_error", method="POST")
    error = await expect(ServerError, client.create({"type": "slides_video", "prompt": "x"}), sim)
    assert error.ambiguous and "check your creations" in error.hint


async def test_dropped_connection(sim, client):
    sim.set_scenario("drop_connection")
    error = await expect(ConnectionFailed, client.me(), sim)
    assert error.status is None and not error.ambiguous


async def test_connection_refused(sim):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with KGPClient(f"http://127.0.0.1:{port}/openapi/v1", sim.api_key) as nowhere:
        error = await expect(ConnectionFailed, nowhere.create({"type": "image", "prompt": "x"}), sim)
    assert not error.ambiguous and f"127.0.0.1:{port}" in error.hint


async def test_malformed_json(sim, client):
    sim.set_scenario("malformed_json")
    error = await expect(MalformedResponse, client.me(), sim)
    assert error.status == 200 and not error.ambiguous


async def test_malformed_json_on_create_is_ambiguous(sim, client):
    sim.set_scenario("malformed_json", method="POST")
    error = await expect(MalformedResponse, client.create({"type": "slides_video", "prompt": "x"}), sim)
    assert error.ambiguous


async def test_slow_server_times_out(sim):
    sim.set_scenario("slow", delay=1.0)
    async with KGPClient(sim.base_url, sim.api_key, timeout=0.2) as impatient:
        error = await expect(RequestTimeout, impatient.me(), sim)
        assert not error.ambiguous
        posted = await expect(RequestTimeout, impatient.create({"type": "slides_video", "prompt": "x"}), sim)
        assert posted.ambiguous


async def test_drop_after_create_is_ambiguous_and_the_creation_can_be_found(sim, client):
    sim.set_scenario("drop_after_create")
    before = {c.creation_id for c in (await client.list_creations(page_size=100)).items}
    prompt = "Explain how transformer attention works (ambiguous)"
    error = await expect(ConnectionFailed, client.create({"type": "slides_video", "prompt": prompt}), sim)
    assert error.ambiguous and error.method == "POST" and error.path == "/creations"
    assert "check your creations" in error.hint
    sim.set_scenario("default")
    found = [c for c in (await client.list_creations(page_size=100, query="ambiguous")).items
             if c.creation_id not in before]
    assert len(found) == 1


async def test_post_is_never_retried(sim):
    sim.set_scenario("server_error", times=1)
    async with KGPClient(sim.base_url, sim.api_key, get_retries=3, backoff_base=0.01) as kgp:
        before = len(sim.request_log)
        await expect(ServerError, kgp.create({"type": "slides_video", "prompt": "x"}), sim)
        posts = [entry for entry in sim.request_log[before:] if entry[0] == "POST"]
    assert len(posts) == 1


# -- GET retries ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scenario", "params"),
    [("server_error", {}), ("bad_gateway", {}), ("drop_connection", {}), ("rate_limit", {"retry_after": 0})],
)
async def test_get_retries_recover_from_passing_faults(sim, scenario, params):
    sim.set_scenario(scenario, times=2, **params)
    async with KGPClient(sim.base_url, sim.api_key, get_retries=2, backoff_base=0.01, backoff_cap=0.05) as kgp:
        before = sim.request_count
        assert (await kgp.me()).can_use
        assert sim.request_count - before == 3


async def test_too_few_retries_surface_the_last_error(sim):
    sim.set_scenario("server_error", times=2)
    async with KGPClient(sim.base_url, sim.api_key, get_retries=1, backoff_base=0.01) as kgp:
        await expect(ServerError, kgp.me(), sim)
        assert (await kgp.me()).can_use  # the fault has used its two times


async def test_per_call_retries_override_the_client_default(sim):
    async with KGPClient(sim.base_url, sim.api_key, backoff_base=0.01, backoff_cap=0.05) as kgp:
        created = await kgp.create({"type": "image", "prompt": "a red kite"})
        sim.set_scenario("bad_gateway", times=2)
        before = sim.request_count
        assert (await kgp.creation(created.creation_id, retries=2)).creation_id == created.creation_id
        assert sim.request_count - before == 3


async def test_no_retries_by_default(sim, client):
    sim.set_scenario("server_error", times=1)
    await expect(ServerError, client.me(), sim)
    assert (await client.me()).can_use


async def test_client_survives_a_server_restart(sim):
    async with KGPClient(sim.base_url, sim.api_key, get_retries=1, backoff_base=0.01) as kgp:
        assert (await kgp.me()).can_use
        sim.restart()
        assert (await kgp.me()).can_use


# -- tolerance through real HTTP --------------------------------------------------------------------------


async def test_catalog_variants(sim, client):
    sim.set_scenario("catalog_variants")
    catalog = await client.catalog()
    assert catalog.voices == [] and catalog.styles == []
    names = {ct.type for ct in catalog.content_types}
    assert {"explainer_video", "slides_video", "slide_deck", "image", "interactive_lesson", "ai_video"} <= names
    slides = catalog.get_type("slides_video")
    assert slides.scene_count is not None and slides.scene_count.choices == [4, 6, 8]
    assert slides.scene_count.describe() == "one of 4, 6, 8"
    assert catalog.get_type("slide_deck").scene_count is None
    assert validate_create(slides, {**QUICKSTART, "scene_count": 5}, catalog) == {
        "scene_count": "Must be one of 4, 6, 8."}
    assert validate_create(slides, QUICKSTART, catalog) == {}
    created = await client.create(build_create_payload(slides, QUICKSTART))
    assert (await poll(client, created.job.job_id))[-1].status == "succeeded"


async def test_extra_fields_everywhere(sim, client):
    sim.set_scenario("extra_fields")
    me = await client.me()
    assert "x_sim_extra" in me.model_extra and me.can_use
    catalog = await client.catalog()
    slides = catalog.get_type("slides_video")
    assert "x_sim_extra" in slides.model_extra
    assert slides.scene_count.min == 1 and slides.scene_count.max == 20
    created = await client.create(build_create_payload(slides, QUICKSTART))
    assert "x_sim_extra" in created.job.model_extra
    states = await poll(client, created.job.job_id)
    assert states[-1].status == "succeeded"
    detail = await client.creation(created.creation_id)
    assert len(detail.scenes) == 6 and "x_sim_extra" in detail.scenes[0].model_extra
    page = await client.list_creations()
    assert created.creation_id in [c.creation_id for c in page.items]
    sim.set_scenario("extra_fields")
    error = await expect(NotFound, client.job(999_999), sim)
    assert error.code == "not_found"


async def test_extra_type_gets_a_working_form(sim, client):
    sim.set_scenario("extra_type")
    catalog = await client.catalog()
    storyboard = catalog.get_type("storyboard")
    assert storyboard is not None and storyboard.label == "Storyboard"
    values = {"prompt": "  A heist in six frames ", "language": "en", "aspect_ratio": "2:3", "scene_count": "4",
              "voice_id": "v_en_f1", "style_id": "st_sketch"}
    assert validate_create(storyboard, values, catalog) == {}
    assert validate_create(storyboard, {**values, "scene_count": 13}, catalog) == {"scene_count": "Must be 2–12 (default 4)."}
    assert "style_id" in validate_create(catalog.get_type("image"), {"prompt": "x", "style_id": "st_sketch"}, catalog)
    payload = build_create_payload(storyboard, values)
    assert payload == {"type": "storyboard", "prompt": "A heist in six frames", "language": "en",
                       "aspect_ratio": "2:3", "scene_count": 4, "style_id": "st_sketch"}
    created = await client.create(payload)
    assert created.type == "storyboard"
    assert (await poll(client, created.job.job_id))[-1].status == "succeeded"


async def test_unknown_job_status_is_kept_and_polling_goes_on(clocked):
    """On the simulator's clock, moved a step per poll: the one step that reports the odd status is always seen."""
    server, clock = clocked
    server.set_scenario("unknown_status")
    async with KGPClient(server.base_url, server.api_key, timeout=5) as kgp:
        created = await kgp.create({"type": "slides_video", "prompt": "x"})
        states = [await kgp.job(created.job.job_id)]
        while not states[-1].is_terminal and len(states) < 100:
            clock.advance(server.step_seconds)
            states.append(await kgp.job(created.job.job_id))
    assert [s.status for s in states[:3]] == ["queued", "waiting_for_gpu", "running"]  # kept as the server said it
    assert not states[1].is_terminal and states[-1].status == "succeeded"


@pytest.mark.parametrize("list_shape", ["data", "bare"])
async def test_sparse_fields_and_list_shapes(sim, client, list_shape):
    created = await client.create({"type": "image", "prompt": "a red kite"})
    sim.set_scenario("sparse_fields", list_shape=list_shape)
    job = await client.job(created.job.job_id)
    assert job.progress_pct is None and job.current_step is None
    page = await client.list_creations()
    assert created.creation_id in [c.creation_id for c in page.items]
    assert page.total == len(page.items) if list_shape == "bare" else page.total >= 1


async def test_job_failure_and_cancel_are_terminal_with_details(sim, client):
    sim.set_scenario("job_failure", fail_at_step=2)
    failed = await client.create({"type": "slides_video", "prompt": "x"})
    last = (await poll(client, failed.job.job_id))[-1]
    assert last.status == "failed" and last.error is not None and last.error.code == "render_failed"
    sim.set_scenario("cancel", cancel_at_step=2)
    cancelled = await client.create({"type": "slides_video", "prompt": "y"})
    assert (await poll(client, cancelled.job.job_id))[-1].status == "cancelled"

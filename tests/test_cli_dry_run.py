"""`kgp-tui create … --dry-run` prints exactly the body the create form sends for the same values: the form is
filled by keys and submitted, and its POST body is compared with the command's output, on both surfaces."""

from __future__ import annotations

from support import TEST_KEY
from support.app import connected_app_on_catalog, make_app, open_type, paste, type_into, wait_for
from support.cli import cli_env, one_json, run_cli

from kgp_tui.api.form_values import form_values

PROMPT = "Explain how transformer attention works"
INSTRUCTIONS = "Keep it friendly."


async def test_dry_run_body_equals_what_the_form_sends(surface_sim, tmp_path):
    product = "slides_video" if surface_sim.surface == "v1" else "video"
    app = make_app(surface_sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=(120, 40)) as pilot:
        await connected_app_on_catalog(pilot)
        await open_type(pilot, product)
        await paste(pilot, PROMPT)  # the prompt has focus when the form opens
        await pilot.click("#field-instructions")
        await paste(pilot, INSTRUCTIONS)
        if surface_sim.surface == "v1":
            await type_into(pilot, "#field-scene_count", "8")
        await pilot.press("ctrl+s")
        sent = await wait_for(pilot, lambda: app.store.sent.get(product), what="the form's create sent")
    settings = ["--set", "scene_count=8"] if surface_sim.surface == "v1" else []
    result = run_cli(cli_env(surface_sim, tmp_path), "create", product, "--prompt", PROMPT, "--set",
                     f"instructions={INSTRUCTIONS}", *settings, "--dry-run")
    assert result.returncode == 0, result.stderr
    assert one_json(result) == sent.payload
    assert sent.payload["prompt"] == PROMPT and sent.payload.get("scene_count", 8) == 8


def test_set_values_are_read_as_the_form_reads_its_widgets(sim):
    """Numbers become numbers, a choice given as text is the listed value, dotted names pick a bundle, and an
    unknown name is said with the settings there are."""
    import asyncio

    from kgp_tui.api.surface import connect

    async def offer():
        connection = await connect(sim.base_url, TEST_KEY, "v1")
        await connection.adapter.aclose()
        return connection.offer

    image = asyncio.run(offer()).product("image")
    values, errors = form_values(image, {"prompt": "A cat", "image_generation.model": "gpt-image-1",
                                         "image_generation.quality": "high", "style_id": " st_photo "})
    assert errors == {}
    assert values["image_generation"] == "azure_openai:gpt-image-1" and values["image_generation.quality"] == "high"
    assert values["style_id"] == "st_photo" and values["aspect_ratio"] == "1:1"  # the default a fresh form shows
    gemini, _ = form_values(image, {"prompt": "A cat", "image_generation": "gemini:nano-banana-2"})
    assert "image_generation.quality" not in gemini  # the form hides it for a model without native qualities
    _, wrong = form_values(image, {"prompt": "x", "colour": "red", "image_generation.model": "dall-e"})
    assert "colour" in wrong and "style_id" in wrong["colour"] and "dall-e" in wrong["image_generation"]

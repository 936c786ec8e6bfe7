"""The image form follows the chosen model: its ratios, its output qualities and its own quality choices."""

from __future__ import annotations

from support import TEST_KEY
from support.app import SIZE, connected_app_on_catalog, make_app, open_type, paste, static_text, wait_for
from support.http import call

from kgp_tui.screens.jobs import JobsScreen


def offered(screen, name: str) -> list[str]:
    from textual.widgets import Select

    select = screen.query_one(f"#field-{name}", Select)
    return [value for _, value in select._options if value is not Select.NULL]


async def choose(pilot, select_id: str, downs: int) -> None:
    """Tab to a Select, open it with Enter, move down `downs` options from the blank, Enter."""
    app = pilot.app
    for _ in range(12):
        if app.screen.focused is not None and app.screen.focused.id == select_id:
            break
        await pilot.press("tab")
    assert app.screen.focused.id == select_id
    await pilot.press("enter")
    await pilot.press("home", *["down"] * downs, "enter")
    await pilot.pause()


async def test_choosing_an_image_model_narrows_the_form_to_it(sim, tmp_path):
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        screen = await open_type(pilot, "image")
        await paste(pilot, "A lighthouse at dusk")
        quality_field = screen.query_one("#field-image_generation_quality-wrap")
        assert not quality_field.display  # no model chosen: no quality to offer
        assert offered(screen, "aspect_ratio") == ["16:9", "9:16", "3:2", "2:3", "1:1"]
        await choose(pilot, "field-image_generation", 2)  # GPT Image 1
        await wait_for(pilot, lambda: offered(screen, "aspect_ratio") == ["3:2", "2:3", "1:1"], what="its ratios")
        assert offered(screen, "output_quality") == ["1K"]
        assert quality_field.display and offered(screen, "image_generation_quality") == ["low", "medium", "high"]
        await choose(pilot, "field-image_generation_quality", 3)  # high
        await wait_for(pilot, lambda: '"quality": "high"' in static_text(app, "#create-preview"), what="preview")

        await choose(pilot, "field-image_generation", 1)  # Nano Banana 2 lists no qualities
        await wait_for(pilot, lambda: not quality_field.display, what="no quality choice")
        await wait_for(pilot, lambda: '"quality"' not in static_text(app, "#create-preview"),
                       what="no quality in the payload: never sent for this model")
        assert offered(screen, "aspect_ratio") == ["16:9", "9:16", "3:2", "2:3", "1:1"]

        await choose(pilot, "field-image_generation", 2)  # back to GPT Image 1, and send
        await choose(pilot, "field-image_generation_quality", 1)  # low
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, JobsScreen), what="accepted by the server")
        params = sim._store.creations[101].params
        assert params["image_generation"]["model"] == "gpt-image-1"
        assert params["image_generation"]["quality"] == "low"
        assert params["aspect_ratio"] in ("3:2", "2:3", "1:1")


def test_simulator_enforces_the_image_models_rules(sim):
    def post(**body):
        return call(sim, "POST", "/creations", {"type": "image", "prompt": "A fox", **body})

    gpt = {"provider": "azure_openai", "model": "gpt-image-1"}
    nano = {"provider": "gemini", "model": "nano-banana-2"}
    for body, field in (
        ({"image_generation": gpt, "aspect_ratio": "16:9"}, "aspect_ratio"),
        ({"image_generation": gpt, "output_quality": "4K"}, "output_quality"),
        ({"image_generation": {**nano, "quality": "high"}, "aspect_ratio": "16:9"}, "image_generation.quality"),
    ):
        reply = post(**body)
        assert reply.status == 422, (body, reply.raw)
        assert field in {e["field"] for e in reply.detail["errors"]}, reply.raw
    assert post(image_generation={**gpt, "quality": "high"}, aspect_ratio="3:2").status == 202
    assert post(image_generation=nano, aspect_ratio="16:9", output_quality="4K").status == 202
    assert post(image_generation=gpt).status == 202  # the defaults fit the model

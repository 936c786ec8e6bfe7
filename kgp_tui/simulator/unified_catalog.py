"""The unified surface's products and their settings, built in code, and the GET /capabilities document.

`products(extra)` is the canonical form the simulator validates against (a list, every setting in its documented
shape, voices/templates/styles inside the product). `render_capabilities` turns it into what is sent, in the
documented shape or in the tolerated ones (`products_map`: products keyed by type; `settings_shapes`: a duration
as a `{min,max,default}` range, an aspect ratio as a plain list, a language as a list of codes or missing, voices,
templates and styles at the top level; `no_account`: no `account`).
"""

from __future__ import annotations

import copy

from . import catalog as cat
from .content import CDN

MIME_TYPES = ["application/pdf", "text/plain", "text/markdown", "image/png", "image/jpeg"]
MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_FILES = 5
MAX_CONCURRENT = 3
# The video range that settings_shapes advertises (and then validates) instead of the presets.
DURATION_RANGE = {"min": 60, "max": 1500, "default": 240}
# Where a list-valued setting's chosen id goes in the product object.
ID_LISTS = {"voices": "voice_id", "templates": "template_id", "expression_styles": "expression_style_id",
            "styles": "style_id"}

TEMPLATES = [{"template_id": "tpl_clean", "name": "Clean"}, {"template_id": "tpl_chalk", "name": "Chalkboard"},
             {"template_id": "tpl_bold", "name": "Bold type"}]
EXPRESSION_STYLES = [{"expression_style_id": "ex_warm", "name": "Warm"},
                     {"expression_style_id": "ex_calm", "name": "Calm"},
                     {"expression_style_id": "ex_lively", "name": "Lively"}]
IMAGE_STYLES = [{"style_id": "st_flat", "name": "Flat"}, {"style_id": "st_photo", "name": "Photoreal"},
                {"style_id": "st_watercolor", "name": "Watercolor"}]
BUNDLES = [
    {"provider": "gemini", "model": "nano-banana-2", "display_name": "Nano Banana 2",
     "aspect_ratios": ["16:9", "9:16", "1:1"], "output_qualities": ["1K", "2K", "4K"], "qualities": []},
    {"provider": "azure_openai", "model": "gpt-image-2", "display_name": "GPT Image 2",
     "aspect_ratios": ["3:2", "2:3", "1:1"], "output_qualities": ["1K", "2K"],
     "qualities": ["low", "medium", "high"]},
]


def _voices() -> list[dict]:
    return copy.deepcopy(cat.VOICES)


def products(extra: bool = False) -> list[dict]:
    """The canonical products; `extra` adds one no client knows (`podcast`)."""
    items = [
        {"type": "video", "display_name": "Explainer Video", "accepts_files": True, "url_context": True,
         "settings": {
             "duration_seconds": {"presets": [120, 240, 360, 510, 900, 1500], "default": 240},
             "aspect_ratio": {"values": ["16:9"], "default": "16:9"},
             "language": {"default": "en"},
             "voices": _voices(),
             "templates": copy.deepcopy(TEMPLATES),
             "expression_styles": copy.deepcopy(EXPRESSION_STYLES)}},
        {"type": "image", "display_name": "AI Image", "accepts_files": True, "url_context": False,
         "settings": {"bundles": copy.deepcopy(BUNDLES), "styles": copy.deepcopy(IMAGE_STYLES)}},
        {"type": "app", "display_name": "AI App", "accepts_files": True, "url_context": False,
         "settings": {"language": {"default": "en"}}},
    ]
    if extra:
        items.append({"type": "podcast", "display_name": "Audio Podcast", "accepts_files": False,
                      "url_context": True,
                      "settings": {"duration_seconds": {"presets": [300, 600, 1200], "default": 600},
                                   "language": {"default": "en"}, "voices": _voices()}})
    return items


def with_duration_range(items: list[dict]) -> list[dict]:
    """The products as settings_shapes advertises them: the video takes any duration in DURATION_RANGE."""
    items = copy.deepcopy(items)
    for product in items:
        if product["type"] == "video":
            product["settings"]["duration_seconds"] = dict(DURATION_RANGE)
    return items


def find(items: list[dict], type_name: str) -> dict | None:
    return next((product for product in items if product["type"] == type_name), None)


def render_capabilities(items: list[dict], account: dict, max_file_bytes: int, shapes: set[str]) -> dict:
    """The GET /capabilities document."""
    document: dict = {
        "account": account,
        "files": {"max_bytes": max_file_bytes, "max_files": MAX_FILES, "mime_types": list(MIME_TYPES)},
        "languages": copy.deepcopy(cat.LANGUAGES),
        "products": copy.deepcopy(items),
    }
    if "settings_shapes" in shapes:
        for product in document["products"]:
            settings = product["settings"]
            for name in ID_LISTS:
                if name in settings:  # the first product that has a list names it for all, at the top level
                    document.setdefault(name, settings[name])
                    del settings[name]
            if "aspect_ratio" in settings:
                settings["aspect_ratio"] = list(settings["aspect_ratio"]["values"])
            if product["type"] == "app":
                settings["language"] = [language["code"] for language in cat.LANGUAGES]
            else:
                settings.pop("language", None)
    if "products_map" in shapes:
        document["products"] = {product.pop("type"): product for product in document["products"]}
    if "no_account" in shapes:
        del document["account"]
    return document


def estimate(type_name: str, product: dict) -> int:
    """Credits a creation is expected to cost: a video 1 per 10 s, an image by quality, an app 15."""
    if type_name in ("video", "podcast"):
        return max(1, int(product.get("duration_seconds") or 240) // 10)
    if type_name == "image":
        cost = {"1K": 2, "2K": 4, "4K": 8}.get(product.get("output_quality") or "1K", 2)
        return cost * (2 if product.get("quality") == "high" else 1)
    return 15


def scene_count(product: dict) -> int:
    """How many scenes a video of this duration has: one a minute, 3 to 8."""
    return max(3, min(8, int(product.get("duration_seconds") or 240) // 60))


def plan(type_name: str, product: dict) -> list[tuple[str, str]]:
    """The named steps of a creation's first run and the status each step reports."""
    if type_name == "video":
        scenes = scene_count(product)
        middle = ["Writing the script", *[f"Rendering scene {i} of {scenes}" for i in range(1, scenes + 1)],
                  "Synthesizing narration", "Composing the video"]
    elif type_name == "image":
        middle = ["Generating the image", f"Upscaling to {product.get('output_quality') or '1K'}"]
    elif type_name == "app":
        middle = ["Writing the content", "Building the app", "Testing the app"]
    else:
        middle = ["Generating", "Assembling"]
    return [(f"Planning the {type_name}", "planning"), *[(step, "generating") for step in middle],
            ("Reviewing the delivery", "reviewing")]


CHANGE_PLAN = [("Applying your change", "generating"), ("Re-rendering the changed scenes", "generating"),
               ("Composing the video", "generating"), ("Reviewing the delivery", "reviewing")]

_OUTPUTS = {  # type -> [(file name, kind, label, mime type, base size)]
    "video": [("main.mp4", "video", "Final video", "video/mp4", 40_000_000),
              ("subtitles.{lang}.vtt", "subtitles", "Subtitles ({lang})", "text/vtt", 9_000),
              ("cover.png", "image", "Cover image", "image/png", 300_000)],
    "image": [("image.png", "image", "Image", "image/png", 2_000_000)],
    "app": [("app/index.html", "html", "App (HTML)", "text/html", 80_000),
            ("app.zip", "archive", "App source (zip)", "application/zip", 400_000)],
}
_OTHER_OUTPUTS = [("main.bin", "file", "Delivery", "application/octet-stream", 1_000_000)]


def outputs(creation_id: str, type_name: str, product: dict, version: int, seed: int) -> list[dict]:
    """The delivery of one version: URLs and labels carry the version from the second one on."""
    lang = product.get("language") or "en"
    suffix = f" (v{version})" if version > 1 else ""
    items = []
    for number, (name, kind, label, mime, size) in enumerate(_OUTPUTS.get(type_name, _OTHER_OUTPUTS), 1):
        items.append({"output_id": f"out_v{version}_{number}", "kind": kind,
                      "label": label.format(lang=lang) + suffix,
                      "url": f"{CDN}/creations/{creation_id}/v{version}/{name.format(lang=lang)}",
                      "mime_type": mime, "size_bytes": size + (seed * 7919 + version * 131) % (size // 2 + 1)})
    return items


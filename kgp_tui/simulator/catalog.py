"""The simulator's catalog, built in code: content types with their limits, languages, voices, styles and models.

`build_catalog(variant)` returns the catalog the simulator validates against, in the contract's list form.
`render_catalog(catalog, variant)` turns it into the document GET /catalog sends. The `shapes` variant sends the
tolerated shapes (content types keyed by type, limits as lists of values or missing, no `voices`, empty `styles`);
the `extra_type` variant adds a content type the client has never heard of (`storyboard`).
"""

from __future__ import annotations

import copy
import functools

DEFAULT = "default"
SHAPES = "shapes"
EXTRA_TYPE = "extra_type"

# Input-only aliases [doc]: requests may use them, the catalog and every reply use the canonical name.
ALIASES = {"knowledge_video": "explainer_video", "web_app": "interactive_lesson"}

LANGUAGES = [
    {"code": "en", "name": "English"},
    {"code": "zh", "name": "中文"},
    {"code": "es", "name": "Español"},
    {"code": "fr", "name": "Français"},
    {"code": "de", "name": "Deutsch"},
    {"code": "ja", "name": "日本語"},
    {"code": "pt", "name": "Português"},
    {"code": "ko", "name": "한국어"},
]

VOICES = [
    {"voice_id": "v_en_f1", "name": "Maple", "language": "en", "gender": "female"},
    {"voice_id": "v_en_m1", "name": "Cedar", "language": "en", "gender": "male"},
    {"voice_id": "v_zh_f1", "name": "Lan", "language": "zh", "gender": "female"},
    {"voice_id": "v_zh_m1", "name": "Wei", "language": "zh", "gender": "male"},
    {"voice_id": "v_es_f1", "name": "Lucía", "language": "es", "gender": "female"},
    {"voice_id": "v_fr_m1", "name": "Étienne", "language": "fr", "gender": "male"},
    {"voice_id": "v_de_f1", "name": "Greta", "language": "de", "gender": "female"},
    {"voice_id": "v_ja_f1", "name": "Sakura", "language": "ja", "gender": "female"},
    {"voice_id": "v_ja_m1", "name": "Haruto", "language": "ja", "gender": "male"},
    {"voice_id": "v_pt_f1", "name": "Inês", "language": "pt", "gender": "female"},
    {"voice_id": "v_ko_m1", "name": "Minjun", "language": "ko", "gender": "male"},
]

_VIDEO_TYPES = ["explainer_video", "slides_video", "vector_animation"]
STYLES = [
    {"style_id": "st_chalk", "name": "Chalkboard", "types": ["slides_video", "explainer_video"]},
    {"style_id": "st_flat", "name": "Flat vector", "types": [*_VIDEO_TYPES, "slide_deck"]},
    {"style_id": "st_blueprint", "name": "Blueprint", "types": ["slides_video", "slide_deck", "explainer_video"]},
    {"style_id": "st_corporate", "name": "Corporate clean", "types": ["slide_deck", "slides_video"]},
    {"style_id": "st_watercolor", "name": "Watercolor", "types": ["image", "vector_animation"]},
    {"style_id": "st_photo", "name": "Photoreal", "types": ["image"]},
    {"style_id": "st_anime", "name": "Anime", "types": ["image", "vector_animation"]},
]
STORYBOARD_STYLE = {"style_id": "st_sketch", "name": "Pencil sketch", "types": ["storyboard"]}

IMAGE_GENERATION = {"models": [
    {"provider": "gemini", "model": "nano-banana-2", "display_name": "Nano Banana 2",
     "aspect_ratios": ["16:9", "9:16", "3:2", "2:3", "1:1"], "output_qualities": ["1K", "2K", "4K"],
     "sizes": ["1K", "2K", "4K"], "qualities": []},
    {"provider": "azure_openai", "model": "gpt-image-1", "display_name": "GPT Image 1",
     "aspect_ratios": ["1:1", "3:2", "2:3"], "output_qualities": ["1K"],
     "sizes": ["1024x1024", "1536x1024", "1024x1536"], "qualities": ["low", "medium", "high"]},
]}

VIDEO_GENERATION = {"models": [
    {"model": "gemini-omni-flash", "display_name": "Gemini Omni Flash", "tasks": ["text_to_video"],
     "resolutions": ["720p"], "duration_seconds": {"min": 3, "max": 10, "default": 8},
     "native_audio": True, "supports_iterate": True},
    {"model": "veo-3", "display_name": "Veo 3", "tasks": ["text_to_video"],
     "resolutions": ["720p", "1080p", "4K"], "duration_seconds": {"min": 4, "max": 8, "default": 8},
     "native_audio": True, "supports_iterate": False},
]}

_SCENE_EDITS = ["update_scene_narration", "regenerate_scene"]


def _content_type(type_name: str, display_name: str, description: str, fields: list[str], *,
                  aspect_ratios: list[str] | None = None, default_aspect_ratio: str | None = None,
                  output_qualities: list[str] | None = None, scene_count: dict | None = None,
                  duration_seconds: dict | None = None, editable_actions: list[str] | None = None,
                  aliases: list[str] | None = None) -> dict:
    ratios = aspect_ratios or []
    return {
        "type": type_name, "display_name": display_name, "description": description,
        "fields": fields, "required": ["prompt"],
        "aspect_ratios": ratios,
        "default_aspect_ratio": default_aspect_ratio or (ratios[0] if ratios else None),
        "output_qualities": output_qualities or [],
        "scene_count": scene_count, "duration_seconds": duration_seconds,
        "editable_actions": editable_actions or [], "aliases": aliases or [],
    }


def _content_types() -> list[dict]:
    narrated = ["prompt", "instructions", "language", "aspect_ratio", "output_quality"]
    return [
        _content_type(
            "explainer_video", "Explainer Video", "An animated, narrated explainer of a set length.",
            [*narrated, "duration_seconds", "voice_id", "style_id"],
            aspect_ratios=["16:9", "9:16", "1:1"], output_qualities=["1K", "2K"],
            duration_seconds={"min": 4, "max": 90, "default": 60}, editable_actions=_SCENE_EDITS,
            aliases=["knowledge_video"]),
        _content_type(
            "slides_video", "Explainer Video (Slide-based)", "Narrated slides, page by page.",
            [*narrated, "scene_count", "voice_id", "style_id"],
            aspect_ratios=["16:9", "9:16", "1:1"], output_qualities=["1K", "2K"],
            scene_count={"min": 1, "max": 20, "default": 6}, editable_actions=_SCENE_EDITS),
        _content_type(
            "vector_animation", "Vector Animation", "A flat-vector motion graphic with narration.",
            [*narrated, "duration_seconds", "voice_id", "style_id"],
            aspect_ratios=["16:9", "9:16", "1:1"], output_qualities=["1K", "2K", "4K"],
            duration_seconds={"min": 4, "max": 60, "default": 30}, editable_actions=_SCENE_EDITS),
        _content_type(
            "slide_deck", "Slide Deck", "A presentation with speaker notes, as PDF and PPTX.",
            ["prompt", "instructions", "language", "aspect_ratio", "scene_count", "style_id"],
            aspect_ratios=["16:9", "1:1"], scene_count={"min": 1, "max": 20, "default": 10},
            editable_actions=_SCENE_EDITS),
        _content_type(
            "image", "Image", "A single generated image.",
            ["prompt", "aspect_ratio", "output_quality", "style_id", "image_generation"],
            aspect_ratios=["16:9", "9:16", "3:2", "2:3", "1:1"], default_aspect_ratio="1:1",
            output_qualities=["1K", "2K", "4K"]),
        _content_type(
            "interactive_lesson", "Interactive Lesson", "A self-contained web page with quizzes.",
            ["prompt", "language", "instructions"], aliases=["web_app"]),
        _content_type(
            "ai_video", "AI Video", "A short generated video clip with native audio.",
            ["prompt", "aspect_ratio", "video_generation"],
            aspect_ratios=["16:9", "9:16"], editable_actions=["iterate"]),
    ]


def _storyboard() -> dict:
    return _content_type(
        "storyboard", "Storyboard", "Sketched frames for planning a shoot.",
        ["prompt", "language", "aspect_ratio", "scene_count", "style_id"],
        aspect_ratios=["16:9", "2:3"], scene_count={"min": 2, "max": 12, "default": 4},
        editable_actions=["regenerate_scene"])


def build_catalog(variant: str = DEFAULT) -> dict:
    """A fresh catalog (list form) for a variant; callers may change it freely."""
    types = _content_types()
    styles = copy.deepcopy(STYLES)
    if variant == EXTRA_TYPE:
        types.append(_storyboard())
        styles.append(copy.deepcopy(STORYBOARD_STYLE))
    elif variant == SHAPES:
        by_name = {entry["type"]: entry for entry in types}
        by_name["slides_video"]["scene_count"] = [4, 6, 8]
        by_name["explainer_video"]["duration_seconds"] = [30, 60, 90]
        del by_name["slide_deck"]["scene_count"]
        del by_name["vector_animation"]["duration_seconds"]
        del by_name["image"]["default_aspect_ratio"]
        del by_name["interactive_lesson"]["aliases"]
    return {
        "content_types": types,
        "languages": copy.deepcopy(LANGUAGES),
        "voices": copy.deepcopy(VOICES),
        "styles": styles,
        "image_generation": copy.deepcopy(IMAGE_GENERATION),
        "video_generation": copy.deepcopy(VIDEO_GENERATION),
    }


def render_catalog(catalog: dict, variant: str = DEFAULT) -> dict:
    """The GET /catalog document for a catalog built by `build_catalog(variant)`."""
    document = copy.deepcopy(catalog)
    if variant == SHAPES:
        document["content_types"] = {
            entry.pop("type"): entry for entry in document["content_types"]
        }
        del document["voices"]
        document["styles"] = []
    return document


def find_type(catalog: dict, name: str) -> dict | None:
    """The catalog entry for a type name or one of its aliases."""
    canonical = ALIASES.get(name, name)
    for entry in catalog["content_types"]:
        if entry["type"] == canonical or name in entry.get("aliases", []):
            return entry
    return None


def find_voice(voice_id: str) -> dict | None:
    return next((voice for voice in VOICES if voice["voice_id"] == voice_id), None)


def default_voice(language: str | None) -> str | None:
    voice = next((voice for voice in VOICES if voice["language"] == language), None)
    return voice["voice_id"] if voice else None


def find_style(style_id: str) -> dict | None:
    return next((style for style in (*STYLES, STORYBOARD_STYLE) if style["style_id"] == style_id), None)


def image_models() -> list[dict]:
    return IMAGE_GENERATION["models"]


def video_model(name: str) -> dict | None:
    return next((model for model in VIDEO_GENERATION["models"] if model["model"] == name), None)


@functools.cache
def _actions_by_type() -> dict[str, tuple[str, ...]]:
    return {entry["type"]: tuple(entry["editable_actions"]) for entry in [*_content_types(), _storyboard()]}


def editable_actions(type_name: str) -> list[str]:
    """The edit actions a type offers, in any catalog variant (a fresh list)."""
    return list(_actions_by_type().get(ALIASES.get(type_name, type_name), ()))

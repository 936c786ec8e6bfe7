"""Request bodies for POST /creations and POST /creations/{id}/edit, and the checks made before sending.

Pure logic, no I/O. The catalog entry decides which fields a type sends and their limits; the contract's
global value sets apply only where the catalog gives none.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .models import (
    ALIASES,
    Catalog,
    ContentType,
    Creation,
    ImageModel,
    Limit,
    canonical_type,
)

__all__ = [
    "ALIASES",
    "ASPECT_RATIOS",
    "EDIT_ACTIONS",
    "ITERATE_MODELS",
    "OUTPUT_QUALITIES",
    "TEXT_MAX",
    "allowed_choices",
    "build_create_payload",
    "build_edit_payload",
    "canonical_type",
    "clean_value",
    "image_model_for",
    "validate_create",
    "validate_edit",
    "video_model_of",
]

TEXT_MAX = 10_000
ASPECT_RATIOS = ("16:9", "9:16", "3:2", "2:3", "1:1")
OUTPUT_QUALITIES = ("1K", "2K", "4K")
IMAGE_PROVIDERS = ("gemini", "azure_openai")
IMAGE_QUALITIES = ("low", "medium", "high")
VIDEO_TASKS = ("text_to_video",)
VIDEO_RESOLUTIONS = ("720p", "1080p", "4K")
EDIT_ACTIONS = ("update_scene_narration", "regenerate_scene", "iterate")
# The contract's ranges, used when the catalog entry gives no limit of its own.
DEFAULT_LIMITS = {
    "scene_count": Limit(min=1, max=20),
    "duration_seconds": Limit(min=4, max=90),
}
VIDEO_DURATION = Limit(min=3, max=10)
# Fields sent as whole numbers: a form hands them over as text.
INTEGER_FIELDS = frozenset({"scene_count", "duration_seconds"})
REQUIRED = "This field is required."


def _integer(value: Any) -> int | None:
    """``value`` as a whole number (``6``, ``6.0``, ``" 6 "``); None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip()
        try:
            value = float(text) if text else None
        except ValueError:
            return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _number_text(text: str) -> int | float | None:
    try:
        number = float(text)
    except ValueError:
        return None
    if number != number or number in (float("inf"), float("-inf")):
        return None
    return int(number) if number.is_integer() else number


def clean_value(value: Any, *, numeric: bool = False) -> Any:
    """Trim strings, make integral floats ints, clean dicts and lists; None for anything empty (omit it).

    With ``numeric``, a string holding a number (as a form gives it) becomes that number.
    """
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        if numeric and (number := _number_text(text)) is not None:
            return number
        return text
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, Mapping):
        cleaned = {}
        for key, item in value.items():
            item = clean_value(item, numeric=key in INTEGER_FIELDS)
            if item is not None:
                cleaned[str(key)] = item
        return cleaned or None
    if isinstance(value, (list, tuple)):
        items = [c for c in (clean_value(v) for v in value) if c is not None]
        return items or None
    return value


def build_create_payload(ct: ContentType, values: Mapping[str, Any]) -> dict[str, Any]:
    """``type`` plus only the fields ``ct`` lists, cleaned; unset fields are left out."""
    payload: dict[str, Any] = {"type": canonical_type(ct.type)}
    for field in ct.fields:
        if field == "type":
            continue
        value = clean_value(values.get(field), numeric=field in INTEGER_FIELDS or ct.limit(field) is not None)
        if value is not None:
            payload[field] = value
    return payload


# What each documented edit action takes [doc]; an action we do not know keeps every given field.
EDIT_FIELDS: dict[str, tuple[str, ...]] = {
    "update_scene_narration": ("scene_id", "narration_text", "voice_id"),
    "regenerate_scene": ("scene_id", "prompt"),
    "iterate": ("prompt",),
}


# The contract [doc]: iterate is only for ai_video made with gemini-omni-flash.
ITERATE_MODELS = frozenset({"gemini-omni-flash"})


def video_model_of(creation: Any) -> str | None:
    """The video model a creation was made with, when its detail says (`video_generation.model`, an extra field)."""
    value = getattr(creation, "video_generation", None)
    if value is None:
        value = (getattr(creation, "model_extra", None) or {}).get("video_generation")
    model = value.get("model") if isinstance(value, dict) else getattr(value, "model", None)
    return model if isinstance(model, str) and model.strip() else None


def build_edit_payload(
    action: str,
    scene_id: str | int | None = None,
    narration_text: str | None = None,
    voice_id: str | None = None,
    prompt: str | None = None,
) -> dict[str, Any]:
    """The body of POST /creations/{id}/edit: ``action`` plus the non-empty fields that action takes, trimmed."""
    fields = {
        "action": action,
        "scene_id": str(scene_id) if isinstance(scene_id, int) and not isinstance(scene_id, bool) else scene_id,
        "narration_text": narration_text,
        "voice_id": voice_id,
        "prompt": prompt,
    }
    allowed = EDIT_FIELDS.get(_text(action))
    if allowed is not None:
        fields = {name: value for name, value in fields.items() if name == "action" or name in allowed}
    return clean_value(fields) or {}


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _is_empty(value: Any) -> bool:
    return clean_value(value) is None


def _one_of(value: Any, allowed: Any) -> str | None:
    allowed = [str(a) for a in allowed]
    if str(value) in allowed:
        return None
    return "Choose one of " + ", ".join(allowed) + "."


def _check_number(value: Any, limit: Limit | None, *, integer: bool) -> str | None:
    number = _integer(value) if integer else None
    if integer and number is None:
        return "Enter a whole number."
    if limit is not None and not limit.allows(number if integer else value):
        return f"Must be {limit.describe()}."
    return None


def _too_long(value: Any) -> str | None:
    size = len(_text(value))
    return f"At most {TEXT_MAX:,} characters (now {size:,})." if size > TEXT_MAX else None


def validate_create(ct: ContentType, values: Mapping[str, Any], catalog: Catalog) -> dict[str, str]:
    """Client-side checks before POST /creations: {field: message}; empty when the values look sendable.

    Only fields the type lists are checked (the others are not sent). Nested fields report as
    ``image_generation.quality``.
    """
    errors: dict[str, str] = {}
    fields = set(ct.fields)
    for field in ct.required:
        if field in fields and _is_empty(values.get(field)):
            errors[field] = REQUIRED
    for field in ct.fields:
        value = values.get(field)
        if field in errors or _is_empty(value):
            continue
        problem = _check_field(field, value, ct, values, catalog, errors)
        if problem:
            errors[field] = problem
    return errors


def image_model_for(catalog: Catalog, value: Any) -> ImageModel | None:
    """The catalog's image model that an ``image_generation`` value names; None for no model or an unknown one."""
    name = _text(value.get("model")) if isinstance(value, Mapping) else ""
    return next((m for m in catalog.image_models if m.model == name), None) if name else None


def _narrowed(offered: Any, by_model: Any) -> list[str]:
    """The type's values that the model also lists (all of them when the model lists none)."""
    offered = [str(v) for v in offered]
    return [v for v in offered if v in by_model] if by_model else offered


def allowed_choices(ct: ContentType, catalog: Catalog, values: Mapping[str, Any]) -> dict[str, list[str]]:
    """What the choice fields of ``ct`` may hold given the other values: the form offers these, validation checks them.

    The chosen image model narrows the type's aspect ratios and output qualities to the ones it lists, and brings
    its own native ``image_generation.quality`` values: none when it lists none (or when no model is chosen).
    """
    fields = set(ct.fields)
    model = image_model_for(catalog, values.get("image_generation")) if "image_generation" in fields else None
    allowed: dict[str, list[str]] = {}
    if "aspect_ratio" in fields:
        allowed["aspect_ratio"] = _narrowed(ct.aspect_ratios or ASPECT_RATIOS, model.aspect_ratios if model else [])
    if "output_quality" in fields:
        allowed["output_quality"] = _narrowed(ct.output_qualities or OUTPUT_QUALITIES,
                                              model.output_qualities if model else [])
    if "image_generation" in fields:
        allowed["image_generation.quality"] = [q for q in (model.qualities if model else []) if q in IMAGE_QUALITIES]
    return allowed


def _model_choice(field: str, value: str, ct: ContentType, values: Mapping[str, Any], catalog: Catalog) -> str | None:
    """``aspect_ratio`` / ``output_quality``: one the type offers, and one the chosen image model takes."""
    offered = (ct.aspect_ratios or ASPECT_RATIOS) if field == "aspect_ratio" else (ct.output_qualities or OUTPUT_QUALITIES)
    if problem := _one_of(value, offered):
        return problem
    allowed = allowed_choices(ct, catalog, values).get(field, [])
    if value in allowed:
        return None
    model = image_model_for(catalog, values.get("image_generation"))
    name = (model.display_name or model.model) if model else "the chosen model"
    return f"{name} takes " + (", ".join(allowed) if allowed else "none of this type's values") + "."


def _check_field(
    field: str, value: Any, ct: ContentType, values: Mapping[str, Any], catalog: Catalog, errors: dict[str, str]
) -> str | None:
    if field in ("prompt", "instructions"):
        return _too_long(value)
    if field in ("aspect_ratio", "output_quality"):
        return _model_choice(field, _text(value), ct, values, catalog)
    if field == "language":
        if catalog.languages and catalog.language(_text(value)) is None:
            return _one_of(_text(value), [lang.code for lang in catalog.languages])
        return None
    if field == "voice_id":
        return _check_voice(_text(value), _text(values.get("language")) if "language" in ct.fields else "", catalog)
    if field == "style_id":
        return _check_style(_text(value), ct, catalog)
    if field == "image_generation":
        errors.update(_check_image(value, catalog))
        return None
    if field == "video_generation":
        errors.update(_check_video(value, catalog))
        return None
    limit = ct.limit(field) or DEFAULT_LIMITS.get(field)
    if field in INTEGER_FIELDS or limit is not None:
        return _check_number(value, limit, integer=field in INTEGER_FIELDS or _integer(value) is not None)
    options = ct.options(field)  # a field only this catalog knows, with its listed values
    if options and not isinstance(value, (dict, list)):
        return _one_of(_text(value) if isinstance(value, str) else value, options)
    return None


def _check_voice(voice_id: str, language: str, catalog: Catalog) -> str | None:
    if not catalog.voices:
        return None  # the catalog lists no voices: nothing to check against
    voice = catalog.voice(voice_id)
    if voice is None:
        return "Unknown voice: choose one from the list."
    if language and voice not in catalog.voices_for(language):
        return f"Voice {voice.label} speaks {voice.language}, not {language}."
    return None


def _check_style(style_id: str, ct: ContentType, catalog: Catalog) -> str | None:
    if not catalog.styles:
        return None
    style = catalog.style(style_id)
    if style is None:
        return "Unknown style: choose one from the list."
    if style not in catalog.styles_for(ct.type):
        return f"Style {style.label} is not available for {ct.label}."
    return None


def _check_image(value: Any, catalog: Catalog) -> dict[str, str]:
    if not isinstance(value, Mapping):
        return {"image_generation": "Expected image settings."}
    errors: dict[str, str] = {}
    provider, model_name = _text(value.get("provider")), _text(value.get("model"))
    if provider and (problem := _one_of(provider, IMAGE_PROVIDERS)):
        errors["image_generation.provider"] = problem
    quality = _text(value.get("quality"))
    if quality and (problem := _one_of(quality, IMAGE_QUALITIES)):
        errors["image_generation.quality"] = problem
    models = catalog.image_models
    if model_name and models:
        model = next((m for m in models if m.model == model_name), None)
        if model is None:
            errors["image_generation.model"] = _one_of(model_name, [m.model for m in models]) or ""
        else:
            if provider and model.provider and model.provider != provider and "image_generation.provider" not in errors:
                errors["image_generation.provider"] = f"{model.model} is a {model.provider} model."
            if quality and "image_generation.quality" not in errors:
                if not model.qualities:  # listed as none, or not listed: never sent for this model
                    errors["image_generation.quality"] = f"{model.model} has no quality setting."
                elif problem := _one_of(quality, model.qualities):
                    errors["image_generation.quality"] = problem
            sizes = (model.model_extra or {}).get("sizes")
            size = _text(value.get("size"))
            if size and isinstance(sizes, list) and sizes and (problem := _one_of(size, sizes)):
                errors["image_generation.size"] = problem
    return errors


def _check_video(value: Any, catalog: Catalog) -> dict[str, str]:
    if not isinstance(value, Mapping):
        return {"video_generation": "Expected video settings."}
    errors: dict[str, str] = {}
    models = catalog.video_models
    model_name = _text(value.get("model"))
    model = next((m for m in models if m.model == model_name), None) if model_name else None
    if model_name and models and model is None:
        errors["video_generation.model"] = _one_of(model_name, [m.model for m in models]) or ""
    task, resolution = _text(value.get("task")), _text(value.get("resolution"))
    if task:
        problem = _one_of(task, VIDEO_TASKS) or (model and model.tasks and _one_of(task, model.tasks))
        if problem:
            errors["video_generation.task"] = problem
    if resolution:
        problem = _one_of(resolution, VIDEO_RESOLUTIONS) or (
            model and model.resolutions and _one_of(resolution, model.resolutions)
        )
        if problem:
            errors["video_generation.resolution"] = problem
    if not _is_empty(value.get("duration_seconds")):
        duration = value.get("duration_seconds")
        problem = _check_number(duration, VIDEO_DURATION, integer=True)
        if problem is None and model is not None and model.duration_seconds is not None:
            problem = _check_number(duration, model.duration_seconds, integer=True)
        if problem:
            errors["video_generation.duration_seconds"] = problem
    audio = value.get("native_audio")
    if audio is not None and not isinstance(audio, bool):
        errors["video_generation.native_audio"] = "Expected true or false."
    return errors


def validate_edit(action: str, creation: Creation, values: Mapping[str, Any]) -> dict[str, str]:
    """Checks before POST /creations/{id}/edit: the creation must offer the action, with what it needs."""
    action = _text(action)
    if not action:
        return {"action": REQUIRED}
    if action not in creation.editable_actions:
        offered = ", ".join(creation.editable_actions) or "none"
        return {"action": f"This creation does not allow {action} (allowed: {offered})."}
    if action == "iterate" and creation.type and creation.type != "ai_video":
        return {"action": "Iterate is only for AI videos (ai_video made with gemini-omni-flash)."}
    model = video_model_of(creation)
    if action == "iterate" and model is not None and model not in ITERATE_MODELS:
        return {"action": f"Iterate is only for videos made with gemini-omni-flash, not {model}."}
    errors: dict[str, str] = {}
    needs = {
        "update_scene_narration": ("scene_id", "narration_text"),
        "regenerate_scene": ("scene_id",),
        "iterate": ("prompt",),
    }.get(action, ())
    for field in needs:
        if _is_empty(values.get(field)):
            errors[field] = REQUIRED
    scene_id = values.get("scene_id")
    if "scene_id" in needs and "scene_id" not in errors and creation.scenes:
        if str(scene_id).strip() not in {s.scene_id for s in creation.scenes}:
            errors["scene_id"] = "This creation has no such scene."
    for field in ("narration_text", "prompt"):
        if field not in errors and (problem := _too_long(values.get(field))):
            errors[field] = problem
    return errors

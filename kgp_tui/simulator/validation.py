"""Validation of POST /creations and POST /creations/{id}/edit bodies, written from the contract alone.

Each check adds a `(field, message)` pair; any pair makes the request a 422 `validation_error`. A field sent as
JSON `null` counts as not sent. Validators return the normalized request: canonical type, trimmed strings and the
type's defaults filled in.
"""

from __future__ import annotations

from . import catalog as cat

MAX_TEXT = 10_000
CONTRACT_ASPECT_RATIOS = ["16:9", "9:16", "3:2", "2:3", "1:1"]
CONTRACT_QUALITIES = ["1K", "2K", "4K"]
# The contract's ranges, used when a catalog entry gives no limit for a field the type has.
CONTRACT_LIMITS = {"scene_count": {"min": 1, "max": 20, "default": 6},
                   "duration_seconds": {"min": 4, "max": 90, "default": 60}}
CREATE_FIELDS = ["prompt", "instructions", "language", "aspect_ratio", "output_quality", "voice_id",
                 "style_id", "duration_seconds", "scene_count", "image_generation", "video_generation"]
IMAGE_QUALITIES = ["low", "medium", "high"]
VIDEO_RESOLUTIONS = ["720p", "1080p", "4K"]
EDIT_FIELDS = {
    "update_scene_narration": (["scene_id", "narration_text"], ["voice_id"]),
    "regenerate_scene": (["scene_id"], ["prompt"]),
    "iterate": (["prompt"], []),
}


class ValidationFailed(Exception):
    """The request broke one or more rules; `errors` lists `(field, message)` pairs."""

    def __init__(self, errors: list[tuple[str, str]]):
        self.errors = errors
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors))


def is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _one_of(values: list) -> str:
    return "must be one of: " + ", ".join(str(value) for value in values)


def _text(errors: list, field: str, value: object, *, required: bool) -> str | None:
    """A trimmed string of at most MAX_TEXT characters."""
    if value is None:
        if required:
            errors.append((field, "is required"))
        return None
    if not isinstance(value, str):
        errors.append((field, "must be a string"))
        return None
    text = value.strip()
    if required and not text:
        errors.append((field, "must not be empty"))
    elif len(text) > MAX_TEXT:
        errors.append((field, f"must be at most {MAX_TEXT:,} characters (got {len(text):,})"))
    return text


def _choice(errors: list, field: str, value: object, allowed: list) -> object:
    if value is not None and value not in allowed:
        errors.append((field, _one_of(allowed) if allowed else "is not available for this type"))
    return value


def _number_in_limit(errors: list, field: str, value: object, limit: object) -> object:
    """An integer within a limit given as {min,max,default} or as a list of allowed values."""
    if not is_int(value):
        errors.append((field, "must be an integer"))
    elif isinstance(limit, list):
        _choice(errors, field, value, limit)
    elif isinstance(limit, dict) and not limit["min"] <= value <= limit["max"]:
        errors.append((field, f"must be between {limit['min']} and {limit['max']}"))
    return value


def _limit_default(limit: object) -> object:
    if isinstance(limit, list):
        return limit[len(limit) // 2] if limit else None
    return limit.get("default") if isinstance(limit, dict) else None


def _unknown_keys(errors: list, prefix: str, body: dict, allowed: list[str]) -> None:
    for key in body:
        if key not in allowed:
            errors.append((f"{prefix}{key}", f"is not a known field (allowed: {', '.join(allowed)})"))


def _image_generation(errors: list, value: object) -> dict | None:
    if not isinstance(value, dict):
        errors.append(("image_generation", "must be an object"))
        return None
    value = {key: item for key, item in value.items() if item is not None}
    _unknown_keys(errors, "image_generation.", value, ["provider", "model", "size", "quality"])
    models = cat.image_models()
    provider = value.get("provider")
    if provider is None and "model" in value:
        provider = next((m["provider"] for m in models if m["model"] == value["model"]), None)
    provider = provider or "gemini"
    if provider not in ("gemini", "azure_openai"):
        errors.append(("image_generation.provider", _one_of(["gemini", "azure_openai"])))
        return None
    offered = [m for m in models if m["provider"] == provider]
    model = next((m for m in offered if m["model"] == value.get("model", offered[0]["model"])), None)
    if model is None:
        errors.append(("image_generation.model", _one_of([m["model"] for m in offered])))
        return None
    _choice(errors, "image_generation.size", value.get("size"), model["sizes"])
    quality = value.get("quality")
    if quality is not None and quality not in IMAGE_QUALITIES:
        errors.append(("image_generation.quality", _one_of(IMAGE_QUALITIES)))
    elif quality is not None and quality not in model["qualities"]:
        errors.append(("image_generation.quality", f"model {model['model']} has no quality setting"))
    return {"provider": provider, "model": model["model"], "size": value.get("size"), "quality": quality}


def _fit_image_model(errors: list, params: dict, body: dict, settings: dict | None) -> None:
    """The chosen image model takes only the aspect ratios and output qualities it lists; a default it lacks is
    replaced by its first."""
    model = next((m for m in cat.image_models() if settings and m["model"] == settings["model"]), None)
    if model is None:
        return
    for field, listed in (("aspect_ratio", model["aspect_ratios"]), ("output_quality", model["output_qualities"])):
        if field not in params or params[field] in listed:
            continue
        if body.get(field) is not None:
            errors.append((field, f"model {model['model']} {_one_of(listed)}"))
        else:
            params[field] = listed[0]


def _video_generation(errors: list, value: object) -> dict | None:
    if not isinstance(value, dict):
        errors.append(("video_generation", "must be an object"))
        return None
    value = {key: item for key, item in value.items() if item is not None}
    _unknown_keys(errors, "video_generation.", value,
                  ["model", "task", "resolution", "duration_seconds", "native_audio"])
    name = value.get("model", "gemini-omni-flash")
    model = cat.video_model(name) if isinstance(name, str) else None
    if model is None:
        errors.append(("video_generation.model", _one_of([m["model"] for m in cat.VIDEO_GENERATION["models"]])))
        return None
    task = _choice(errors, "video_generation.task", value.get("task", "text_to_video"), model["tasks"])
    resolution = value.get("resolution", model["resolutions"][0])
    if resolution not in VIDEO_RESOLUTIONS:
        errors.append(("video_generation.resolution", _one_of(VIDEO_RESOLUTIONS)))
    else:
        _choice(errors, "video_generation.resolution", resolution, model["resolutions"])
    limit = model["duration_seconds"]
    duration = value.get("duration_seconds", limit["default"])
    _number_in_limit(errors, "video_generation.duration_seconds", duration, limit)
    native_audio = value.get("native_audio", model["native_audio"])
    if not isinstance(native_audio, bool):
        errors.append(("video_generation.native_audio", "must be true or false"))
    elif native_audio and not model["native_audio"]:
        errors.append(("video_generation.native_audio", f"model {name} has no native audio"))
    return {"model": name, "task": task, "resolution": resolution, "duration_seconds": duration,
            "native_audio": native_audio}


def validate_create(body: dict, catalog: dict) -> dict:
    """Check a POST /creations body against a catalog; return the normalized creation parameters."""
    errors: list[tuple[str, str]] = []
    body = {key: value for key, value in body.items() if value is not None}
    entry = None
    type_name = body.get("type")
    if type_name is None:
        errors.append(("type", "is required"))
    elif not isinstance(type_name, str):
        errors.append(("type", "must be a string"))
    else:
        entry = cat.find_type(catalog, type_name.strip())
        if entry is None:
            known = ", ".join(item["type"] for item in catalog["content_types"])
            errors.append(("type", f"unknown content type {type_name.strip()!r} (known: {known})"))
    params: dict = {"type": entry["type"] if entry else None,
                    "prompt": _text(errors, "prompt", body.get("prompt"), required=True)}
    fields = entry["fields"] if entry else CREATE_FIELDS
    for key in body:
        if key == "type" or key == "prompt":
            continue
        if key not in CREATE_FIELDS:
            errors.append((key, "is not a known field"))
        elif key not in fields:
            errors.append((key, f"is not available for type {entry['type']}"))
    if entry is None:
        raise ValidationFailed(errors)

    def given(field: str) -> object:
        return body.get(field) if field in fields else None

    def has(field: str) -> bool:
        return field in fields

    if has("instructions"):
        params["instructions"] = _text(errors, "instructions", given("instructions"), required=False) or None
    if has("language"):
        language = given("language") or "en"
        params["language"] = _choice(errors, "language", language, [lang["code"] for lang in catalog["languages"]])
    if has("aspect_ratio"):
        ratios = entry.get("aspect_ratios") or CONTRACT_ASPECT_RATIOS
        default = entry.get("default_aspect_ratio") or ratios[0]
        params["aspect_ratio"] = _choice(errors, "aspect_ratio", given("aspect_ratio") or default, ratios)
    if has("output_quality"):
        qualities = entry.get("output_qualities") or CONTRACT_QUALITIES
        params["output_quality"] = _choice(errors, "output_quality", given("output_quality") or qualities[0],
                                           qualities)
    for field in ("scene_count", "duration_seconds"):
        if has(field):
            limit = entry.get(field) or CONTRACT_LIMITS[field]
            value = given(field)
            params[field] = _limit_default(limit) if value is None else _number_in_limit(errors, field, value, limit)
    if has("voice_id"):
        params["voice_id"] = _voice(errors, given("voice_id"), params.get("language"))
    if has("style_id"):
        style_id = given("style_id")
        style = cat.find_style(style_id) if isinstance(style_id, str) else None
        if style_id is not None and (style is None or entry["type"] not in style["types"]):
            usable = [s["style_id"] for s in catalog["styles"] if entry["type"] in s["types"]]
            errors.append(("style_id", f"style {style_id!r} is not available for {entry['type']}; "
                                       + (_one_of(usable) if usable else "this type has no styles")))
        params["style_id"] = style_id
    if has("image_generation"):
        value = given("image_generation")
        params["image_generation"] = _image_generation(errors, {} if value is None else value)
        _fit_image_model(errors, params, body, params["image_generation"])
    if has("video_generation"):
        value = given("video_generation")
        params["video_generation"] = _video_generation(errors, {} if value is None else value)
    if errors:
        raise ValidationFailed(errors)
    return params


def _voice(errors: list, voice_id: object, language: object) -> str | None:
    if voice_id is None:
        return cat.default_voice(language if isinstance(language, str) else "en")
    voice = cat.find_voice(voice_id) if isinstance(voice_id, str) else None
    if voice is None:
        errors.append(("voice_id", f"unknown voice {voice_id!r}"))
    elif language and voice["language"] != language:
        errors.append(("voice_id", f"voice {voice_id} speaks {voice['language']!r}, not {language!r}"))
    return voice_id if isinstance(voice_id, str) else None


def validate_edit(body: dict, *, editable_actions: list[str], scene_ids: list[str], language: str | None) -> dict:
    """Check a POST /creations/{id}/edit body for one creation; return the normalized edit."""
    errors: list[tuple[str, str]] = []
    body = {key: value for key, value in body.items() if value is not None}
    action = body.get("action")
    if action is None:
        errors.append(("action", "is required"))
    elif action not in EDIT_FIELDS:
        errors.append(("action", _one_of(list(EDIT_FIELDS))))
    elif action not in editable_actions:
        allowed = ", ".join(editable_actions) if editable_actions else "none"
        errors.append(("action", f"{action} is not available for this creation (allowed: {allowed})"))
    if errors:
        raise ValidationFailed(errors)
    required, optional = EDIT_FIELDS[action]
    _unknown_keys(errors, "", {key: value for key, value in body.items() if key != "action"},
                  required + optional)
    edit: dict = {"action": action}
    if "scene_id" in required:
        scene_id = body.get("scene_id")
        if scene_id is None:
            errors.append(("scene_id", "is required"))
        elif not isinstance(scene_id, str):
            errors.append(("scene_id", "must be a string"))
        elif scene_id not in scene_ids:
            errors.append(("scene_id", f"no scene {scene_id!r} in this creation"))
        edit["scene_id"] = scene_id
    if "narration_text" in required:
        edit["narration_text"] = _text(errors, "narration_text", body.get("narration_text"), required=True)
    if "voice_id" in optional and body.get("voice_id") is not None:
        edit["voice_id"] = _voice(errors, body["voice_id"], language)
    if "prompt" in required + optional:
        edit["prompt"] = _text(errors, "prompt", body.get("prompt"), required="prompt" in required) or None
    if errors:
        raise ValidationFailed(errors)
    return edit

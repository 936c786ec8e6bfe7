"""Validation of the unified surface's request bodies (create, message, action) and of a multipart upload.

As on v1, each broken rule adds a `(field, message)` pair, a field sent as JSON null counts as not sent, and the
validators return the normalized request (trimmed strings, the product's defaults filled in). A product object's
fields follow from its settings, so a product added to the capabilities gets validated without new code here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import unquote

from . import catalog as cat
from . import unified_catalog as ucat
from .validation import ValidationFailed, _one_of, _text, is_int

CREATE_FIELDS = ["type", "prompt", "instructions", "input_file_ids", "max_credits"]
ACTIONS = ["resume_after_recharge", "approve_overage", "retry"]
MIN_KEY = 8
MAX_KEY = 200


def _choice(errors: list, field: str, value: object, allowed: list) -> None:
    if value not in allowed:
        errors.append((field, _one_of(allowed) if allowed else "has no values to choose from"))


def _allowed(setting: object) -> list | dict | None:
    """A setting's allowed values as a list, or a `{min,max}` range; None when any value goes."""
    if isinstance(setting, list):
        return setting
    if isinstance(setting, dict):
        if "presets" in setting:
            return list(setting["presets"])
        if "values" in setting:
            return list(setting["values"])
        if "min" in setting and "max" in setting:
            return setting
    return None


def _default(setting: object) -> object:
    if isinstance(setting, dict) and setting.get("default") is not None:
        return setting["default"]
    allowed = _allowed(setting)
    return allowed[0] if isinstance(allowed, list) and allowed else None


def _product_fields(product: dict) -> list[str]:
    settings = product["settings"]
    fields = []
    if "bundles" in settings:
        fields += ["provider", "model", "aspect_ratio", "output_quality", "quality"]
    for name in settings:
        if name in ucat.ID_LISTS:
            fields.append(ucat.ID_LISTS[name])
        elif name != "bundles" and name not in fields:
            fields.append(name)
    return fields


def _bundle(errors: list, prefix: str, value: dict, bundles: list[dict]) -> dict:
    provider, model = value.get("provider"), value.get("model")
    if provider is None and model is None:
        bundle = bundles[0]
    elif provider is None or model is None:
        errors.append((f"{prefix}provider" if provider is None else f"{prefix}model",
                       "is required with " + ("model" if provider is None else "provider")
                       + ": a provider and its model are one bundle"))
        return {}
    else:
        bundle = next((b for b in bundles if (b["provider"], b["model"]) == (provider, model)), None)
        if bundle is None:
            pairs = ", ".join(f"{b['provider']}/{b['model']}" for b in bundles)
            errors.append((f"{prefix}model", f"{provider}/{model} is not an offered bundle (offered: {pairs})"))
            return {}
    normalized = {"provider": bundle["provider"], "model": bundle["model"]}
    for field, allowed in (("aspect_ratio", bundle["aspect_ratios"]), ("output_quality", bundle["output_qualities"])):
        normalized[field] = value.get(field, allowed[0])
        if field in value:
            _choice(errors, prefix + field, value[field], allowed)
    if "quality" in value:
        if not bundle["qualities"]:
            errors.append((f"{prefix}quality", f"{bundle['model']} has no native quality setting; leave it out"))
        else:
            _choice(errors, f"{prefix}quality", value["quality"], bundle["qualities"])
        normalized["quality"] = value["quality"]
    return normalized


def _product(errors: list, type_name: str, value: object, product: dict, languages: list[str]) -> dict:
    prefix = f"{type_name}."
    if not isinstance(value, dict):
        errors.append((type_name, "must be an object"))
        return {}
    value = {key: item for key, item in value.items() if item is not None}
    fields = _product_fields(product)
    for key in value:
        if key not in fields:
            errors.append((prefix + key, f"is not a field of {type_name} (allowed: {', '.join(fields)})"))
    settings = product["settings"]
    normalized = _bundle(errors, prefix, value, settings["bundles"]) if "bundles" in settings else {}
    for name, setting in settings.items():
        if name == "bundles":
            continue
        if name in ucat.ID_LISTS:
            field = ucat.ID_LISTS[name]
            if field in value:
                _choice(errors, prefix + field, value[field], [item[field] for item in setting])
                normalized[field] = value[field]
            continue
        allowed = languages if name == "language" and not isinstance(_allowed(setting), list) else _allowed(setting)
        chosen = value.get(name, _default(setting))
        if name in value:
            if isinstance(allowed, dict):
                if not is_int(chosen) or not allowed["min"] <= chosen <= allowed["max"]:
                    errors.append((prefix + name, f"must be an integer from {allowed['min']} to {allowed['max']}"))
            elif allowed is not None:
                _choice(errors, prefix + name, chosen, allowed)
        normalized[name] = chosen
    voice = next((v for v in settings.get("voices", []) if v["voice_id"] == normalized.get("voice_id")), None)
    if voice and normalized.get("language") and voice["language"] != normalized["language"]:
        errors.append((f"{prefix}voice_id",
                       f"voice {voice['voice_id']} speaks {voice['language']!r}, not {normalized['language']!r}"))
    return normalized


def _file_ids(errors: list, value: object, known: Callable[[str], bool]) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        errors.append(("input_file_ids", "must be a list of file ids (strings)"))
        return []
    if len(value) > ucat.MAX_FILES:
        errors.append(("input_file_ids", f"at most {ucat.MAX_FILES} files (got {len(value)})"))
    for file_id in value:
        if not known(file_id):
            errors.append(("input_file_ids", f"no uploaded file {file_id!r}; upload it with POST /files first"))
    return list(value)


def validate_create(body: dict, items: list[dict], known_file: Callable[[str], bool]) -> dict:
    """Check a POST /creations body; return {type, prompt, instructions, input_file_ids, max_credits, product}."""
    errors: list[tuple[str, str]] = []
    body = {key: value for key, value in body.items() if value is not None}
    type_name = body.get("type")
    product = None
    if type_name is None:
        errors.append(("type", "is required"))
    elif not isinstance(type_name, str):
        errors.append(("type", "must be a string"))
    else:
        type_name = type_name.strip()
        product = ucat.find(items, type_name)
        if product is None:
            errors.append(("type", _one_of([item["type"] for item in items])))
    params: dict = {"type": type_name, "prompt": _text(errors, "prompt", body.get("prompt"), required=True),
                    "instructions": _text(errors, "instructions", body.get("instructions"), required=False) or None,
                    "input_file_ids": [], "max_credits": None}
    types = [item["type"] for item in items]
    for key in body:
        if key in types and key != type_name:
            errors.append((key, f"is the product object of {key}; send only the one of type {type_name!r}"))
        elif key not in CREATE_FIELDS and key not in types:
            errors.append((key, "is not a known field"))
    if "input_file_ids" in body:
        params["input_file_ids"] = _file_ids(errors, body["input_file_ids"], known_file)
        if params["input_file_ids"] and product is not None and not product.get("accepts_files"):
            errors.append(("input_file_ids", f"{type_name} takes no input files"))
    if "max_credits" in body:
        if not is_int(body["max_credits"]) or body["max_credits"] < 1:
            errors.append(("max_credits", "must be an integer ≥ 1"))
        params["max_credits"] = body["max_credits"]
    if product is not None:
        if type_name not in body:
            errors.append((type_name, f"is required: one {type_name!r} object with the product's settings"))
        else:
            codes = [language["code"] for language in cat.LANGUAGES]
            params["product"] = _product(errors, type_name, body[type_name], product, codes)
    if errors:
        raise ValidationFailed(errors)
    return params


def idempotency_key(errors: list, value: object, *, required: bool) -> str | None:
    if value is None:
        if required:
            errors.append(("idempotency_key", (f"is required: a string of at least {MIN_KEY} characters, made "
                                               "once per intent and reused on every retry")))
        return None
    if not isinstance(value, str) or not MIN_KEY <= len(value.strip()) <= MAX_KEY:
        errors.append(("idempotency_key", f"must be a string of {MIN_KEY} to {MAX_KEY} characters"))
        return None
    return value.strip()


def _only(errors: list, body: dict, allowed: list[str]) -> None:
    for key in body:
        if key not in allowed:
            errors.append((key, f"is not a known field (allowed: {', '.join(allowed)})"))


def validate_action(body: dict) -> tuple[str, str]:
    """Check a POST /creations/{id}/actions body; return (action, idempotency_key)."""
    errors: list[tuple[str, str]] = []
    body = {key: value for key, value in body.items() if value is not None}
    _only(errors, body, ["action", "idempotency_key"])
    action = body.get("action")
    if action is None:
        errors.append(("action", "is required"))
    elif action not in ACTIONS:
        errors.append(("action", _one_of(ACTIONS)))
    key = idempotency_key(errors, body.get("idempotency_key"), required=True)
    if errors:
        raise ValidationFailed(errors)
    return action, key


def validate_message(body: dict, known_file: Callable[[str], bool]) -> dict:
    """Check a POST /creations/{id}/messages body; return {content, input_file_ids, idempotency_key}."""
    errors: list[tuple[str, str]] = []
    body = {key: value for key, value in body.items() if value is not None}
    _only(errors, body, ["content", "input_file_ids", "idempotency_key"])
    message = {"content": _text(errors, "content", body.get("content"), required=True),
               "input_file_ids": _file_ids(errors, body["input_file_ids"], known_file)
               if "input_file_ids" in body else [],
               "idempotency_key": idempotency_key(errors, body.get("idempotency_key"), required=False)}
    if errors:
        raise ValidationFailed(errors)
    return message


_PARAM = re.compile(r'''(\w+)(\*?)=(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))''')


def _params(header: str) -> dict[str, str]:
    """A header's `name=value` parameters; an RFC 5987 `name*=UTF-8''…` value wins over the plain one."""
    found: dict[str, str] = {}
    for name, star, quoted, bare in _PARAM.findall(header):
        value = quoted or bare
        if star and value.count("'") >= 2:  # charset'language'percent-encoded
            charset, _, encoded = value.split("'", 2)
            try:
                found[name.lower()] = unquote(encoded, encoding=charset or "utf-8", errors="replace")
            except LookupError:  # a charset Python does not know
                found[name.lower()] = unquote(encoded, errors="replace")
        else:
            found.setdefault(name.lower(), value)
    return found


def parse_upload(content_type: str | None, body: bytes) -> tuple[str, str, bytes]:
    """The (filename, MIME type, bytes) of the multipart form field `file`; ValidationFailed when there is none."""
    media = (content_type or "").split(";")[0].strip().lower()
    boundary = _params(content_type or "").get("boundary")
    if media != "multipart/form-data" or not boundary:
        got = media or "no Content-Type"
        raise ValidationFailed([("file", f"send the file as multipart/form-data, field 'file' (got {got})")])
    delimiter = b"\r\n--" + boundary.encode("latin-1", "replace")  # a boundary counts only at a line start
    for part in (b"\r\n" + body).split(delimiter)[1:]:
        if part.startswith(b"--"):
            break
        head, sep, data = part.partition(b"\r\n\r\n")
        if not sep:
            continue
        head = head.removeprefix(b"\r\n")
        headers = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            name, colon, value = line.partition(":")
            if colon:
                headers[name.strip().lower()] = value.strip()
        disposition = _params(headers.get("content-disposition", ""))
        if disposition.get("name") != "file":
            continue
        filename = disposition.get("filename", "").strip()
        if not filename:
            raise ValidationFailed([("file", "has no filename")])
        mime = headers.get("content-type", "application/octet-stream").split(";")[0].strip().lower()
        return filename, mime, data
    raise ValidationFailed([("file", "is required: a multipart form field named 'file'")])

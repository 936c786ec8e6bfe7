"""``GET /capabilities`` → the domain's Offer and Account: pure functions, dicts in, domain objects out.

Tolerated as the unified contract says: ``products`` as a list or a map keyed by type; a setting given as presets,
a ``{min,max,default}`` range, a plain list, or missing; voices/templates/styles in the settings, at the product
level or at the top level; a product type never seen before (it gets a form from its settings); camelCase keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import domain as d
from . import wire as w

__all__ = ["LISTS", "TEXT_MAX", "account_from_unified", "offer_from_capabilities", "product_from_unified"]

TEXT_MAX = 10_000
# A list of named things → the id field the product object sends, the entries' id key, the setting kind, and the
# product type a top-level list belongs to when no product names it [our choice where the contract is silent].
LISTS: dict[str, tuple[str, str, d.SettingKind, str]] = {
    "voices": ("voice_id", "voice_id", "voice", "video"),
    "templates": ("template_id", "template_id", "option", "video"),
    "expression_styles": ("expression_style_id", "expression_style_id", "option", "video"),
    "styles": ("style_id", "style_id", "option", "image"),
}
BUNDLE_KEYS = ("bundles", "models", "image_models")
FOLLOWERS = {"aspect_ratio": "aspect_ratios", "output_quality": "output_qualities", "quality": "qualities"}
LABELS = {
    "duration_seconds": "Duration (seconds)", "aspect_ratio": "Aspect ratio", "language": "Language",
    "voice_id": "Voice", "template_id": "Template", "expression_style_id": "Expression style", "style_id": "Style",
    "bundle": "Model", "output_quality": "Output quality", "quality": "Quality",
}


def label_of(name: str) -> str:
    return LABELS.get(name) or name.replace("_", " ").capitalize()


def account_from_unified(data: Any, shown_prefix: str) -> d.Account | None:
    """The ``account`` of the capabilities (or a ``GET /me`` reply); None when there is none. ``shown_prefix`` is
    our own prefix of the key: the server's ``key_prefix`` is never shown (it could be the whole key)."""
    if not isinstance(data, Mapping):
        return None
    a = w.obj(data)
    credits_raw = a.get("credits")
    credits = w.number(w.obj(credits_raw).get("balance")) if isinstance(credits_raw, Mapping) else w.number(credits_raw)
    can_create, scope = w.flag(a.get("can_create")), w.text(a.get("key_scope"))
    why_not = None
    if scope is not None and scope != "user":
        why_not = f"This key is not a user-level key (scope: {scope}); it cannot create."
    elif can_create is False:
        why_not = "This key cannot create content."
    return d.Account(
        key_prefix=shown_prefix, display_name=w.text(a.get("display_name")),
        email=w.text(a.get("email")), user_id=w.text(a.get("user_id")), key_scope=scope, can_create=can_create,
        credits=credits, plan=w.text(w.obj(credits_raw).get("plan")),
        max_concurrent=w.integer(a.get("max_concurrent_creations")), why_not=why_not, raw=dict(data),
    )


def _language(entry: Any) -> d.Language | None:
    if isinstance(entry, str) and entry.strip():
        return d.Language(entry.strip())
    data = w.obj(entry)
    code = w.text(w.first(data, "code", "language"))
    return d.Language(code, w.text(data.get("name"))) if code else None


def languages_of(value: Any) -> tuple[d.Language, ...]:
    entries = value if isinstance(value, list) else [{"code": k, "name": v} for k, v in w.obj(value).items()]
    return tuple(lang for lang in (_language(e) for e in entries) if lang is not None)


def files_of(value: Any) -> d.FileLimits:
    f = w.obj(value)
    return d.FileLimits(w.integer(f.get("max_bytes")), w.integer(f.get("max_files")), w.strings(f.get("mime_types")))


def _choice(value: Any) -> d.Choice | None:
    if isinstance(value, Mapping):
        entry = w.obj(value)
        raw = w.first(entry, "value", "id", "code")
        label = w.text(w.first(entry, "label", "name", "display_name"))
    else:
        raw, label = value, None
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return d.Choice(w.number(raw) or raw, label or str(w.number(raw)))
    shown = w.text(raw)
    return d.Choice(shown, label or shown) if shown is not None else None


def _choices(values: Any) -> tuple[d.Choice, ...]:
    found = tuple(c for c in (_choice(v) for v in values or ()) if c is not None)
    return tuple(dict.fromkeys(found))


# The keys that make an object a setting's spec; an object with none of them is some other field.
SPEC_KEYS = frozenset({"presets", "values", "options", "choices", "allowed", "min", "max", "minimum", "maximum",
                       "default", "required"})


def is_setting_spec(spec: Any) -> bool:
    """A setting is given as presets, a range, a list of values or an empty object [sim]; a bare value or an object
    without any of those keys is an unknown field the server added (never sent back, or it would be refused)."""
    if isinstance(spec, list):
        return True
    return isinstance(spec, Mapping) and (not spec or bool(SPEC_KEYS & set(w.obj(spec))))


def generic_setting(name: str, spec: Any, required: bool = False) -> d.Setting:
    """A setting from any shape: presets, ``{min,max,default}``, a list of allowed values, a bare default."""
    label = label_of(name)
    if isinstance(spec, list):
        spec = {"values": spec}
    if not isinstance(spec, Mapping):
        spec = {"default": spec} if spec is not None else {}
    s = w.obj(spec)
    required = required or s.get("required") is True
    default = s.get("default")
    presets = w.numbers(s.get("presets") or ())
    if presets:
        kind: d.SettingKind = "integer" if all(float(p).is_integer() for p in presets) else "number"
        return d.Setting(name, kind, label, required, _choices(presets), default=w.number(default), presets=presets)
    listed = w.first(s, "values", "options", "choices", "allowed")
    if isinstance(listed, list) and listed:
        choices = _choices(listed)
        if choices and all(isinstance(c.value, (int, float)) for c in choices):
            numbers = tuple(c.value for c in choices if not isinstance(c.value, str))
            kind = "integer" if all(float(n).is_integer() for n in numbers) else "number"
            return d.Setting(name, kind, label, required, choices, default=w.number(default), presets=numbers)
        return d.Setting(name, "choice", label, required, choices, default=w.text(default))
    low, high = w.number(w.first(s, "min", "minimum")), w.number(w.first(s, "max", "maximum"))
    if low is not None and high is not None and low > high:
        low, high = high, low
    if low is not None or high is not None or w.number(default) is not None:
        bounds = [v for v in (low, high, w.number(default)) if v is not None]
        kind = "integer" if all(float(v).is_integer() for v in bounds) else "number"
        return d.Setting(name, kind, label, required, minimum=low, maximum=high, default=w.number(default))
    if isinstance(default, bool):
        return d.Setting(name, "boolean", label, required, default=default)
    return d.Setting(name, "text", label, required, default=w.text(default))


def _bundle(entry: dict[str, Any]) -> d.ImageBundle | None:
    model = w.text(entry.get("model"))
    if model is None:
        return None
    return d.ImageBundle(
        w.text(entry.get("provider")), model, w.text(w.first(entry, "display_name", "name")),
        w.strings(entry.get("aspect_ratios")), w.strings(entry.get("output_qualities")),
        w.strings(entry.get("qualities")), raw=entry,
    )


def _named(kind: str, entries: list[dict[str, Any]], product_type: str) -> list[dict[str, Any]]:
    """Entries with an id, usable with this product (an entry listing ``types`` fits only those)."""
    id_key = LISTS[kind][1]
    kept = []
    for entry in entries:
        if w.text(w.first(entry, id_key, "id")) is None:
            continue
        types = w.strings(entry.get("types"))
        if not types or product_type in types:
            kept.append(entry)
    return kept


def _list_setting(kind: str, entries: list[dict[str, Any]], follows_language: bool, required: bool
                  ) -> tuple[d.Setting, tuple[d.Voice, ...]]:
    field, id_key, setting_kind, _ = LISTS[kind]
    choices, voices = [], []
    for entry in entries:
        ident = w.text(w.first(entry, id_key, "id")) or ""
        name = w.text(w.first(entry, "name", "display_name"))
        choices.append(d.Choice(ident, name or ident))
        if kind == "voices":
            voices.append(d.Voice(ident, name, w.text(entry.get("language")), w.text(entry.get("gender")), raw=entry))
    follows = "language" if kind == "voices" and follows_language else None
    setting = d.Setting(field, setting_kind, label_of(field), required, tuple(choices), follows=follows)
    return setting, tuple(voices)


def product_from_unified(entry: Mapping[str, Any], top: Mapping[str, Any] | None = None,
                         languages: tuple[d.Language, ...] = ()) -> d.Product | None:
    """One product; None when it has no type. ``top`` is the capabilities document (for top-level lists)."""
    p = w.obj(entry)
    type_name = w.text(p.get("type"))
    if type_name is None:
        return None
    type_name = type_name.strip()
    top_doc = w.obj(top)
    raw_settings = p.get("settings")
    spec = w.obj(raw_settings) if isinstance(raw_settings, Mapping) else {
        name: {} for name in w.strings(raw_settings)}  # a bare list of setting names
    required = set(w.strings(p.get("required")))
    settings: list[d.Setting] = [
        d.Setting("prompt", "long_text", "Prompt", True, max_length=TEXT_MAX),
        d.Setting("instructions", "long_text", "Instructions", "instructions" in required, max_length=TEXT_MAX),
    ]
    voices: tuple[d.Voice, ...] = ()
    bundles: list[d.ImageBundle] = []
    named = {field for field, *_ in LISTS.values()}
    has_language = "language" in spec
    done: set[str] = {"prompt", "instructions"}
    for name, value in spec.items():
        if name in done:
            continue
        if name in BUNDLE_KEYS and isinstance(value, (list, Mapping)):
            bundles += [b for b in (_bundle(e) for e in w.items(value, "model")) if b is not None]
            done.add(name)
            continue
        if name in LISTS or name in named:
            continue  # read below, with the product-level and top-level lists
        if name == "language":
            settings.append(_language_setting(value, languages, name in required))
        elif not is_setting_spec(value):
            continue
        elif name in FOLLOWERS and any(k in spec for k in BUNDLE_KEYS):
            continue  # given per bundle (read below; as a plain setting if the bundles turn out empty)
        else:
            settings.append(generic_setting(name, value, name in required))
        done.add(name)
    if bundles:
        settings.append(d.Setting("bundle", "bundle", "Model", True, tuple(d.Choice(b.key, b.label) for b in bundles),
                                  default=bundles[0].key))
        for field, attr in FOLLOWERS.items():
            values = tuple(dict.fromkeys(v for b in bundles for v in getattr(b, attr)))
            if values or field in spec:
                settings.append(d.Setting(field, "choice", label_of(field), False,
                                          tuple(d.Choice(v, v) for v in values), follows="bundle",
                                          default=w.text(w.obj(spec.get(field)).get("default"))))
    else:
        settings += [generic_setting(f, spec[f], f in required) for f in FOLLOWERS
                     if f in spec and f not in done and is_setting_spec(spec[f])]
    for kind, (field, _, _, home) in LISTS.items():
        entries = _first_list(kind, spec, p)
        if entries is None and (field in spec or kind in spec or (type_name == home and not _named_elsewhere(
                kind, top_doc))):
            entries = w.items(top_doc.get(kind)) if isinstance(top_doc.get(kind), list) else None
        if entries is None:
            continue
        setting, found = _list_setting(kind, _named(kind, entries, type_name), has_language, field in required)
        settings.append(setting)
        voices = found or voices
    return d.Product(
        type=type_name, label=w.text(p.get("display_name")) or type_name, description=w.text(p.get("description"))
        or "", settings=tuple(settings), accepts_files=w.flag(p.get("accepts_files")) is True,
        url_context=w.flag(p.get("url_context")) is True, bundles=tuple(bundles), voices=voices, raw=dict(entry),
    )


def _first_list(kind: str, *sources: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    for source in sources:
        if isinstance(source.get(kind), (list, Mapping)):
            return w.items(source[kind], LISTS[kind][1])
    return None


def _named_elsewhere(kind: str, top: Mapping[str, Any]) -> bool:
    """Whether some product names the top-level list (then only those products get it)."""
    field = LISTS[kind][0]
    for entry in w.items(top.get("products"), "type"):
        settings = w.obj(entry.get("settings"))
        if field in settings or kind in settings or field in w.strings(entry.get("settings")):
            return True
    return False


def _language_setting(value: Any, languages: tuple[d.Language, ...], required: bool) -> d.Setting:
    own = w.obj(value) if isinstance(value, Mapping) else {"values": value} if isinstance(value, list) else {}
    listed = w.first(own, "values", "options", "choices")
    if isinstance(listed, list) and listed:
        known = {lang.code: lang.label for lang in languages}
        choices = tuple(d.Choice(c.value, known.get(str(c.value), c.label)) for c in _choices(listed))
    else:
        choices = tuple(d.Choice(lang.code, lang.label) for lang in languages)
    default = w.text(own.get("default")) if own else w.text(value)
    return d.Setting("language", "choice", "Language", required, choices, default=default)


def offer_from_capabilities(data: Any) -> d.Offer:
    caps = w.obj(data)
    languages = languages_of(caps.get("languages"))
    products = []
    for entry in w.items(caps.get("products"), "type"):
        product = product_from_unified(entry, caps, languages)
        if product is not None:
            products.append(product)
    return d.Offer(surface="unified", products=tuple(products), languages=languages, files=files_of(caps.get("files")),
                   takes_budget=True, raw=dict(data) if isinstance(data, Mapping) else {})

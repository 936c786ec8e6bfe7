"""What editing a creation means for the app, as plain functions: which actions a creation offers and why not,
how to label an edit, what a confirmation says, and which scenes an edit changed. No Textual, no httpx."""

from __future__ import annotations

import json
from dataclasses import fields
from typing import TYPE_CHECKING, Any

from kgp_tui.api.text import sanitize

if TYPE_CHECKING:
    from kgp_tui.api.domain import Creation, Offer, Scene

NARRATE = "update_scene_narration"
REGENERATE = "regenerate_scene"
ITERATE = "iterate"
SCENE_ACTIONS = (NARRATE, REGENERATE)
SHORT_NAMES = {NARRATE: "narration", REGENERATE: "regenerate", ITERATE: "iterate"}
# Scene fields and the word an info line uses when they change (status moves during any edit: not a change).
_FIELD_WORDS = {"narration": "narration", "narration_text": "narration", "voice_id": "voice",
                "duration_seconds": "length", "title": "title"}


def creation_model(creation: Creation) -> str | None:
    """The video model a v1 creation was made with, when the detail says (`video_generation.model`)."""
    value = creation.raw.get("video_generation")
    model = value.get("model") if isinstance(value, dict) else None
    return model if isinstance(model, str) and model.strip() else None


def iterate_possible(creation: Creation) -> bool:
    """ai_video made with an iterate model; a detail that does not name its model is left to editable_actions."""
    from kgp_tui.api.payload import ITERATE_MODELS

    model = creation_model(creation)
    return getattr(creation, "type", None) == "ai_video" and (model is None or model in ITERATE_MODELS)


def edit_refusal(creation: Creation | None, action: str, *, can_create: bool, busy: bool) -> str | None:
    """Why `action` cannot be started on `creation` now, in a few words; None when it can."""
    if creation is None:
        return "the creation is still loading"
    if not can_create:
        return "read-only key: it cannot edit"
    if action not in creation.edit_actions:
        return f"this creation does not allow {action}"
    if action == ITERATE and not iterate_possible(creation):
        model = sanitize(creation_model(creation) or "?", single_line=True, max_len=40)
        return f"iterate is only for ai_video made with gemini-omni-flash (this one: {model})"
    if busy:  # the creation may still read "ready" while an edit job of it runs
        return "a job of this creation is still running: wait for it to finish (Jobs, F3)"
    if creation.status != "ready":
        return _not_ready(sanitize(creation.status, single_line=True, max_len=20))
    if action in SCENE_ACTIONS and not creation.scenes:
        return "this creation has no scenes"
    return None


def _not_ready(status: str) -> str:
    if status in ("queued", "processing"):
        return f"it is still being made ({status})"
    ended = {"failed": "it failed", "cancelled": "it was cancelled", "invalid": "it is invalid"}
    if status in ended:
        return f"{ended[status]}: there is nothing to edit"
    return f"it is {status or 'in an unknown state'}, not ready"


def scene_name(scene: Scene) -> str:
    index = scene.index if scene.index is not None else "?"
    title = sanitize(scene.title or "", single_line=True, max_len=40)
    return f"scene {index}" + (f" · {title}" if title else "")


def edit_label(action: str, scene: Scene | None = None) -> str:
    """What an edit job does, for the jobs list: "narration scene 3", "regenerate scene 2", "iterate"."""
    name = SHORT_NAMES.get(action) or sanitize(action, single_line=True, max_len=30)
    if scene is None:
        return name
    return f"{name} scene {scene.index if scene.index is not None else sanitize(scene.id, max_len=20)}"


def voice_label(offer: Offer | None, voice_id: str | None) -> str:
    if not voice_id:
        return "none"
    voices = {v.id: v for p in offer.products for v in p.voices} if offer is not None else {}
    voice = voices.get(voice_id)
    label = f"{voice.label} ({voice_id})" if voice is not None and voice.label != voice_id else voice_id
    return sanitize(label, single_line=True, max_len=60)


def _words(text: str | None) -> int:
    return len((text or "").split())


def edit_summary(action: str, creation: Creation, scene: Scene | None, payload: dict[str, Any],
                 catalog: Offer | None = None) -> list[str]:
    """The lines a confirmation shows before an edit is sent: what changes, in words."""
    lines = []
    if action == NARRATE and scene is not None:
        lines.append(f"Narration: {_words(scene.narration)} words now → {_words(payload.get('narration_text'))}"
                     " words")
        if payload.get("voice_id"):
            lines.append(f"Voice: {voice_label(catalog, scene.voice_id)} → {voice_label(catalog, payload['voice_id'])}")
        else:
            lines.append(f"Voice: kept ({voice_label(catalog, scene.voice_id)})")
    elif action == REGENERATE:
        lines.append("The scene is rendered again: it gets new images and URLs.")
    elif action == ITERATE:
        lines.append("A new version of the video is made from this prompt; the current one stays as an artifact.")
    if action in (REGENERATE, ITERATE):
        prompt = payload.get("prompt")
        lines.append("Prompt: " + (sanitize(prompt, single_line=True, max_len=200) if prompt else "(none)"))
    return lines


def body_text(payload: dict[str, Any]) -> str:
    """The JSON body as it will be sent, made safe to show (it holds text the user typed or pasted)."""
    return sanitize(json.dumps(payload, indent=2, ensure_ascii=False), max_len=20_000)


def word_order(word: str) -> tuple[int, str]:
    """Narration first, then voice, media, length; anything else after, by name."""
    known = ["narration", "voice", "media", "length", "title"]
    return (known.index(word), "") if word in known else (len(known), word)


def scene_state(scene: Scene) -> dict[str, Any]:
    """What a scene is, to compare two versions: the server's fields (status moves during any edit: left out)."""
    data = {k: v for k, v in scene.raw.items() if k not in ("status", "narration_text")}
    data.update({f.name: getattr(scene, f.name) for f in fields(scene) if f.name not in ("raw", "status", "id")})
    return data


def changed_scenes(before: tuple[Scene, ...], after: tuple[Scene, ...]) -> dict[str, list[str]]:
    """scene id → what changed ("narration", "voice", "media", …) between two versions of a creation's scenes."""
    old = {scene.id: scene_state(scene) for scene in before}
    changes: dict[str, list[str]] = {}
    for scene in after:
        previous = old.get(scene.id)
        if previous is None:
            if old:
                changes[scene.id] = ["new"]
            continue
        now = scene_state(scene)
        words = []
        for key in sorted(set(previous) | set(now)):
            if previous.get(key) == now.get(key):
                continue
            word = _FIELD_WORDS.get(key) or ("media" if key.endswith("_url") or "version" in key else key)
            if word not in words:
                words.append(word)
        if words:
            changes[scene.id] = sorted(words, key=word_order)
    return changes

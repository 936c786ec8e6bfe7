"""What a simulated job does and makes: the named steps per type or edit, titles, scenes, artifacts and URLs.

Everything here is deterministic (derived from ids and the request), so tests can rely on it. URLs point at a
host that cannot resolve (`.invalid`), so nothing ever fetches them by accident.
"""

from __future__ import annotations

import re

CDN = "https://cdn.sim.kpainter.invalid"
MAX_RENDER_STEPS = 8

_SCENE_TITLES = ["The big picture", "The core idea", "A closer look", "A worked example", "Common pitfalls",
                 "How it fits together", "Going further", "Questions to ask"]
_MAIN_FILE = {  # type -> (main file, kind, label, mime type)
    "image": ("image.png", "image", "Image", "image/png"),
    "interactive_lesson": ("lesson/index.html", "html", "Interactive lesson (HTML)", "text/html"),
    "slide_deck": ("deck.pdf", "pdf", "Slides (PDF)", "application/pdf"),
    "storyboard": ("storyboard.pdf", "pdf", "Storyboard (PDF)", "application/pdf"),
}
_VIDEO_MAIN = ("main.mp4", "video", "Final video", "video/mp4")
_PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
NARRATED_TYPES = {"explainer_video", "slides_video", "vector_animation"}


def creation_url(creation_id: int, name: str) -> str:
    return f"{CDN}/creations/{creation_id}/{name}"


_ASK = re.compile(
    r"^(?:please\s+)?(?:explain|describe|show|teach|walk through|make|create|build|generate|draw|illustrate|"
    r"animate|film|write|design)(?:\s+(?:me|us))?(?:\s+(?:a|an)\s+[^,.]{0,30}?\s+(?:on|about|of|for))?\s+",
    re.IGNORECASE)
_LENGTH = re.compile(r"\s+in\s+\d+\s+(?:pages|slides|scenes|frames|seconds|minutes)$", re.IGNORECASE)


def derive_title(prompt: str) -> str:
    """A short title from the prompt: its first sentence without the request wording, at most 60 characters."""
    text = " ".join(prompt.split())
    text = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0].rstrip(".!?")
    text = _LENGTH.sub("", _ASK.sub("", text)) or text
    if len(text) > 60:
        text = text[:59].rsplit(" ", 1)[0] + "…"
    return text[:1].upper() + text[1:] if text else "Untitled"


def scene_count(params: dict) -> int:
    """How many scenes a finished creation has (0 for types without scenes)."""
    kind = params["type"]
    if params.get("scene_count"):
        return int(params["scene_count"])
    if kind in ("explainer_video", "vector_animation"):
        return max(2, min(8, round((params.get("duration_seconds") or 30) / 10)))
    return 0


def _render_steps(verb: str, count: int) -> list[str]:
    if count <= MAX_RENDER_STEPS:
        return [f"{verb} scene {i} of {count}" for i in range(1, count + 1)]
    size = -(-count // MAX_RENDER_STEPS)
    return [f"{verb} scenes {i}–{min(i + size - 1, count)} of {count}" for i in range(1, count + 1, size)]


def create_steps(params: dict) -> list[str]:
    """The named steps of a create job; the first is always "Queued"."""
    kind, count = params["type"], scene_count(params)
    if kind == "slides_video":
        middle = ["Writing the script", f"Planning {count} scenes", *_render_steps("Rendering", count),
                  "Synthesizing narration", "Composing the video"]
    elif kind in ("explainer_video", "vector_animation"):
        middle = ["Writing the script", "Storyboarding", *_render_steps("Animating", count),
                  "Synthesizing narration", "Composing the video"]
    elif kind == "slide_deck":
        middle = ["Outlining the deck", *_render_steps("Designing", count), "Writing speaker notes",
                  "Exporting PDF and PPTX"]
    elif kind == "image":
        middle = ["Composing the prompt", "Generating the image", "Upscaling"]
    elif kind == "interactive_lesson":
        middle = ["Planning the lesson", "Writing the content", "Building the interactive page",
                  "Checking the page"]
    elif kind == "ai_video":
        middle = ["Preparing the prompt", "Generating the video", "Adding native audio", "Encoding"]
    else:  # a type only some catalogs offer, such as storyboard
        middle = [f"Planning {count} frames" if count else "Planning", *_render_steps("Sketching", count),
                  "Assembling"]
    return ["Queued", *middle, "Uploading"]


def edit_steps(kind: str, edit: dict, scene_index: int | None, version: int) -> list[str]:
    action = edit["action"]
    if action == "update_scene_narration":
        middle = [f"Updating the narration of scene {scene_index}", "Synthesizing narration"]
    elif action == "regenerate_scene":
        middle = [f"Regenerating scene {scene_index}", f"Rendering scene {scene_index}"]
    else:
        middle = ["Preparing the iteration", f"Generating version {version}", "Encoding"]
    finish = "Exporting PDF and PPTX" if kind == "slide_deck" else "Composing the video"
    return ["Queued", *middle, finish, "Uploading"]


def _narration(title: str, topic: str, index: int) -> str:
    topic = topic[:1].lower() + topic[1:]
    return (f"{title}. In this part we look at {topic} step by step, "
            f"with one clear example for scene {index}.")


def build_result(creation_id: int, params: dict, title: str) -> dict:
    """The output of a successful create job: main_url, thumbnail_url, artifacts and scenes."""
    kind = params["type"]
    main_name, main_kind, main_label, main_mime = _MAIN_FILE.get(kind, _VIDEO_MAIN)
    seed = creation_id * 7919
    artifacts = [_artifact(1, main_kind, main_label, creation_url(creation_id, main_name), main_mime,
                           1_500_000 + seed % 50_000_000)]
    if main_kind == "video" and kind in NARRATED_TYPES:
        lang = params.get("language") or "en"
        artifacts.append(_artifact(2, "subtitles", f"Subtitles ({lang})",
                                   creation_url(creation_id, f"subtitles.{lang}.vtt"), "text/vtt",
                                   4_000 + seed % 9_000))
    if kind == "slide_deck":
        artifacts.append(_artifact(2, "pptx", "Slides (PowerPoint)", creation_url(creation_id, "deck.pptx"), _PPTX,
                                   900_000 + seed % 5_000_000))
    thumbnail = creation_url(creation_id, "cover.png")
    if kind != "image":
        artifacts.append(_artifact(len(artifacts) + 1, "image", "Cover image", thumbnail, "image/png",
                                   200_000 + seed % 800_000))
    else:
        thumbnail = creation_url(creation_id, "image_thumb.png")
    count = scene_count(params)
    voice = params.get("voice_id")
    scenes = []
    for index in range(1, count + 1):
        if index == 1:
            scene_title = "Introduction"
        elif index == count:
            scene_title = "Summary"
        else:
            scene_title = _SCENE_TITLES[(index - 2) % len(_SCENE_TITLES)]
        narration = _narration(scene_title, title, index)
        scenes.append({
            "scene_id": f"sc_{creation_id}_{index}", "index": index, "title": scene_title,
            "narration_text": narration, "duration_seconds": narration_seconds(narration),
            "voice_id": voice, "image_url": creation_url(creation_id, f"scenes/{index}.png"), "status": "ready",
        })
    return {"main_url": artifacts[0]["url"], "thumbnail_url": thumbnail, "artifacts": artifacts, "scenes": scenes}


def _artifact(number: int, kind: str, label: str, url: str, mime: str, size: int) -> dict:
    return {"artifact_id": f"a{number}", "kind": kind, "label": label, "url": url, "mime_type": mime,
            "size_bytes": size}


def narration_seconds(text: str) -> float:
    """Speaking time at about 2.5 words a second, never under 3 s."""
    return max(3.0, round(len(text.split()) / 2.5, 1))


def apply_edit(cid: int, result: dict, edit: dict, version: int) -> None:
    """Change a finished creation's result in place as a succeeded edit job does.

    `version` numbers the creation's iterations (iterate) or the scene's images (regenerate_scene), from 2.
    """
    action = edit["action"]
    if action == "iterate":
        url = creation_url(cid, f"main_v{version}.mp4")
        result["main_url"] = url
        result["thumbnail_url"] = creation_url(cid, f"cover_v{version}.png")
        number = len(result["artifacts"]) + 1
        result["artifacts"].append(_artifact(number, "video", f"Version {version}", url, "video/mp4",
                                               2_000_000 + (cid * 31 + version) % 9_000_000))
        return
    scene = next(scene for scene in result["scenes"] if scene["scene_id"] == edit["scene_id"])
    if action == "update_scene_narration":
        scene["narration_text"] = edit["narration_text"]
        scene["duration_seconds"] = narration_seconds(edit["narration_text"])
        if edit.get("voice_id"):
            scene["voice_id"] = edit["voice_id"]
    else:
        scene["image_url"] = creation_url(cid, f"scenes/{scene['index']}_v{version}.png")

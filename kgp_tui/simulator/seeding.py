"""Bulk data for tests and benchmarks: many finished creations, or many jobs in flight, made deterministically.

Seeded requests go through the same validation as POST /creations, so seeded data always fits the catalog.
"""

from __future__ import annotations

from collections.abc import Callable

from . import catalog as cat
from . import unified_catalog as ucat
from .state import Fate, Store
from .unified_state import UnifiedStore
from .unified_validation import validate_create as validate_unified
from .validation import validate_create

_TOPICS = [
    "how transformer attention works", "photosynthesis for beginners", "the water cycle", "compound interest",
    "the French Revolution in five minutes", "how vaccines train the immune system", "sorting algorithms compared",
    "plate tectonics", "the basics of music theory", "how a CPU executes instructions",
    "black holes and event horizons", "supply and demand", "the history of the printing press",
    "how neural networks learn", "ocean currents and climate", "the rules of chess", "DNA replication",
    "how the internet routes packets", "the Pythagorean theorem", "why the sky is blue",
    "a healthy sleep routine", "the life cycle of a star", "budgeting for students", "how bees communicate",
]
_VERBS = {
    "explainer_video": "Explain", "slides_video": "Walk through", "vector_animation": "Animate",
    "slide_deck": "Build a deck on", "image": "Illustrate", "interactive_lesson": "Teach",
    "ai_video": "Film a short clip about",
}
_TYPES = list(_VERBS)
_LANGUAGES = ["en", "en", "es", "zh", "en", "fr", "de", "ja"]
SEED_STEP_SECONDS = 5.0


def _body(index: int, catalog: dict) -> dict:
    kind = _TYPES[index % len(_TYPES)]
    topic = _TOPICS[index % len(_TOPICS)]
    round_ = index // len(_TOPICS)
    prompt = f"{_VERBS[kind]} {topic}" + (f" (part {round_ + 1})" if round_ else "")
    body: dict = {"type": kind, "prompt": prompt}
    entry = cat.find_type(catalog, kind)
    if "language" in entry["fields"]:
        body["language"] = _LANGUAGES[index % len(_LANGUAGES)]
    if "scene_count" in entry["fields"]:
        body["scene_count"] = 3 + index % 6
    return body


def _fate(index: int) -> Fate:
    if index % 17 == 8:
        return Fate("failed", 2, "content_policy", "The prompt was flagged by the content policy (simulated).",
                    creation_status="invalid")
    if index % 10 == 3:
        return Fate("failed", 4, "render_failed")
    return Fate()


def _owner(store: Store | UnifiedStore, key: str | None) -> str:
    owner = key or next(iter(store.accounts))
    if owner not in store.accounts:
        raise ValueError("seeding needs one of the simulator's own keys")
    return owner


def _seed(store: Store, n: int, key: str | None,
          timing: Callable[[int, float], tuple[float, Fate, float]]) -> list[dict]:
    """Create n creations; `timing(index, now)` gives each one's start time, fate and step length."""
    owner = _owner(store, key)
    catalog = cat.build_catalog()
    now = store.clock()
    with store.lock:
        replies = []
        for index in range(n):
            start, fate, step_seconds = timing(index, now)
            params = validate_create(_body(index, catalog), catalog)
            replies.append(store.create(owner, params, fate, created_at=start, step_seconds=step_seconds))
    return replies


def seed_creations(store: Store, n: int, key: str | None = None) -> list[int]:
    """Make n finished creations (mostly ready, some failed or invalid), 15 minutes apart, newest last."""
    replies = _seed(store, n, key, lambda index, now: (now - (n - index) * 900 - 600, _fate(index),
                                                       SEED_STEP_SECONDS))
    return [reply["creation_id"] for reply in replies]


def seed_jobs(store: Store, n: int, key: str | None = None) -> list[int]:
    """Start n create jobs now, staggered by half a step so they sit at different steps."""
    step = store.step_seconds
    replies = _seed(store, n, key, lambda index, now: (now - (index % 4) * step / 2, Fate(), step))
    return [reply["job"]["job_id"] for reply in replies]


_UNIFIED_TYPES = {"video": ("Explain", {"duration_seconds": 120}), "image": ("Illustrate", {}),
                  "app": ("Build an app that teaches", {})}


def _unified_fate(index: int) -> Fate:
    if index % 17 == 8:
        return Fate("failed", 2, "content_policy")
    if index % 10 == 3:
        return Fate("failed", 3, "render_failed")
    return Fate()


def seed_unified(store: UnifiedStore, n: int, key: str | None, *, running: bool) -> list[str]:
    """n unified creations: finished ones (mostly ready, some failed) 15 minutes apart, newest last; or, when
    `running`, n started now and staggered by half a step."""
    owner = _owner(store, key)
    items = ucat.products()
    now = store.clock()
    ids = []
    with store.lock:
        for index in range(n):
            kind = list(_UNIFIED_TYPES)[index % len(_UNIFIED_TYPES)]
            verb, product = _UNIFIED_TYPES[kind]
            topic = _TOPICS[index % len(_TOPICS)]
            round_ = index // len(_TOPICS)
            body = {"type": kind, "prompt": f"{verb} {topic}" + (f" (part {round_ + 1})" if round_ else ""),
                    kind: dict(product)}
            params = validate_unified(body, items, lambda _file_id: False)
            if running:
                start, fate, step = now - (index % 4) * store.step_seconds / 2, Fate(), store.step_seconds
            else:
                start, fate, step = now - (n - index) * 900 - 600, _unified_fate(index), SEED_STEP_SECONDS
            ids.append(store.create(owner, params, fate, created_at=start, step_seconds=step)["creation_id"])
    return ids

"""Typed views of the KGP replies, tolerant by design.

The simulator's shapes are our guess at the real server's, so every model keeps unknown fields
(``extra="allow"``), treats statuses and types as plain strings, gives every non-essential field a default,
and drops a non-essential value that does not fit rather than failing the whole reply. Only the fields a
reply is useless without (ids) are required; a reply missing them is a ``MalformedResponse`` in the client.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field, model_validator

from .domain import same_language as _same_language  # one language match for both surfaces
from .text import parse_time
from .tolerant import (
    ALIASES,
    CREATION_STATUSES,
    JOB_STATUSES,
    JOB_TERMINAL,
    KGPModel,
    Limit,
    StrList,
    as_number,
    canonical_type,
    valid_items,
)

Id = Annotated[int, Field(ge=1)]  # creation and job ids are integers ≥ 1 [doc]; 0 or less is a malformed reply

__all__ = [
    "ALIASES", "CREATION_STATUSES", "JOB_STATUSES", "JOB_TERMINAL", "Artifact", "Catalog", "ContentType",
    "CreateResponse", "Creation", "CreationPage", "CreationSummary", "Credits", "EditResponse", "Health",
    "ImageGeneration", "ImageModel", "Job", "JobError", "JobRef", "KGPModel", "Language", "Limit", "Me",
    "Scene", "Style", "VideoGeneration", "VideoModel", "Voice", "canonical_type", "parse_time",
]


class Health(KGPModel):
    status: str = "unknown"
    version: str | None = None


class Credits(KGPModel):
    balance: float | int | None = None
    plan: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _bare(cls, data: Any) -> Any:
        return {"balance": data} if as_number(data) is not None else data


class Me(KGPModel):
    user_id: int | None = None
    display_name: str | None = None
    email: str | None = None
    key_prefix: str | None = None
    key_scope: str | None = None
    can_create: bool | None = None
    credits: Credits | None = None

    @property
    def can_use(self) -> bool:
        """The documented check: a user-level key that can create."""
        return self.key_scope == "user" and self.can_create is True


class ContentType(KGPModel):
    """One entry of the catalog; the create form for a type is built from exactly this."""

    type: str
    display_name: str | None = None
    description: str = ""
    fields: StrList = Field(default_factory=lambda: ["prompt"])
    required: StrList = Field(default_factory=lambda: ["prompt"])
    aspect_ratios: StrList = []
    default_aspect_ratio: str | None = None
    output_qualities: StrList = []
    scene_count: Limit | None = None
    duration_seconds: Limit | None = None
    editable_actions: StrList = []
    aliases: StrList = []

    @model_validator(mode="after")
    def _prompt_always(self) -> ContentType:
        # The contract makes `prompt` required for every type, whatever the entry lists.
        if "prompt" not in self.fields:
            self.fields.insert(0, "prompt")
        if "prompt" not in self.required:
            self.required.insert(0, "prompt")
        return self

    @property
    def label(self) -> str:
        return self.display_name or self.type

    def limit(self, field: str) -> Limit | None:
        """The numeric limit the catalog gives for ``field`` (including fields of types we do not know)."""
        if field in ("scene_count", "duration_seconds"):
            return getattr(self, field)
        value = (self.model_extra or {}).get(field)
        return None if isinstance(value, (str, bool)) else Limit.parse(value)

    def options(self, field: str) -> list[Any] | None:
        """The allowed values the catalog lists for ``field``, or None when it lists none."""
        named = {"aspect_ratio": self.aspect_ratios, "output_quality": self.output_qualities}
        if field in named:
            return list(named[field]) or None
        extra = self.model_extra or {}
        for key in (f"{field}s", f"{field}_options", f"{field}_choices"):
            if isinstance(extra.get(key), list) and extra[key]:
                return list(extra[key])
        limit = self.limit(field)
        return list(limit.choices) if limit and limit.choices else None


class Language(KGPModel):
    code: str
    name: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _bare(cls, data: Any) -> Any:
        return {"code": data} if isinstance(data, str) else data

    @property
    def label(self) -> str:
        return self.name or self.code


class Voice(KGPModel):
    voice_id: str
    name: str | None = None
    language: str | None = None
    gender: str | None = None

    @property
    def label(self) -> str:
        return self.name or self.voice_id


class Style(KGPModel):
    style_id: str
    name: str | None = None
    types: StrList = []  # empty: usable with every type

    @property
    def label(self) -> str:
        return self.name or self.style_id


class ImageModel(KGPModel):
    provider: str | None = None
    model: str
    display_name: str | None = None
    aspect_ratios: StrList = []
    output_qualities: StrList = []
    qualities: StrList = []


class VideoModel(KGPModel):
    model: str
    provider: str | None = None
    display_name: str | None = None
    tasks: StrList = []
    resolutions: StrList = []
    duration_seconds: Limit | None = None
    native_audio: bool | None = None
    supports_iterate: bool | None = None


class _ModelList(KGPModel):
    """``{"models": [...]}``; a bare list of models is accepted too."""

    @model_validator(mode="before")
    @classmethod
    def _bare_list(cls, data: Any) -> Any:
        return {"models": data} if isinstance(data, list) else data


class ImageGeneration(_ModelList):
    models: Annotated[list[ImageModel], valid_items(ImageModel)] = []


class VideoGeneration(_ModelList):
    models: Annotated[list[VideoModel], valid_items(VideoModel)] = []


def _content_types(value: Any) -> Any:
    """``content_types`` as a list, or as an object keyed by type (the key is the type when absent)."""
    if isinstance(value, dict):
        entries = []
        for key, entry in value.items():
            entry = dict(entry) if isinstance(entry, dict) else {}
            entry.setdefault("type", key)
            if entry["type"] is None:
                entry["type"] = key
            entries.append(entry)
        return entries
    return value


class Catalog(KGPModel):
    content_types: Annotated[list[ContentType], valid_items(ContentType), BeforeValidator(_content_types)] = []
    languages: Annotated[list[Language], valid_items(Language)] = []
    voices: Annotated[list[Voice], valid_items(Voice)] = []
    styles: Annotated[list[Style], valid_items(Style)] = []
    image_generation: ImageGeneration | None = None
    video_generation: VideoGeneration | None = None

    @property
    def image_models(self) -> list[ImageModel]:
        return list(self.image_generation.models) if self.image_generation else []

    @property
    def video_models(self) -> list[VideoModel]:
        return list(self.video_generation.models) if self.video_generation else []

    def get_type(self, name: str) -> ContentType | None:
        """The entry for ``name``: canonical names, documented aliases and the entry's own ``aliases``."""
        wanted = (name or "").strip()
        canonical = canonical_type(wanted)
        for ct in self.content_types:
            if ct.type in (wanted, canonical):
                return ct
        for ct in self.content_types:
            if wanted in ct.aliases or wanted.lower() == ct.type.lower():
                return ct
        return None

    def language(self, code: str) -> Language | None:
        return next((lang for lang in self.languages if lang.code == code), None)

    def voice(self, voice_id: str) -> Voice | None:
        return next((v for v in self.voices if v.voice_id == voice_id), None)

    def style(self, style_id: str) -> Style | None:
        return next((s for s in self.styles if s.style_id == style_id), None)

    def voices_for(self, language: str | None) -> list[Voice]:
        """Voices that speak ``language`` (a voice without a language fits any); all when language is None."""
        if not language:
            return list(self.voices)
        return [v for v in self.voices if not v.language or _same_language(v.language, language)]

    def styles_for(self, type_name: str) -> list[Style]:
        """Styles usable with ``type_name`` (a style listing no types fits every type)."""
        ct = self.get_type(type_name)
        names = {canonical_type(type_name), *((ct.type, *ct.aliases) if ct else ())}
        return [s for s in self.styles if not s.types or names & {canonical_type(t) for t in s.types}]


class JobRef(KGPModel):
    job_id: Id
    status: str = "queued"
    progress_pct: float | None = None
    current_step: str | None = None


class _StartsJob(KGPModel):
    """A reply that starts a job; ``job_id`` at the top level instead of a ``job`` object is accepted."""

    job: JobRef

    @model_validator(mode="before")
    @classmethod
    def _flat_job(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("job") is None and data.get("job_id") is not None:
            job = {"job_id": data["job_id"], "status": data.get("job_status", data.get("status"))}
            data = {**data, "job": job}
        return data


class CreateResponse(_StartsJob):
    creation_id: Id
    status: str = "queued"
    type: str | None = None


class EditResponse(_StartsJob):
    creation_id: Id | None = None


class JobError(KGPModel):
    code: str | None = None
    message: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _bare(cls, data: Any) -> Any:
        return {"message": data} if isinstance(data, str) else data


class Job(KGPModel):
    job_id: Id
    creation_id: Id | None = None
    kind: str | None = None
    action: str | None = None
    status: str = "unknown"
    progress_pct: float | None = None
    current_step: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    finished_at: str | None = None
    error: JobError | None = None

    @property
    def is_terminal(self) -> bool:
        return self.status in JOB_TERMINAL


class Artifact(KGPModel):
    artifact_id: str | None = None
    kind: str | None = None
    label: str | None = None
    url: str | None = None
    mime_type: str | None = None
    size_bytes: int | None = None


class Scene(KGPModel):
    scene_id: str
    index: int | None = None
    title: str | None = None
    narration_text: str | None = None
    duration_seconds: float | None = None
    voice_id: str | None = None
    image_url: str | None = None
    status: str | None = None


class CreationSummary(KGPModel):
    creation_id: Id
    type: str | None = None
    status: str = "unknown"
    title: str | None = None
    prompt: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    latest_job_id: Id | None = None
    main_url: str | None = None
    thumbnail_url: str | None = None


class Creation(CreationSummary):
    language: str | None = None
    aspect_ratio: str | None = None
    editable_actions: StrList = []
    artifacts: Annotated[list[Artifact], valid_items(Artifact)] = []
    scenes: Annotated[list[Scene], valid_items(Scene)] = []


class CreationPage(KGPModel):
    items: Annotated[list[CreationSummary], valid_items(CreationSummary)] = []
    page: int = 1
    page_size: int | None = None
    total: int | None = None

    @model_validator(mode="before")
    @classmethod
    def _envelope(cls, data: Any) -> Any:
        if isinstance(data, list):
            return {"items": data, "page": 1, "page_size": len(data), "total": len(data)}
        if isinstance(data, dict) and "items" not in data and isinstance(data.get("data"), list):
            return {**data, "items": data["data"]}
        return data

    @property
    def has_next(self) -> bool:
        size = self.page_size or len(self.items)
        if self.total is not None:
            return self.page * size < self.total
        return bool(size) and len(self.items) >= size

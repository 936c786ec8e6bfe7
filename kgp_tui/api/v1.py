"""The v1 surface adapter: the catalog/job API (``kgp-api.md``) as domain objects, over the existing KGPClient.

The wire is read by the tolerant pydantic models in ``models.py``; the functions here map those models to the
domain and are pure (a model in, a domain object out). Form rules are ``payload.py``'s, unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from . import domain as d
from . import models as m
from .errors import NotOnThisSurface
from .payload import (
    ASPECT_RATIOS,
    DEFAULT_LIMITS,
    INTEGER_FIELDS,
    OUTPUT_QUALITIES,
    TEXT_MAX,
    build_create_payload,
    build_edit_payload,
    validate_create,
    validate_edit,
)

__all__ = [
    "V1Adapter", "account_from_me", "creation_from_v1", "offer_from_catalog", "page_from_v1", "product_from_type",
    "run_from_create", "run_from_edit", "run_from_job",
]

MODEL_QUALITY = "image_generation.quality"  # the chosen image model's own quality, sent inside image_generation
LABELS = {
    "prompt": "Prompt", "instructions": "Instructions", "language": "Language", "aspect_ratio": "Aspect ratio",
    "output_quality": "Output quality", "voice_id": "Voice", "style_id": "Style", "scene_count": "Scenes / pages",
    "duration_seconds": "Duration (seconds)", "image_generation": "Image model", "video_generation": "Video model",
}


def label_of(name: str) -> str:
    return LABELS.get(name) or name.replace("_", " ").capitalize()


def _raw(model: m.KGPModel) -> dict[str, Any]:
    return model.model_dump(mode="json")


def _opt_str(value: object) -> str | None:
    return None if value is None else str(value)


def account_from_me(me: m.Me, shown_prefix: str) -> d.Account:
    """The documented check [doc]: a user-level key that can create; ``why_not`` says which part failed.

    ``shown_prefix`` is our own prefix of the key: the server's ``key_prefix`` is never shown (it could be the key).
    """
    why_not = None
    if me.key_scope != "user":
        why_not = f"This key is not a user-level key (scope: {me.key_scope or 'not given'}); it cannot create."
    elif me.can_create is not True:
        why_not = "This key is read-only: it cannot create content."
    credits = me.credits
    return d.Account(
        key_prefix=shown_prefix, display_name=me.display_name, email=me.email,
        user_id=_opt_str(me.user_id), key_scope=me.key_scope, can_create=me.can_create,
        credits=credits.balance if credits else None, plan=credits.plan if credits else None,
        why_not=why_not, raw=_raw(me),
    )


def _choices(values: Sequence[Any]) -> tuple[d.Choice, ...]:
    return tuple(d.Choice(v if isinstance(v, (int, float)) and not isinstance(v, bool) else str(v), str(v))
                 for v in values)


def _setting(name: str, ct: m.ContentType, catalog: m.Catalog) -> d.Setting:
    required = name in ct.required
    label = label_of(name)
    if name in ("prompt", "instructions"):
        return d.Setting(name, "long_text", label, required, max_length=TEXT_MAX)
    if name == "language":
        langs = tuple(d.Choice(lang.code, lang.label) for lang in catalog.languages)
        return d.Setting(name, "choice", label, required, langs)
    if name == "voice_id":
        voices = tuple(d.Choice(v.voice_id, v.label) for v in catalog.voices)
        return d.Setting(name, "voice", label, required, voices, follows="language" if "language" in ct.fields
                         else None)
    if name == "style_id":
        styles = tuple(d.Choice(s.style_id, s.label) for s in catalog.styles_for(ct.type))
        return d.Setting(name, "option", label, required, styles)
    if name == "image_generation":
        bundles = tuple(d.Choice(b.key, b.label) for b in _bundles(catalog))
        return d.Setting(name, "bundle", label, required, bundles)
    if name == "video_generation":
        models = tuple(d.Choice(v.model, v.display_name or v.model) for v in catalog.video_models)
        return d.Setting(name, "choice", label, required, models)
    if name == "aspect_ratio":
        return d.Setting(name, "choice", label, required, _choices(ct.aspect_ratios or ASPECT_RATIOS),
                         default=ct.default_aspect_ratio)
    if name == "output_quality":
        return d.Setting(name, "choice", label, required, _choices(ct.output_qualities or OUTPUT_QUALITIES))
    options = ct.options(name)
    limit = ct.limit(name) or DEFAULT_LIMITS.get(name)
    default = limit.default if limit is not None else None
    if options:
        return d.Setting(name, "choice", label, required, _choices(options), default=default)
    if limit is not None or name in INTEGER_FIELDS:
        numbers = [v for v in (limit.min, limit.max, limit.default) if v is not None] if limit else []
        integral = name in INTEGER_FIELDS or all(float(v).is_integer() for v in numbers)
        return d.Setting(name, "integer" if integral else "number", label, required,
                         minimum=limit.min if limit else None, maximum=limit.max if limit else None, default=default)
    return d.Setting(name, "text", label, required)


def _bundles(catalog: m.Catalog, ct: m.ContentType | None = None) -> tuple[d.ImageBundle, ...]:
    """The image models as bundles; for a content type, a model's ratios and qualities in the type's own order."""
    def ordered(values: Sequence[str], order: Sequence[str]) -> tuple[str, ...]:
        rank = {v: n for n, v in enumerate(order)}
        return tuple(sorted(values, key=lambda v: rank.get(v, len(rank))))

    ratios = (ct.aspect_ratios or ASPECT_RATIOS) if ct is not None else ()
    qualities = (ct.output_qualities or OUTPUT_QUALITIES) if ct is not None else ()
    return tuple(
        d.ImageBundle(i.provider, i.model, i.display_name, ordered(i.aspect_ratios, ratios),
                      ordered(i.output_qualities, qualities), tuple(i.qualities), raw=_raw(i))
        for i in catalog.image_models
    )


def product_from_type(ct: m.ContentType, catalog: m.Catalog) -> d.Product:
    """One content type as a product: a setting per listed field (``type`` itself is not a setting). An image
    model brings its own native ``quality`` (sent inside ``image_generation``), shown only for a model listing some."""
    settings: list[d.Setting] = []
    for name in ct.fields:
        if name == "type":
            continue
        settings.append(_setting(name, ct, catalog))
        if name == "image_generation":
            settings.append(d.Setting(MODEL_QUALITY, "choice", "Quality (of the chosen model)", follows="bundle"))
        elif name in ("aspect_ratio", "output_quality") and "image_generation" in ct.fields:
            settings[-1] = replace(settings[-1], follows="bundle")  # the chosen model narrows them
    voices = tuple(d.Voice(v.voice_id, v.name, v.language, v.gender, raw=_raw(v)) for v in catalog.voices)
    return d.Product(
        type=ct.type, label=ct.label, description=ct.description, settings=tuple(settings),
        bundles=_bundles(catalog, ct) if "image_generation" in ct.fields else (), voices=voices,
        edit_actions=tuple(ct.editable_actions), raw=_raw(ct),
    )


def offer_from_catalog(catalog: m.Catalog) -> d.Offer:
    return d.Offer(
        surface="v1", products=tuple(product_from_type(ct, catalog) for ct in catalog.content_types),
        languages=tuple(d.Language(lang.code, lang.name) for lang in catalog.languages), raw=_raw(catalog),
    )


def run_from_job(job: m.Job) -> d.Run:
    error = d.RunError(job.error.code, job.error.message) if job.error else None
    return d.Run(
        surface="v1", id=str(job.job_id), creation_id=_opt_str(job.creation_id), kind=job.kind or "create",
        status=job.status, action=job.action, progress_pct=job.progress_pct, step=job.current_step, error=error,
        created_at=job.created_at, updated_at=job.updated_at, finished_at=job.finished_at, raw=_raw(job),
    )


def _run_from_ref(ref: m.JobRef, creation_id: int | None, kind: str, action: str | None, raw: dict[str, Any]
                  ) -> d.Run:
    return d.Run(surface="v1", id=str(ref.job_id), creation_id=_opt_str(creation_id), kind=kind, status=ref.status,
                 action=action, progress_pct=ref.progress_pct, step=ref.current_step, raw=raw)


def run_from_create(reply: m.CreateResponse) -> d.Run:
    return _run_from_ref(reply.job, reply.creation_id, "create", None, _raw(reply))


def run_from_edit(reply: m.EditResponse, action: str) -> d.Run:
    return _run_from_ref(reply.job, reply.creation_id, "edit", action, _raw(reply))


def creation_from_v1(item: m.CreationSummary) -> d.Creation:
    """A summary (from the list) or a detail (with artifacts, scenes and edit actions)."""
    detail = item if isinstance(item, m.Creation) else None
    results = tuple(
        d.Result(a.artifact_id, a.kind, a.label, a.url, a.mime_type, a.size_bytes, raw=_raw(a))
        for a in (detail.artifacts if detail else [])
    )
    scenes = tuple(
        d.Scene(s.scene_id, s.index, s.title, s.narration_text, s.duration_seconds, s.voice_id, s.image_url, s.status,
                raw=_raw(s))
        for s in (detail.scenes if detail else [])
    )
    return d.Creation(
        surface="v1", id=str(item.creation_id), type=item.type, title=item.title, prompt=item.prompt,
        status=item.status, created_at=item.created_at, updated_at=item.updated_at, main_url=item.main_url,
        thumbnail_url=item.thumbnail_url, latest_run_id=_opt_str(item.latest_job_id), results=results,
        scenes=scenes, edit_actions=tuple(detail.editable_actions) if detail else (), detailed=detail is not None,
        raw=_raw(item),
    )


def page_from_v1(page: m.CreationPage) -> d.CreationPage:
    return d.CreationPage(tuple(creation_from_v1(i) for i in page.items), page.page, page.page_size, page.total)


class V1Adapter:
    """The v1 surface: ``/me``, ``/catalog``, ``POST /creations`` → a job to poll, ``/edit``."""

    name: d.SurfaceName = "v1"
    list_filters = d.ListFilters(type=True, status=True, query=True)

    def __init__(self, client: Any) -> None:
        self.client = client  # a KGPClient; typed loosely so importing this module does not import httpx
        self._catalog: m.Catalog | None = None  # read from the offer's raw when a 304 kept it (_catalog_model)
        self._offer: d.Offer | None = None
        self._kept: d.Offer | None = None
        self._details: dict[str, m.Creation] = {}

    @classmethod
    def open(cls, base_url: str, api_key: str, **options: Any) -> V1Adapter:
        from .client import KGPClient

        return cls(KGPClient(base_url, api_key, **options))

    @property
    def key_prefix(self) -> str:
        return str(self.client.key_prefix)

    async def aclose(self) -> None:
        await self.client.aclose()

    async def account(self, *, refresh: bool = False, retries: int | None = None) -> d.Account:
        """GET /me (always fresh: ``refresh`` is for the surface that caches its account)."""
        me: m.Me = await self.client.me(retries=retries)
        return account_from_me(me, self.key_prefix)

    def keep_offer(self, offer: d.Offer | None) -> None:
        self._kept = offer if offer is not None and offer.surface == "v1" and offer.etag and offer.raw else None

    async def offer(self, *, refresh: bool = False, retries: int | None = None) -> d.Offer:
        if self._offer is None or refresh:
            kept, self._kept = self._kept, None
            catalog, etag = await self.client.catalog_if_changed(kept.etag if kept else None, retries=retries)
            if catalog is None and kept is not None:  # 304: the kept one is current; its model is read when needed
                self._catalog, self._offer = None, kept
            else:  # (a 304 comes only to an ETag sent, so catalog is there; a plain GET if ever not)
                self._catalog = catalog if catalog is not None else await self.client.catalog(retries=retries)
                self._offer = replace(offer_from_catalog(self._catalog), etag=etag)
        return self._offer

    @property
    def _catalog_model(self) -> m.Catalog | None:
        """The catalog's model (payload.py's rules read it): the one fetched, or the kept offer's, read once."""
        if self._catalog is None and self._offer is not None and self._offer.raw:
            self._catalog = m.Catalog.model_validate(self._offer.raw)
        return self._catalog

    def _content_type(self, product: d.Product) -> m.ContentType:
        """The catalog entry the product came from (payload.py's rules work on it)."""
        catalog = self._catalog_model
        found = catalog.get_type(product.type) if catalog is not None else None
        return found or m.ContentType.model_validate(product.raw or {"type": product.type})

    def build_create_body(
        self, product: d.Product, values: Mapping[str, Any], file_ids: Sequence[str] = (),
        max_credits: int | None = None,
    ) -> dict[str, Any]:
        """The exact body of ``POST /creations`` (payload.py's rules); files and a budget do not exist on v1."""
        if file_ids or max_credits is not None:
            raise NotOnThisSurface("This server's API (v1) takes no files and no credit budget.")
        return build_create_payload(self._content_type(product), self._wire_values(product, values))

    def validate(
        self, product: d.Product, values: Mapping[str, Any], file_ids: Sequence[str] = (),
        max_credits: int | None = None,
    ) -> dict[str, str]:
        errors = validate_create(self._content_type(product), self._wire_values(product, values),
                                 self._catalog_model or m.Catalog())
        if file_ids:
            errors["input_file_ids"] = "This server's API (v1) takes no files."
        if max_credits is not None:
            errors["max_credits"] = "This server's API (v1) has no credit budget."
        return errors

    def _wire_values(self, product: d.Product, values: Mapping[str, Any]) -> dict[str, Any]:
        """A bundle key becomes the nested ``image_generation`` object, a video model ``video_generation``."""
        wire = dict(values)
        quality = wire.pop(MODEL_QUALITY, None)
        bundle = product.bundle(wire.get("image_generation"))
        if bundle is not None:
            wire["image_generation"] = {"provider": bundle.provider, "model": bundle.model}
            if isinstance(quality, str) and quality.strip() and product.applies(MODEL_QUALITY, values):
                wire["image_generation"]["quality"] = quality.strip()
        model_name = wire.get("video_generation")
        catalog = self._catalog_model
        if isinstance(model_name, str) and catalog is not None:
            video = next((v for v in catalog.video_models if v.model == model_name), None)
            if video is not None:
                wire["video_generation"] = {"model": video.model, "task": video.tasks[0] if video.tasks
                                            else "text_to_video"}
        return wire

    async def create(
        self, product: d.Product, values: Mapping[str, Any], file_ids: Sequence[str] = (),
        max_credits: int | None = None,
    ) -> d.Run:
        """POST /creations, never retried; an uncertain failure raises with ``ambiguous`` (see ``find_created``)."""
        body = self.build_create_body(product, values, file_ids, max_credits)
        reply: m.CreateResponse = await self.client.create(body)
        return run_from_create(reply)

    async def poll(self, run: d.Run) -> d.Run:
        """The job's state now; the kind and action of the run asked about are kept if the job omits them."""
        job: m.Job = await self.client.job(int(run.id))
        polled = run_from_job(job)
        kind = job.kind or run.kind
        return replace(polled, kind=kind, action=job.action or run.action,
                        creation_id=polled.creation_id or run.creation_id)

    async def creation(self, creation_id: str, *, retries: int | None = None) -> d.Creation:
        detail: m.Creation = await self.client.creation(int(creation_id), retries=retries)
        self._details[str(detail.creation_id)] = detail
        return creation_from_v1(detail)

    async def list_creations(
        self, type: str | None = None, status: str | None = None, query: str | None = None,
        page: int = 1, page_size: int = 20, *, retries: int | None = None,
    ) -> d.CreationPage:
        reply: m.CreationPage = await self.client.list_creations(
            page=page, page_size=page_size, type=type, status=status, query=query, retries=retries
        )
        return page_from_v1(reply)

    async def find_created(
        self, product_type: str, *, since: float, known: Sequence[str] = (), prompt: str | None = None
    ) -> d.Creation | None:
        """After an ambiguous create: what that request made, looked up in ``GET /creations`` (never resent)."""
        page = await self.list_creations(type=product_type, page=1, page_size=10, retries=2)
        return d.pick_submitted(page.items, since=since, known=known, prompt=prompt)

    def validate_edit(self, creation: d.Creation, action: str, values: Mapping[str, Any]) -> dict[str, str]:
        detail = self._details.get(creation.id) or m.Creation.model_validate(creation.raw)
        return validate_edit(action, detail, values)

    async def edit(self, creation: d.Creation, action: str, values: Mapping[str, Any]) -> d.Run:
        """POST /creations/{id}/edit; never retried. Returns the edit job to poll."""
        body = build_edit_payload(action, values.get("scene_id"), values.get("narration_text"),
                                  values.get("voice_id"), values.get("prompt"))
        reply: m.EditResponse = await self.client.edit(int(creation.id), body)
        return run_from_edit(reply, action)

    async def send_message(self, creation_id: str, content: str, file_ids: Sequence[str] = (),
                           idempotency_key: str | None = None) -> d.MessageReply:
        raise NotOnThisSurface("Messages exist only on the unified KPainter API; this server speaks v1.")

    async def act(self, intent: d.ActionIntent) -> d.Run:
        raise NotOnThisSurface("Actions exist only on the unified KPainter API; this server speaks v1.")

    async def outputs(self, creation_id: str) -> tuple[d.Result, ...]:
        """v1 has no outputs endpoint: its artifacts, from the detail."""
        return (await self.creation(creation_id)).results

    async def upload(self, path: Path, progress: Callable[[int, int], None] | None = None) -> d.UploadedFile:
        raise NotOnThisSurface("This server's API (v1) takes no files.")

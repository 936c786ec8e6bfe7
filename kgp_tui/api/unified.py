"""The unified surface adapter (``kgp-api-unified.md``): capabilities → files → create → poll the creation →
outputs; messages on videos; actions on paused creations. Bearer auth, string ids URL-encoded.

POSTs are never retried (the client's rule): after an uncertain create, ``find_created`` looks the creation up.
An action is sent with the idempotency key of its ``ActionIntent``, made once per user intent, so a retry of the
same intent acts once.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

from . import domain as d
from .client import KGPClient
from .errors import (
    FileTooLarge,
    KGPError,
    NotFound,
    NotOnThisSurface,
    UnsupportedFileType,
    ValidationFailed,
    clean_text,
)
from .unified_models import (
    creation_from_unified,
    file_from_unified,
    message_reply_from_unified,
    outputs_from_unified,
    page_from_unified,
    run_from_unified,
)
from .unified_offer import account_from_unified, offer_from_capabilities
from .unified_payload import build_unified_body, validate_unified

__all__ = ["UnifiedAdapter", "UnifiedClient", "guess_mime"]

Progress = Callable[[int, int], None]
# The contract's file types, known here so the answer does not depend on the machine's mime.types.
_MIME = {".pdf": "application/pdf", ".txt": "text/plain", ".md": "text/markdown", ".markdown": "text/markdown",
         ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}


def guess_mime(path: Path) -> str | None:
    return _MIME.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0]


def _id(value: str) -> str:
    """A string id as one URL path segment (``/`` and ``?`` encoded too)."""
    text = str(value).strip()
    if not text:
        raise ValueError("An id must not be empty.")
    return quote(text, safe="")


class UnifiedClient(KGPClient):
    """The HTTP side: the v1 client's transport, retries and error mapping, with ``Authorization: Bearer``."""

    def _auth_headers(self, api_key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {api_key}"}

    async def get(self, path: str, params: Mapping[str, Any] | None = None, *, retries: int | None = None) -> Any:
        return (await self._call("GET", path, params=params, retries=retries))[1]

    async def post(self, path: str, body: Mapping[str, Any]) -> Any:
        return (await self._call("POST", path, body=dict(body)))[1]

    async def post_file(self, path: str, files: Mapping[str, Any]) -> Any:
        return (await self._call("POST", path, files=files))[1]


class _ProgressReader:
    """A file handed to httpx's multipart encoder that reports each chunk read (sent) to ``progress``."""

    def __init__(self, file: IO[bytes], total: int, progress: Progress | None) -> None:
        self._file, self._total, self._progress, self._sent = file, total, progress, 0

    def read(self, size: int = -1) -> bytes:
        chunk = self._file.read(size)
        self._sent += len(chunk)
        if self._progress is not None and chunk:
            self._progress(min(self._sent, self._total), self._total)
        return chunk

    def seek(self, offset: int, whence: int = 0) -> int:
        position = self._file.seek(offset, whence)
        self._sent = position
        return position

    def tell(self) -> int:
        return self._file.tell()

    def fileno(self) -> int:
        return self._file.fileno()


class UnifiedAdapter:
    """The unified surface. ``capabilities`` may be given when detection has already read them."""

    name: d.SurfaceName = "unified"
    list_filters = d.ListFilters(type=True, status=False, query=False)

    def __init__(self, client: UnifiedClient, capabilities: Any = None) -> None:
        self.client = client
        self._capabilities = capabilities
        self._offer: d.Offer | None = None
        self._kept: d.Offer | None = None
        self._etag: str | None = None

    @classmethod
    def open(cls, base_url: str, api_key: str, **options: Any) -> UnifiedAdapter:
        return cls(UnifiedClient(base_url, api_key, **options))

    @property
    def key_prefix(self) -> str:
        return self.client.key_prefix

    async def aclose(self) -> None:
        await self.client.aclose()

    def keep_offer(self, offer: d.Offer | None) -> None:
        self._kept = offer if offer is not None and offer.surface == "unified" and offer.etag and offer.raw else None

    async def capabilities(self, *, refresh: bool = False, retries: int | None = None) -> Any:
        """``GET /capabilities`` as the server gave it (decoded JSON); the kept offer's when a 304 says it is
        current (its raw is the capabilities it was made from, the account included)."""
        if self._capabilities is None or refresh:
            kept, self._kept = self._kept, None
            data, self._etag = await self.client.get_if_changed("/capabilities", kept.etag if kept else None,
                                                                 retries=retries)
            if data is None and kept is not None:  # 304 (a None otherwise is a JSON null: read as before)
                self._capabilities, self._offer = dict(kept.raw), kept
            else:
                self._capabilities, self._offer = data, None
        return self._capabilities

    async def offer(self, *, refresh: bool = False, retries: int | None = None) -> d.Offer:
        caps = await self.capabilities(refresh=refresh, retries=retries)
        if self._offer is None:
            self._offer = replace(offer_from_capabilities(caps), etag=self._etag)
        return self._offer

    async def account(self, *, refresh: bool = False, retries: int | None = None) -> d.Account:
        """The capabilities' ``account`` (read again with ``refresh``: credits change); when they have none,
        ``GET /me`` if the server has it."""
        caps = await self.capabilities(refresh=refresh, retries=retries)
        account = account_from_unified(caps.get("account") if isinstance(caps, Mapping) else None, self.key_prefix)
        if account is not None:
            return account
        try:
            me = await self.client.get("/me", retries=retries)
        except NotFound:
            me = None
        return account_from_unified(me, self.key_prefix) or d.Account(key_prefix=self.key_prefix)

    def build_create_body(self, product: d.Product, values: Mapping[str, Any], file_ids: Sequence[str] = (),
                          max_credits: int | None = None) -> dict[str, Any]:
        return build_unified_body(product, values, file_ids, max_credits)

    def validate(self, product: d.Product, values: Mapping[str, Any], file_ids: Sequence[str] = (),
                 max_credits: int | None = None) -> dict[str, str]:
        files = self._offer.files if self._offer is not None else None
        return validate_unified(product, values, file_ids, max_credits, files)

    async def create(self, product: d.Product, values: Mapping[str, Any], file_ids: Sequence[str] = (),
                     max_credits: int | None = None) -> d.Run:
        """POST /creations, never retried; an uncertain failure raises with ``ambiguous`` (see ``find_created``)."""
        body = self.build_create_body(product, values, file_ids, max_credits)
        return run_from_unified(await self.client.post("/creations", body), "create")

    async def poll(self, run: d.Run) -> d.Run:
        """The creation's state now (there are no jobs: the creation is polled), as the same kind of run."""
        data = await self.client.get(f"/creations/{_id(run.id)}")
        return run_from_unified(data, str(run.kind), run.action)

    async def creation(self, creation_id: str, *, retries: int | None = None) -> d.Creation:
        return creation_from_unified(await self.client.get(f"/creations/{_id(creation_id)}", retries=retries))

    async def list_creations(self, type: str | None = None, status: str | None = None,
                             query: str | None = None, page: int = 1, page_size: int = 20, *,
                             retries: int | None = None) -> d.CreationPage:
        """GET /creations by type and page. This surface has no status or search filter: asking for one is a
        ``NotOnThisSurface`` (filter loaded rows with ``domain.filter_locally``, or say it is not available)."""
        if status or query:
            raise NotOnThisSurface("This server lists creations by type only: there is no status or search filter.")
        params: dict[str, Any] = {"page": page, "page_size": page_size}
        if type:
            params["type"] = type
        return page_from_unified(await self.client.get("/creations", params, retries=retries), page, page_size)

    async def find_created(self, product_type: str, *, since: float, known: Sequence[str] = (),
                           prompt: str | None = None) -> d.Creation | None:
        """After an ambiguous create: what that request made, looked up in ``GET /creations`` (never resent)."""
        page = await self.list_creations(type=product_type, page=1, page_size=20, retries=2)
        return d.pick_submitted(page.items, since=since, known=known, prompt=prompt)

    def validate_edit(self, creation: d.Creation, action: str, values: Mapping[str, Any]) -> dict[str, str]:
        return {"action": "Edits exist only on the v1 KPainter API; send a message instead."}

    async def edit(self, creation: d.Creation, action: str, values: Mapping[str, Any]) -> d.Run:
        raise NotOnThisSurface("Edits exist only on the v1 KPainter API; on this server send a message instead.")

    async def send_message(self, creation_id: str, content: str, file_ids: Sequence[str] = (),
                           idempotency_key: str | None = None) -> d.MessageReply:
        """POST /creations/{id}/messages (a video that is ready); never retried. An accepted change re-runs it."""
        text = (content or "").strip()
        if not text:
            raise ValidationFailed("A message must not be empty.", field_errors={"content": "This field is required."})
        body: dict[str, Any] = {"content": text}
        if file_ids:
            body["input_file_ids"] = list(file_ids)
        if idempotency_key:
            body["idempotency_key"] = idempotency_key
        data = await self.client.post(f"/creations/{_id(creation_id)}/messages", body)
        return message_reply_from_unified(data, text)

    async def act(self, intent: d.ActionIntent) -> d.Run:
        """POST /creations/{id}/actions with the intent's own key: a retry of the same intent acts once."""
        body = {"action": intent.action, "idempotency_key": intent.idempotency_key}
        data = await self.client.post(f"/creations/{_id(intent.creation_id)}/actions", body)
        return run_from_unified(data, "action", intent.action)

    async def outputs(self, creation_id: str) -> tuple[d.Result, ...]:
        """GET /creations/{id}/outputs; before a usable delivery the server answers 409 (``Conflict``)."""
        return outputs_from_unified(await self.client.get(f"/creations/{_id(creation_id)}/outputs"))

    def check_file(self, path: Path) -> tuple[int, str | None]:
        """(size, MIME type) of a file the server will take; ``FileTooLarge``/``UnsupportedFileType``/``KGPError``
        before anything is sent."""
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise KGPError(clean_text(f"Cannot read {path.name}: {exc.strerror or 'no such file'}.")) from None
        if not path.is_file():
            raise KGPError(clean_text(f"{path.name} is not a file."))
        mime = guess_mime(path)
        limits = self._offer.files if self._offer is not None else None
        problem = limits.problem(path.name, size, mime) if limits is not None else None
        if problem is not None:
            too_big = limits is not None and limits.max_bytes is not None and size > limits.max_bytes
            raise (FileTooLarge if too_big else UnsupportedFileType)(clean_text(problem))  # it lists server text
        return size, mime

    async def upload(self, path: Path, progress: Progress | None = None) -> d.UploadedFile:
        """POST /files (multipart field ``file`` with its filename and MIME type), after checking the capabilities'
        limits; ``progress(sent, total)`` is called as the bytes go out. 413 and 415 raise FileTooLarge and
        UnsupportedFileType with the server's message."""
        await self.offer()
        path = Path(path)
        size, mime = self.check_file(path)
        try:
            handle = path.open("rb")
        except OSError as exc:
            raise KGPError(clean_text(f"Cannot read {path.name}: {exc.strerror or 'permission denied'}.")) from None
        with handle:
            reader = _ProgressReader(handle, size, progress)
            sent_mime = mime or "application/octet-stream"
            reply = await self.client.post_file("/files", {"file": (path.name, reader, sent_mime)})
        uploaded = file_from_unified(reply)
        # What the reply leaves out is known here: the name, type and size just sent.
        return replace(uploaded, name=uploaded.name or path.name, mime_type=uploaded.mime_type or sent_mime,
                       size_bytes=uploaded.size_bytes if uploaded.size_bytes is not None else size)

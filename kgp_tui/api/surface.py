"""One async interface over both KGP surfaces, and finding out at connect which one a server speaks.

Detection (``kgp-api-unified.md`` §5): ``GET /capabilities`` with the key: 200 → unified; 404 → v1 (``/me``,
then ``/catalog``); 401 → the key is refused (on either); anything else is a connection error, not a guess.
Importing this module is cheap: the adapters (and httpx) load when ``connect`` runs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from . import domain as d
from .errors import ConnectionFailed, KGPError, NotFound, SurfaceUnknown

if TYPE_CHECKING:
    from .v1 import V1Adapter

__all__ = ["SURFACE_CHOICES", "Connection", "SurfaceAdapter", "SurfaceChoice", "connect", "open_adapter", "warm_up"]

SurfaceChoice = Literal["auto", "v1", "unified"]
SURFACE_CHOICES: tuple[SurfaceChoice, ...] = ("auto", "v1", "unified")


class SurfaceAdapter(Protocol):
    """What the app and the CLI call, whichever surface the server speaks. Every failure is a ``KGPError``
    (``NotOnThisSurface`` for what exists only on the other surface); POSTs are never retried."""

    name: d.SurfaceName
    list_filters: d.ListFilters

    @property
    def key_prefix(self) -> str: ...

    async def account(self, *, refresh: bool = False, retries: int | None = None) -> d.Account: ...

    async def offer(self, *, refresh: bool = False, retries: int | None = None) -> d.Offer: ...

    def keep_offer(self, offer: d.Offer | None) -> None:
        """The offer kept from the last start (its ``etag`` from the server): the first fetch of the offer asks
        whether it is still current (``If-None-Match``), and a 304 makes it this adapter's offer without a body."""
        ...

    def build_create_body(self, product: d.Product, values: Mapping[str, Any], file_ids: Sequence[str] = (),
                          max_credits: int | None = None) -> dict[str, Any]: ...

    def validate(self, product: d.Product, values: Mapping[str, Any], file_ids: Sequence[str] = (),
                 max_credits: int | None = None) -> dict[str, str]: ...

    async def create(self, product: d.Product, values: Mapping[str, Any], file_ids: Sequence[str] = (),
                     max_credits: int | None = None) -> d.Run: ...

    async def poll(self, run: d.Run) -> d.Run: ...

    async def creation(self, creation_id: str, *, retries: int | None = None) -> d.Creation: ...

    async def list_creations(self, type: str | None = None, status: str | None = None,
                             query: str | None = None, page: int = 1, page_size: int = 20, *,
                             retries: int | None = None) -> d.CreationPage: ...

    async def find_created(self, product_type: str, *, since: float, known: Sequence[str] = (),
                           prompt: str | None = None) -> d.Creation | None: ...

    def validate_edit(self, creation: d.Creation, action: str, values: Mapping[str, Any]) -> dict[str, str]: ...

    async def edit(self, creation: d.Creation, action: str, values: Mapping[str, Any]) -> d.Run: ...

    async def send_message(self, creation_id: str, content: str, file_ids: Sequence[str] = (),
                           idempotency_key: str | None = None) -> d.MessageReply: ...

    async def act(self, intent: d.ActionIntent) -> d.Run: ...

    async def outputs(self, creation_id: str) -> tuple[d.Result, ...]: ...

    async def upload(self, path: Path, progress: Callable[[int, int], None] | None = None) -> d.UploadedFile: ...

    async def aclose(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Connection:
    """What ``connect`` found: the adapter to use from now on, the account and what can be made."""

    adapter: SurfaceAdapter
    account: d.Account
    offer: d.Offer

    @property
    def surface(self) -> d.SurfaceName:
        return self.adapter.name


# What httpx imports only when the first request is sent (httpcore, h11, anyio and its asyncio backend: 67 modules):
# that was ~80 ms of the connect on the event loop, after warm_up had imported everything else.
_FIRST_REQUEST_MODULES = (
    "queue", "h11", "httpcore", "httpcore._backends.auto", "httpcore._backends.anyio", "httpcore._async.http11",
    "httpcore._async.connection_pool", "httpcore._async.http_proxy", "anyio", "anyio._backends._asyncio",
    "anyio.streams.tls", "anyio.streams.stapled", "anyio.streams.memory", "anyio.to_thread", "anyio.lowlevel",
)


def warm_up(surfaces: Sequence[str] = ("unified", "v1")) -> None:
    """Import the adapters (httpx, the pydantic models) and load the CA bundle. Meant for a worker thread before
    ``connect``: done on the event loop, this held it for a quarter of a second at start-up."""
    import importlib

    for surface in surfaces:
        importlib.import_module(f"{__package__}.{surface}")
    if "v1" in surfaces:
        importlib.import_module(f"{__package__}.client")  # V1Adapter.open imports it
    for name in _FIRST_REQUEST_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:  # another httpx/httpcore/anyio layout: it is then imported at the first request
            pass
    from .tls import tls_context

    tls_context()  # every client is built with it, even for http (a redirect may lead to https)


def open_adapter(surface: d.SurfaceName, base_url: str, api_key: str, **options: Any) -> SurfaceAdapter:
    """An adapter for a surface already known (remembered for the profile, or forced by the config)."""
    if surface == "v1":
        from .v1 import V1Adapter

        return V1Adapter.open(base_url, api_key, **options)
    if surface == "unified":
        from .unified import UnifiedAdapter

        return UnifiedAdapter.open(base_url, api_key, **options)
    raise ValueError(f"Unknown surface {surface!r}: use v1 or unified.")


async def connect(base_url: str, api_key: str, surface: SurfaceChoice = "auto", *,
                  remembered: d.SurfaceName | None = None, kept: d.Offer | None = None,
                  **options: Any) -> Connection:
    """Connect, finding the surface first when ``surface`` is ``"auto"``; ``options`` go to the HTTP client
    (timeout, get_retries, transport). Raises ``AuthError`` for a refused key, ``SurfaceUnknown`` when the server's
    answer says neither surface, and the other ``KGPError``s as they come. The adapter is closed on failure.

    ``remembered`` (auto only) is the surface this profile found last time: it is tried first, and a 404 from it
    (the server changed surface) starts the detection again. A forced ``surface`` is never second-guessed."""
    if surface not in SURFACE_CHOICES:
        raise ValueError(f"Unknown surface {surface!r}: use auto, v1 or unified.")
    if surface != "auto":
        return await _finish(open_adapter(surface, base_url, api_key, **options), kept)
    if remembered in ("v1", "unified"):
        try:
            return await _finish(open_adapter(remembered, base_url, api_key, **options), kept)
        except NotFound:
            pass  # this server no longer speaks the remembered surface: find out again
    return await _detect(base_url, api_key, options, kept)


async def _detect(base_url: str, api_key: str, options: Mapping[str, Any], kept: d.Offer | None = None
                  ) -> Connection:
    from .unified import UnifiedAdapter

    unified = UnifiedAdapter.open(base_url, api_key, **options)
    unified.keep_offer(kept)
    try:
        await unified.capabilities()
    except NotFound:
        await unified.aclose()
        return await _finish_v1(base_url, api_key, options, kept)
    except ConnectionFailed:
        await unified.aclose()
        raise
    except KGPError as err:
        await unified.aclose()
        if err.status == 401:
            raise
        raise _unknown(err, unified.client.host) from None
    except BaseException:
        await unified.aclose()
        raise
    return await _finish(unified, kept)


async def _finish_v1(base_url: str, api_key: str, options: Mapping[str, Any], kept: d.Offer | None = None
                     ) -> Connection:
    from .v1 import V1Adapter

    adapter: V1Adapter = V1Adapter.open(base_url, api_key, **options)
    try:
        return await _finish(adapter, kept)
    except NotFound as err:
        if err.path != "/me":
            raise
        # Neither /capabilities nor /me exists here: most likely not the KGP API's base URL.
        raise SurfaceUnknown(
            f"{adapter.client.host} answers neither GET /capabilities nor GET /me: is the base URL the KGP API's "
            "(…/openapi/v1)?", status=err.status, method="GET", path=err.path, host=adapter.client.host,
        ) from None


async def _finish(adapter: SurfaceAdapter, kept: d.Offer | None = None) -> Connection:
    adapter.keep_offer(kept)
    try:
        account = await adapter.account()  # the documented order: the key first, then what it can make
        offer = await adapter.offer()
    except BaseException:
        await adapter.aclose()
        raise
    return Connection(adapter, account, offer)


def _unknown(err: KGPError, host: str) -> SurfaceUnknown:
    return SurfaceUnknown(
        f"Could not tell which KPainter API {host} speaks: GET /capabilities failed ({err.message}).",
        status=err.status, code=err.code, retry_after=err.retry_after, method="GET", path="/capabilities",
        host=host, stage="reply",
    )

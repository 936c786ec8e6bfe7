"""DownloadManager: the queue of files being fetched, at most MAX_PARALLEL at once, on the caller's event loop.

Each change to a download makes a new frozen `Download` and tells `on_change` (the app turns it into a message;
the CLI prints). A dropped connection is resumed (Range) up to AUTO_RESUMES times before the download is marked
failed; what is in progress is kept in a journal (the state file's `downloads` table), so a restart resumes it.
Cancel removes the .part; retry starts a failed download again, from its .part when it has one. No Textual.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from . import engine
from .engine import ApiAuth, DownloadError
from .naming import PART, file_name, inside, unique_name

if TYPE_CHECKING:
    import httpx

    from kgp_tui.api.domain import Result

MAX_PARALLEL = 3
AUTO_RESUMES = 3
RESUME_DELAY = 0.3  # seconds before the first automatic resume; doubled each time
PROGRESS_EVERY = 0.1  # seconds between progress reports of one download
RATE_WINDOW = 3.0  # seconds of samples behind the shown rate
ACTIVE = ("queued", "active")
log = logging.getLogger("kgp_tui.downloads")


@dataclass(frozen=True)
class Download:
    """One file: where it comes from, where it goes, and how far it got."""

    id: int
    url: str
    folder: Path
    name: str
    creation_id: str
    label: str = ""
    result_id: str | None = None
    size_bytes: int | None = None
    state: str = "queued"  # queued, active, done, failed, cancelled
    done: int = 0
    total: int | None = None
    rate: float | None = None  # bytes per second, lately
    eta: float | None = None  # seconds left at that rate
    message: str = ""
    error_kind: str = ""
    path: Path | None = None  # the final file, once done
    sha256: str | None = None
    etag: str | None = None

    @property
    def part(self) -> Path:
        return inside(self.folder, self.name + PART)

    @property
    def active(self) -> bool:
        return self.state in ACTIVE

    def journal_row(self) -> dict[str, Any]:
        keep = ("url", "name", "creation_id", "label", "result_id", "size_bytes", "etag")
        row = {key: value for key, value in asdict(self).items() if key in keep}
        return {**row, "folder": str(self.folder)}


class Journal(Protocol):
    """What survives a restart (kgp_tui.persist.LocalStore has these)."""

    def save_download(self, part: str, data: dict[str, Any]) -> None: ...
    def drop_download(self, part: str) -> None: ...
    def downloads(self) -> list[dict[str, Any]]: ...


class DownloadManager:
    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        on_change: Callable[[Download], None] = lambda _d: None,
        journal: Journal | None = None,
        auth: Callable[[], ApiAuth | None] = lambda: None,
        refresh_url: Callable[[Download], Awaitable[str | None]] | None = None,
        allow_insecure_http: bool = False,
        max_parallel: int = MAX_PARALLEL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.http = http
        self.on_change = on_change
        self.journal = journal
        self.auth = auth
        self.refresh_url = refresh_url  # asked for a fresh URL when an expired download is retried
        self.allow_insecure_http = allow_insecure_http
        self.clock = clock
        self.items: dict[int, Download] = {}
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._slots = asyncio.Semaphore(max_parallel)
        self._next = 1
        self._samples: dict[int, list[tuple[float, int]]] = {}
        self._reported: dict[int, float] = {}

    # -- what the UI and the CLI call -------------------------------------------------------------------

    @property
    def active_count(self) -> int:
        return sum(1 for item in self.items.values() if item.active)

    def add(self, creation_id: str, results: Iterable[Result], folder: Path) -> list[Download]:
        """Queue the results that have a URL; one already on its way is not queued twice."""
        added = []
        for result in results:
            if not result.url:
                continue
            same = next((item for item in self.items.values() if item.active and item.url == result.url
                         and item.folder == folder), None)
            if same is not None:
                added.append(same)
                continue
            name = unique_name(folder, file_name(result.label, result.kind, result.mime_type, result.url),
                               taken=self._taken(folder))
            item = Download(self._next, result.url, folder, name, str(creation_id), label=result.label or "",
                            result_id=result.id, size_bytes=result.size_bytes)
            self._next += 1
            added.append(self._start(item))
        return added

    def restore(self, rows: Iterable[dict[str, Any]]) -> list[Download]:
        """Downloads a previous run left in progress (the journal's rows): queued again, resuming their .part."""
        restored = []
        for row in rows:
            try:
                folder, name = Path(str(row["folder"])), str(row["name"])
                inside(folder, name + PART)
                item = Download(self._next, str(row["url"]), folder, name, str(row.get("creation_id") or ""),
                                label=str(row.get("label") or ""), result_id=row.get("result_id"),
                                size_bytes=row.get("size_bytes"), etag=row.get("etag"))
            except (KeyError, TypeError, ValueError):
                continue  # a row this version cannot read: its .part stays on disk, untouched
            if any(other.active and other.part == item.part for other in self.items.values()):
                continue
            self._next += 1
            restored.append(self._start(item, message="resuming after a restart"))
        return restored

    def cancel(self, download_id: int) -> None:
        item = self.items.get(download_id)
        if item is None or not item.active:
            return
        task = self._tasks.pop(download_id, None)
        if task is not None:
            task.cancel()
        self._set(item, state="cancelled", rate=None, eta=None, message="cancelled")
        asyncio.get_running_loop().create_task(self._discard(item))

    def retry(self, download_id: int) -> Download | None:
        item = self.items.get(download_id)
        if item is None or item.active or item.state == "done":
            return None
        return self._start(replace(item, state="queued", message="", error_kind=""), expired=item.error_kind == "expired")

    async def wait(self) -> None:
        """Until nothing is queued or running (the CLI)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks.values()), return_exceptions=True)

    async def aclose(self) -> None:
        """Stop every transfer; their .part files and journal rows stay, so the next start resumes them."""
        tasks = list(self._tasks.values())
        self._tasks.clear()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # -- inside -----------------------------------------------------------------------------------------

    def _taken(self, folder: Path) -> set[str]:
        return {item.name for item in self.items.values() if item.folder == folder and item.state != "cancelled"}

    def _set(self, item: Download, **changes: Any) -> Download:
        current = replace(self.items.get(item.id, item), **changes)
        self.items[item.id] = current
        self.on_change(current)
        return current

    def _start(self, item: Download, message: str = "", expired: bool = False) -> Download:
        item = self._set(item, state="queued", message=message or "waiting for a free slot")
        self._tasks[item.id] = asyncio.get_running_loop().create_task(self._run(item.id, expired))
        return item

    async def _run(self, download_id: int, expired: bool) -> None:
        try:
            async with self._slots:
                await self._transfer(download_id, expired)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # noqa: BLE001 - a bug must end as a failed row, never a dead task
            log.exception("download %s failed unexpectedly", download_id)
            item = self.items[download_id]
            self._set(item, state="failed", rate=None, eta=None, error_kind="bug",
                      message=f"failed unexpectedly ({type(error).__name__}); see the log")
        finally:
            if self._tasks.get(download_id) is asyncio.current_task():
                del self._tasks[download_id]

    async def _transfer(self, download_id: int, expired: bool) -> None:
        item = self.items[download_id]
        refreshed = False
        if expired:
            refreshed = await self._refresh(download_id)
            item = self.items[download_id]
        try:
            await asyncio.to_thread(item.folder.mkdir, parents=True, exist_ok=True)
        except OSError as error:
            return self._fail(item, engine.disk_error(error, item.part))
        await self._journal("save", item)
        def started(etag: str | None, total: int | None, offset: int) -> None:
            self._started(download_id, etag, total, offset)

        def progress(done: int, total: int | None) -> None:
            self._progress(download_id, done, total)

        attempt = 0
        while True:
            item = self._set(self.items[download_id], state="active", message="resuming" if attempt else "")
            self._samples[download_id] = []
            try:
                fetched = await engine.fetch(
                    self.http, item.url, item.part, expected_size=item.size_bytes, etag=item.etag,
                    auth=self.auth(), allow_insecure_http=self.allow_insecure_http, on_start=started,
                    on_progress=progress)
                final = await asyncio.to_thread(engine.publish, self.items[download_id].part,
                                                inside(item.folder, item.name))
            except DownloadError as error:
                # a link that expired or a host that is gone (the demo's simulator restarted): ask for it again
                if error.kind in ("expired", "unreachable") and not refreshed:
                    refreshed = True
                    if await self._refresh(download_id):
                        continue
                if error.kind in ("network", "unreachable") and attempt < AUTO_RESUMES:
                    await asyncio.sleep(RESUME_DELAY * 2 ** attempt)
                    attempt += 1
                    continue
                return self._fail(self.items[download_id], error)
            break
        await self._journal("drop", item)
        self._set(self.items[download_id], state="done", done=fetched.size, total=fetched.size, rate=None,
                  eta=0.0, path=final, name=final.name, sha256=fetched.sha256, message="")

    async def _refresh(self, download_id: int) -> bool:
        """A fresh URL for the same result from the server (If-Range keeps a resume honest); True if it changed."""
        if self.refresh_url is None:
            return False
        item = self.items[download_id]
        self._set(item, message="asking the server for a fresh link")
        try:
            fresh = await self.refresh_url(item)
        except Exception:  # noqa: BLE001 - no fresh link: the old one's failure is what is said
            return False
        if not fresh or fresh == item.url:
            return False
        self._set(self.items[download_id], url=fresh)
        await self._journal("save", self.items[download_id])
        return True

    def _fail(self, item: Download, error: DownloadError) -> None:
        self._set(item, state="failed", rate=None, eta=None, message=error.message, error_kind=error.kind)
        if not error.resumable:  # nothing half-written stays behind for a file that cannot be continued
            asyncio.get_running_loop().create_task(self._discard(item))

    def _started(self, download_id: int, etag: str | None, total: int | None, offset: int) -> None:
        item = self.items[download_id]
        note = f"resumed at {offset:,} bytes" if offset else ("starting again: the server sent the whole file"
                                                            if item.done else "")
        self._set(item, etag=etag, total=total, done=offset, message=note)
        self._samples[download_id] = [(self.clock(), offset)]
        asyncio.get_running_loop().create_task(self._journal("save", self.items[download_id]))

    def _progress(self, download_id: int, done: int, total: int | None) -> None:
        now = self.clock()
        samples = self._samples.setdefault(download_id, [])
        samples.append((now, done))
        while len(samples) > 2 and now - samples[0][0] > RATE_WINDOW:
            samples.pop(0)
        rate = None
        if len(samples) > 1 and now > samples[0][0]:
            rate = (done - samples[0][1]) / (now - samples[0][0])
        eta = (total - done) / rate if rate and total is not None else None
        if now - self._reported.get(download_id, 0.0) < PROGRESS_EVERY and done != total:
            self.items[download_id] = replace(self.items[download_id], done=done, total=total, rate=rate, eta=eta)
            return
        self._reported[download_id] = now
        self._set(self.items[download_id], done=done, total=total, rate=rate, eta=eta)

    async def _discard(self, item: Download) -> None:
        try:
            await asyncio.to_thread(item.part.unlink, missing_ok=True)
        except OSError:
            pass
        await self._journal("drop", item)

    async def _journal(self, what: str, item: Download) -> None:
        if self.journal is None:
            return
        try:
            if what == "save":
                await asyncio.to_thread(self.journal.save_download, str(item.part), item.journal_row())
            else:
                await asyncio.to_thread(self.journal.drop_download, str(item.part))
        except Exception:  # noqa: BLE001 - the state file is a convenience: the download itself goes on
            log.warning("could not update the downloads journal", exc_info=True)

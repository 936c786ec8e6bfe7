"""File names for downloads: from a result's label or kind plus an extension from its MIME type or URL, made safe.

A name never holds a path separator, a `..`, a control character or a name Windows reserves, is at most
MAX_NAME_BYTES of UTF-8, and lands inside the chosen folder; an existing file is never overwritten (a suffix).
Pure functions (the file system is only asked whether a name is taken).
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Callable, Collection
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from kgp_tui.api.text import sanitize

MAX_NAME_BYTES = 180  # well under the 255 bytes most file systems allow, leaving room for " (99).part"
PART = ".part"
FALLBACK = "download"
_KNOWN = {  # MIME type -> extension, for the types KPainter delivers (mimetypes varies between systems)
    "video/mp4": ".mp4", "text/vtt": ".vtt", "image/png": ".png", "image/jpeg": ".jpg", "image/webp": ".webp",
    "application/pdf": ".pdf", "text/html": ".html", "application/zip": ".zip", "audio/mpeg": ".mp3",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
    "application/json": ".json", "text/plain": ".txt",
}
_UNSAFE = re.compile(r'[/\\:*?"<>|\x00]')
_EXTENSION = re.compile(r"^\.[A-Za-z0-9]{1,8}$")
_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$", re.IGNORECASE)


def extension(mime_type: str | None, url: str | None) -> str:
    """`.mp4` and the like: a known MIME type first, else the URL's own suffix, else what mimetypes says."""
    mime = (mime_type or "").split(";")[0].strip().lower()
    if mime in _KNOWN:
        return _KNOWN[mime]
    if url:
        suffix = PurePosixPath(unquote(urlsplit(url).path)).suffix
        if _EXTENSION.match(suffix):
            return suffix.lower()
    guessed = mimetypes.guess_extension(mime) if mime else None
    return guessed if guessed and _EXTENSION.match(guessed) else ".bin"


def clean_stem(text: str | None) -> str:
    """A label made into a safe file-name stem ('' when nothing usable is left)."""
    value = sanitize(text or "", single_line=True)
    value = _UNSAFE.sub("_", value)
    value = re.sub(r"\.{2,}", ".", value)
    value = value.strip(" ._-")
    if _RESERVED.match(value):
        value = f"_{value}"
    return _clip(value, MAX_NAME_BYTES)


def _clip(text: str, limit: int) -> str:
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", errors="ignore").rstrip(" ._-")


def file_name(label: str | None, kind: str | None, mime_type: str | None, url: str | None) -> str:
    """The name a result is saved under: its label (else its kind) and the extension of what it is."""
    ext = extension(mime_type, url)
    stem = clean_stem(label) or clean_stem(kind) or FALLBACK
    if stem.lower().endswith(ext.lower()):
        stem = stem[: -len(ext)].rstrip(" ._-") or FALLBACK
    return _clip(stem, MAX_NAME_BYTES - len(ext)) + ext


def folder_name(creation_id: str) -> str:
    """The per-creation folder under download_dir (creation ids are server text too)."""
    return clean_stem(creation_id) or "creation"


def numbered(name: str, number: int) -> str:
    """`name (N).ext`; number 1 is the name itself."""
    if number <= 1:
        return name
    path = PurePosixPath(name)
    return f"{path.stem} ({number}){path.suffix}"


def unique_name(folder: Path, name: str, taken: Collection[str] = (),
                exists: Callable[[Path], bool] | None = None) -> str:
    """`name`, or `name (2)`, `(3)`… so that neither it nor its .part is on disk or in `taken` (other downloads)."""
    exists = exists or (lambda path: path.exists() or path.is_symlink())
    number = 1
    while True:
        candidate = numbered(name, number)
        if candidate not in taken and not exists(folder / candidate) and not exists(folder / (candidate + PART)):
            return candidate
        number += 1


def inside(folder: Path, name: str) -> Path:
    """folder/name, refusing anything that would land elsewhere (a name from clean_stem never does)."""
    if not name or name in (".", "..") or "/" in name or "\\" in name or "\x00" in name:
        raise ValueError(f"not a plain file name: {name!r}")
    path = folder / name
    if path.parent != folder:
        raise ValueError(f"{name!r} would land outside {folder}")
    return path

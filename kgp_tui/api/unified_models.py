"""Unified wire → domain for creations, runs, outputs, files, messages and list pages: pure functions.

Tolerated: ``id`` in place of ``creation_id`` (and of ``output_id``, ``file_id``, ``message_id``), camelCase keys,
a bare outputs list, a bare or ``data`` list page, numbers sent as text. Only an id is required: without one a
reply is a ``MalformedResponse``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import domain as d
from . import wire as w
from .errors import MalformedResponse

__all__ = [
    "creation_from_unified", "file_from_unified", "message_from_unified", "message_reply_from_unified",
    "outputs_from_unified", "page_from_unified", "run_from_unified",
]


def _require_id(data: Mapping[str, Any], *names: str, what: str) -> str:
    ident = w.text(w.first(data, *names))
    if ident is None:
        raise MalformedResponse(f"The server's {what} has no {names[0]}.")
    return ident.strip()


def _pause(value: Any) -> d.Pause | None:
    if isinstance(value, str) and value.strip():
        return d.Pause(reason=value.strip())
    p = w.obj(value)
    if not p:
        return None
    return d.Pause(w.text(w.first(p, "reason", "code")), w.text(w.first(p, "message", "detail")))


def _review(value: Any) -> d.Review | None:
    if isinstance(value, str) and value.strip():
        return d.Review(status=value.strip())
    r = w.obj(value)
    return d.Review(w.text(r.get("status")), w.text(w.first(r, "notes", "message"))) if r else None


def _error(value: Any) -> d.RunError | None:
    if isinstance(value, str) and value.strip():
        return d.RunError(message=value)
    e = w.obj(value)
    return d.RunError(w.text(e.get("code")), w.text(w.first(e, "message", "detail"))) if e else None


def _actions(value: Any) -> tuple[str, ...]:
    """``["retry"]``, or ``[{"action": "retry", …}]``."""
    if isinstance(value, list):
        names = [w.text(w.first(w.obj(v), "action", "name", "type")) if isinstance(v, Mapping) else w.text(v)
                 for v in value]
        return tuple(dict.fromkeys(n for n in names if n))
    return w.strings(value)


def _creation_dict(data: Any) -> dict[str, Any]:
    """The creation in a reply: the reply itself, or a ``creation`` object inside it."""
    c = w.obj(data)
    inner = c.get("creation")
    if isinstance(inner, Mapping) and w.first(c, "creation_id", "id") is None:
        return w.obj(inner)
    return c


def run_from_unified(data: Any, kind: str = "create", action: str | None = None) -> d.Run:
    """A creation's processing state as a run; its id (what is polled) is the creation id."""
    c = _creation_dict(data)
    ident = _require_id(c, "creation_id", "id", what="creation")
    return d.Run(
        surface="unified", id=ident, creation_id=ident, kind=kind, action=action,
        status=w.text(c.get("status")) or "unknown", progress_pct=w.number(w.first(c, "progress_pct", "progress")),
        step=w.text(c.get("current_step")),
        eta_seconds=w.number(w.first(c, "estimated_remaining_seconds", "eta_seconds")),
        estimated_credits=w.number(c.get("estimated_credits")), actual_credits=w.number(c.get("actual_credits")),
        error=_error(c.get("error")), pause=_pause(c.get("pause")), available_actions=_actions(
            c.get("available_actions")), review=_review(c.get("review")), result_code=w.text(c.get("result_code")),
        has_usable_delivery=w.flag(c.get("has_usable_delivery")), created_at=w.text(c.get("created_at")),
        updated_at=w.text(c.get("updated_at")), finished_at=w.text(c.get("finished_at")), raw=c,
    )


def message_from_unified(data: Any, content: str | None = None) -> d.Message:
    m = w.obj(data)
    return d.Message(
        w.text(w.first(m, "message_id", "id")), w.text(m.get("content")) or content or "",
        w.text(m.get("status")), w.text(m.get("reply")), w.text(m.get("created_at")), raw=m,
    )


def output_from_unified(data: Any) -> d.Result:
    o = w.obj(data)
    return d.Result(
        w.text(w.first(o, "output_id", "id")), w.text(o.get("kind")), w.text(w.first(o, "label", "name")),
        w.text(o.get("url")), w.text(w.first(o, "mime_type", "mime")), w.integer(w.first(o, "size_bytes", "size")),
        raw=o,
    )


def outputs_from_unified(data: Any) -> tuple[d.Result, ...]:
    """``{"outputs": [...]}``, a bare list, or ``items``/``data``; entries that are not objects are dropped."""
    listed = w.listing(data, "outputs", "items", "data")
    if listed is None:
        raise MalformedResponse("The server's outputs reply holds no list of outputs.")
    return tuple(output_from_unified(o) for o in listed if isinstance(o, Mapping))


def creation_from_unified(data: Any, kind: str = "create") -> d.Creation:
    """A creation (detail or list item); ``run`` is its processing state, ``messages`` the follow-ups so far."""
    c = _creation_dict(data)
    run = run_from_unified(c, kind)
    messages = tuple(message_from_unified(m) for m in c.get("messages") or () if isinstance(m, Mapping))
    results: tuple[d.Result, ...] = ()
    if c.get("outputs") is not None:
        listed = w.listing(c.get("outputs"), "outputs", "items")
        results = tuple(output_from_unified(o) for o in listed or () if isinstance(o, Mapping))
    return d.Creation(
        surface="unified", id=run.id, type=w.text(c.get("type")), title=w.text(c.get("title")),
        prompt=w.text(c.get("prompt")), status=run.status, created_at=run.created_at, updated_at=run.updated_at,
        main_url=w.text(w.first(c, "main_url", "url")), thumbnail_url=w.text(c.get("thumbnail_url")), run=run,
        latest_run_id=run.id, results=results, messages=messages, detailed="available_actions" in c or
        "messages" in c, raw=c,
    )


def page_from_unified(data: Any, page: int, page_size: int) -> d.CreationPage:
    """``{"items", "page", "page_size", "total"}``, ``data`` for ``items``, or a bare list (one page)."""
    listed = w.listing(data, "items", "data", "creations")
    if listed is None:
        raise MalformedResponse("The server's list of creations holds no list.")
    kept = []
    for item in listed:
        try:
            kept.append(creation_from_unified(item))
        except MalformedResponse:
            continue  # an item without an id cannot be opened: dropped, the others stay
    if isinstance(data, list):
        return d.CreationPage(tuple(kept), page, len(listed), len(listed) if page == 1 else None)
    envelope = w.obj(data)
    return d.CreationPage(tuple(kept), w.integer(envelope.get("page")) or page,
                          w.integer(envelope.get("page_size")) or page_size, w.integer(envelope.get("total")))


def file_from_unified(data: Any) -> d.UploadedFile:
    f = w.obj(data)
    return d.UploadedFile(_require_id(f, "file_id", "id", what="uploaded file"), w.text(w.first(f, "name", "filename")),
                          w.text(w.first(f, "mime_type", "mime")), w.integer(w.first(f, "size_bytes", "size")), raw=f)


def message_reply_from_unified(data: Any, content: str) -> d.MessageReply:
    """``{"message_id", "status", "reply", "creation": {...}}``; the creation's new state when the reply has it."""
    r = w.obj(data)
    inner = r.get("creation")
    run = run_from_unified(inner, "message") if isinstance(inner, Mapping) and w.first(
        w.obj(inner), "creation_id", "id") is not None else None
    message = r.get("message") if isinstance(r.get("message"), Mapping) else r
    return d.MessageReply(message_from_unified(message, content), run, raw=r)

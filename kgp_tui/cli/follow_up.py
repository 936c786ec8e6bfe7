"""``edit`` (v1), ``message`` and ``act`` (unified): what can be done with a creation once it exists.

An edit is a plain POST: never resent; after an ambiguous one the creation is asked whether a new job started.
A message and an action carry one idempotency key per command: a retry after a lost reply sends the same key, so
the server acts once. An action that spends money is asked about first, unless ``--yes``.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from kgp_tui.format import error_text
from kgp_tui.poll_policy import backoff_delay, rate_limited_wait

from . import EXIT_CODES
from .common import DONE, UNREACHABLE, USAGE, CliError, Output, Session, session, shown
from .creations import check_files, say_errors, upload
from .follow import Progress, finish, follow

if TYPE_CHECKING:
    from kgp_tui.api import domain as d

T = TypeVar("T")
RESENDS = 2  # a POST with an idempotency key is sent at most 1 + RESENDS times


def _parser(sub: Any, parents: list[argparse.ArgumentParser], name: str, help_text: str) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(
        name, parents=parents, help=help_text, description=help_text[0].upper() + help_text[1:] + ".",
        epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("creation_id", metavar="CREATION_ID")
    return parser


def _flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--wait", action="store_true", help="poll until the new run ends, then print the detail")
    parser.add_argument("--json", action="store_true", help="print one JSON document on stdout")


def add_edit(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    parser = _parser(sub, parents, "edit", "edit a ready creation (v1): a scene's narration, a scene, an iteration")
    parser.add_argument("--action", required=True, metavar="ACTION",
                        help="update_scene_narration, regenerate_scene or iterate (see: kgp-tui get ID)")
    parser.add_argument("--scene", metavar="ID", help="the scene_id to change")
    parser.add_argument("--text", metavar="TEXT", help="the new narration (iterate: what to change)")
    parser.add_argument("--voice", metavar="ID", help="a voice for the new narration")
    _flags(parser)
    parser.set_defaults(handler=edit)


def add_message(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    parser = _parser(sub, parents, "message", "send a follow-up to a ready video (unified)")
    parser.add_argument("text", metavar="TEXT", help="what to change or ask")
    parser.add_argument("--file", action="append", default=[], metavar="PATH", dest="files",
                        help="attach a file (repeatable)")
    _flags(parser)
    parser.set_defaults(handler=message)


def add_act(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    parser = _parser(sub, parents, "act", "act on a paused creation (unified): resume, approve, retry")
    parser.add_argument("action", metavar="ACTION", help="one the creation offers now (see: kgp-tui get ID)")
    parser.add_argument("--yes", action="store_true", help="do not ask before an action that spends credits")
    _flags(parser)
    parser.set_defaults(handler=act)


async def _then(s: Session, run: d.Run | None, creation_id: str, reply: Any, args: argparse.Namespace,
                out: Output) -> int:
    """Without --wait: the reply; with it: follow the new run and report the creation."""
    if not args.wait or run is None:
        if args.json:
            out.json(dict(reply))
        else:
            out.line(f"creation {shown(creation_id, 40)}: {shown(run.status if run else 'sent', 40)}"
                     f"{'' if args.wait else f' — kgp-tui wait {shown(creation_id, 40)}'}")
        return DONE
    run = await follow(s.adapter, run, interval=s.config.poll_interval,
                       requests_per_second=s.config.requests_per_second, progress=Progress(out))
    return await finish(s, run, creation_id, out, args.json)


def _allowed(s: Session) -> None:
    if not s.account.may_create:
        from .common import REFUSED

        raise CliError(s.account.why_not or "this key cannot create.", REFUSED)


async def edit(args: argparse.Namespace, out: Output) -> int:
    text_field = "prompt" if args.action == "iterate" else "narration_text"
    values = {"scene_id": args.scene, text_field: args.text, "voice_id": args.voice}
    async with session(args, out) as s:
        creation = await s.adapter.creation(args.creation_id, retries=2)
        errors = s.adapter.validate_edit(creation, args.action, values)
        if errors:
            say_errors(out, errors)
            raise CliError(f"nothing sent: {len(errors)} value(s) to fix (see above).")
        _allowed(s)
        try:
            run = await s.adapter.edit(creation, args.action, values)
        except Exception as error:
            if not getattr(error, "ambiguous", False):
                raise
            found = await _edit_started(s, creation)
            if found is None:
                raise CliError(f"{error_text(error)} No new job is on creation {shown(creation.id, 40)} and nothing "
                               f"was resent: check `kgp-tui get {shown(creation.id, 40)}` first.", UNREACHABLE) from None
            out.note(f"kgp-tui: the reply was lost, but job {shown(found.id, 40)} started: nothing was resent.")
            run = found
        return await _then(s, run, creation.id, run.raw, args, out)


async def _edit_started(s: Session, before: d.Creation) -> d.Run | None:
    """After an ambiguous edit: the creation's newest job, when it is not the one it had before."""
    try:
        now = await s.adapter.creation(before.id, retries=2)
    except Exception:  # noqa: BLE001 - not known: said as such
        return None
    if now.latest_run_id and now.latest_run_id != before.latest_run_id:
        return now.watched_run()
    return None


async def _same_key(call: Callable[[], Awaitable[T]], s: Session, out: Output) -> T:
    """Send a POST whose idempotency key makes a resend act once: again after a 429, a 5xx or a lost reply."""
    from kgp_tui.api.errors import ConnectionFailed, RateLimited, ServerError

    for attempt in range(RESENDS + 1):
        try:
            return await call()
        except (RateLimited, ServerError, ConnectionFailed) as error:
            if attempt == RESENDS:
                raise
            interval = s.config.poll_interval
            wait = (rate_limited_wait(error.retry_after, interval) if isinstance(error, RateLimited)
                    else backoff_delay(interval, attempt + 1, random.uniform(0.8, 1.2)))
            out.note(f"kgp-tui: {shown(error.message, 200)} — sending again with the same idempotency key in "
                     f"{wait:.1f} s")
            await asyncio.sleep(wait)
    raise AssertionError("unreachable")  # pragma: no cover


async def message(args: argparse.Namespace, out: Output) -> int:
    from kgp_tui.api.domain import new_idempotency_key

    async with session(args, out) as s:
        if s.surface != "unified":
            raise CliError("messages exist only on the unified KPainter API; this server speaks v1 (see: kgp-tui "
                           "edit).")
        if not args.text.strip():
            raise CliError("the message is empty.")
        paths = check_files(s, args.files)
        _allowed(s)
        file_ids = await upload(s, paths, out)
        key = new_idempotency_key()
        reply = await _same_key(lambda: s.adapter.send_message(args.creation_id, args.text, file_ids, key), s, out)
        said = reply.message
        if said.reply:
            out.note(f"kgp-tui: {shown(said.status or 'reply', 40)}: {shown(said.reply, 2000)}")
        if said.status == "rejected":
            if args.json:
                out.json(dict(reply.raw))
            return USAGE
        run = reply.run if reply.run is not None and not reply.run.stops_polling else None
        if run is None and args.wait:
            return await finish(s, reply.run, args.creation_id, out, args.json)
        return await _then(s, run, args.creation_id, reply.raw, args, out)


async def act(args: argparse.Namespace, out: Output) -> int:
    from kgp_tui.api.domain import ActionIntent

    async with session(args, out) as s:
        if s.surface != "unified":
            raise CliError("actions exist only on the unified KPainter API; this server speaks v1.")
        creation = await s.adapter.creation(args.creation_id, retries=2)
        if creation.run is None:
            raise CliError(f"creation {shown(creation.id, 40)} has no state to act on.")
        intent = ActionIntent.new(creation.run, args.action)
        if intent.costs_money and not args.yes:
            _confirm(intent, out)
        _allowed(s)
        run = await _same_key(lambda: s.adapter.act(intent), s, out)
        return await _then(s, run, creation.id, run.raw, args, out)


def _confirm(intent: d.ActionIntent, out: Output) -> None:
    """Ask on the terminal before spending money; without one, only --yes sends it."""
    question = f"{intent.action} on creation {shown(intent.creation_id, 40)} spends credits."
    if not (sys.stdin.isatty() and out.tty):
        raise CliError(f"{question} Not sent: add --yes to send it from a script.")
    out.note(f"{question} Send it? [y/N] ", end="")
    try:
        answer = input()
    except EOFError:
        answer = ""
    if answer.strip().lower() not in ("y", "yes"):
        raise CliError("not sent.")

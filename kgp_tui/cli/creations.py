"""``create``, ``get``, ``wait`` and ``list``: make a creation and follow it, or look at the ones there are.

``create`` turns ``--set FIELD=VALUE`` into the form's values (``api.form_values``), validates them with the
adapter's rules and builds the body the form would send (``--dry-run`` prints it and sends nothing). A POST is
never resent: after an ambiguous one the creation is looked up as the app does (``find_created``).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kgp_tui.format import error_text, status_label

from . import EXIT_CODES
from .common import (
    DONE,
    REFUSED,
    UNREACHABLE,
    USAGE,
    CliError,
    Output,
    Session,
    session,
    shown,
)
from .follow import Progress, detail, finish, follow, print_creation

if TYPE_CHECKING:
    from kgp_tui.api import domain as d

LIST_MAX = 1000
SCAN_PAGES = 10  # a surface without a status/search filter: at most this many pages are filtered here


def _parser(sub: Any, parents: list[argparse.ArgumentParser], name: str, help_text: str,
            description: str) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(
        name, parents=parents, help=help_text, description=description, epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    return parser


def _json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON document on stdout")


def _wait_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--wait", action="store_true",
                        help="poll until it ends (progress on stderr), then print the creation's detail")


def add_create(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    parser = _parser(sub, parents, "create", "make a creation (v1 content type or unified product)",
                     "Make a creation from TYPE (see: kgp-tui catalog) with the form's validation: nothing is sent "
                     "unless every value is allowed.")
    parser.add_argument("type", metavar="TYPE", help="content type (v1) or product (unified), e.g. slides_video")
    parser.add_argument("--prompt", required=True, metavar="TEXT", help="what to make")
    parser.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE", dest="sets",
                        help="a setting, as in the form (repeatable); nested with dots: image_generation.model=M")
    parser.add_argument("--file", action="append", default=[], metavar="PATH", dest="files",
                        help="attach a file (unified; repeatable): checked against the server's limits, uploaded")
    parser.add_argument("--max-credits", type=int, metavar="N", help="unified: pause before it would cost more")
    parser.add_argument("--dry-run", action="store_true", help="print the exact body and send nothing")
    _wait_flag(parser)
    _json_flag(parser)
    parser.set_defaults(handler=create)


def add_get(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    parser = _parser(sub, parents, "get", "show one creation", "Show one creation's detail (unified: with its "
                     "outputs once it has them).")
    parser.add_argument("creation_id", metavar="CREATION_ID")
    _json_flag(parser)
    parser.set_defaults(handler=get)


def add_wait(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    parser = _parser(sub, parents, "wait", "wait for a creation to finish",
                     "Poll a creation until it is ready, failed or paused, then print its detail.")
    parser.add_argument("creation_id", metavar="CREATION_ID")
    _json_flag(parser)
    parser.set_defaults(handler=wait)


def add_list(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    parser = _parser(sub, parents, "list", "list your creations, newest first",
                     "List your creations, newest first (unified: status and search are filtered here).")
    parser.add_argument("--type", metavar="T", help="only this content type or product")
    parser.add_argument("--status", metavar="S", help="only this status (queued, processing, ready, failed …)")
    parser.add_argument("--query", metavar="Q", help="search titles and prompts")
    parser.add_argument("--limit", type=int, default=20, metavar="N", help=f"at most N (1–{LIST_MAX}, default 20)")
    _json_flag(parser)
    parser.set_defaults(handler=list_creations)


def parse_sets(pairs: list[str]) -> dict[str, str]:
    """``FIELD=VALUE`` pairs (the last one of a field wins); a pair without ``=`` is a usage error."""
    found: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise CliError(f"--set takes FIELD=VALUE, not {shown(pair, 80)!r}.")
        found[name.strip()] = value
    return found


def product_of(s: Session, type_name: str) -> d.Product:
    product = s.offer.product(type_name)
    if product is None:
        known = ", ".join(p.type for p in s.offer.products) or "none"
        raise CliError(f"this server makes no {shown(type_name, 60)!r} (it makes: {shown(known, 600)}).")
    return product


def check_files(s: Session, paths: list[str]) -> list[Path]:
    """The files to attach, checked against the server's limits before anything is sent."""
    if not paths:
        return []
    if s.offer.files is None:
        raise CliError("this server's API (v1) takes no files.")
    limits = s.offer.files
    if limits.max_files is not None and len(paths) > limits.max_files:
        raise CliError(f"the server takes at most {limits.max_files} files, not {len(paths)}.")
    from kgp_tui.api.unified import UnifiedAdapter

    checked = [Path(p).expanduser() for p in paths]
    for path in checked:
        if isinstance(s.adapter, UnifiedAdapter):  # the surface that takes files checks them
            s.adapter.check_file(path)
    return checked


async def upload(s: Session, paths: list[Path], out: Output) -> list[str]:
    ids = []
    for path in paths:
        out.note(f"kgp-tui: uploading {shown(path.name, 80)} …")
        ids.append((await s.adapter.upload(path)).id)
    return ids


def say_errors(out: Output, errors: dict[str, str]) -> None:
    for name, message in errors.items():
        out.note(f"  {shown(name, 60)}: {shown(message)}")


async def create(args: argparse.Namespace, out: Output) -> int:
    given = {**parse_sets(args.sets), "prompt": args.prompt}
    from kgp_tui.api.form_values import form_values

    async with session(args, out) as s:
        product = product_of(s, args.type)
        values, errors = form_values(product, given, s.surface)
        paths = check_files(s, args.files)
        shown_ids = [f"<id of {p.name}>" for p in paths]  # the real ids exist once the files are uploaded
        errors.update(s.adapter.validate(product, values, shown_ids, args.max_credits))
        if errors:
            say_errors(out, errors)
            raise CliError(f"nothing sent: {len(errors)} value(s) to fix (see above).")
        if args.dry_run:
            out.json(s.adapter.build_create_body(product, values, shown_ids, args.max_credits))
            return DONE
        if not s.account.may_create:
            raise CliError(s.account.why_not or "this key cannot create.", REFUSED)
        file_ids = await upload(s, paths, out)
        known = await _known_ids(s, product.type)
        started = time.time()
        try:
            run: d.Run | None = await s.adapter.create(product, values, file_ids, args.max_credits)
        except Exception as error:
            if not getattr(error, "ambiguous", False):
                raise
            found = await _find_created(s, product.type, started, known, args.prompt)
            if found is None:
                raise CliError(f"{error_text(error)} Nothing new is in your {product.type} creations and nothing "
                               f"was resent: check `kgp-tui list --type {product.type}` before creating again.",
                               UNREACHABLE) from None
            out.note(f"kgp-tui: the reply was lost, but creation {shown(found.id, 40)} was made: it is followed, "
                     "nothing was resent.")
            run = found.watched_run()
            if not args.wait or run is None:
                return _started(out, found.raw, found.id, None, args.json)
        assert run is not None
        cid = run.creation_id or run.id
        if not args.wait:
            return _started(out, run.raw, cid, run.id, args.json)
        run = await follow(s.adapter, run, interval=s.config.poll_interval,
                           requests_per_second=s.config.requests_per_second, progress=Progress(out))
        return await finish(s, run, cid, out, args.json)


def _started(out: Output, raw: Any, cid: str, run_id: str | None, as_json: bool) -> int:
    if as_json:
        out.json(dict(raw))
    else:
        job = f" (job {shown(run_id, 40)})" if run_id and run_id != cid else ""
        out.line(f"creation {shown(cid, 40)} started{job}: kgp-tui wait {shown(cid, 40)}")
    return DONE


async def _known_ids(s: Session, type_name: str) -> list[str]:
    """The creations of this type already there, so an ambiguous create is never matched to one of them."""
    try:
        page = await s.adapter.list_creations(type=type_name, page=1, page_size=20, retries=1)
    except Exception:  # noqa: BLE001 - best effort: without it, the lookup still matches by time and prompt
        return []
    return [item.id for item in page.items]


async def _find_created(s: Session, type_name: str, started: float, known: list[str], prompt: str
                        ) -> d.Creation | None:
    try:
        return await s.adapter.find_created(type_name, since=started, known=known, prompt=prompt)
    except Exception:  # noqa: BLE001 - nothing found is said as such: the user checks the list
        return None


async def get(args: argparse.Namespace, out: Output) -> int:
    async with session(args, out) as s:
        creation, document = await detail(s, args.creation_id)
        if args.json:
            out.json(document)
        else:
            print_creation(out, creation)
        return DONE


async def wait(args: argparse.Namespace, out: Output) -> int:
    async with session(args, out) as s:
        creation = await s.adapter.creation(args.creation_id, retries=2)
        run = creation.watched_run()
        if run is not None and not run.stops_polling:  # a v1 job's state is not known until it is polled
            run = await follow(s.adapter, run, interval=s.config.poll_interval, poll_first=True,
                               requests_per_second=s.config.requests_per_second, progress=Progress(out))
        return await finish(s, run, creation.id, out, args.json)


async def list_creations(args: argparse.Namespace, out: Output) -> int:
    from kgp_tui.api.domain import filter_locally

    if not 1 <= args.limit <= LIST_MAX:
        raise CliError(f"--limit must be between 1 and {LIST_MAX}.", USAGE)
    async with session(args, out) as s:
        here = s.adapter.list_filters
        local = bool(args.status and not here.status or args.query and not here.query)
        size = 100 if local else min(args.limit, 100)
        status = None if local else args.status
        query = None if local else args.query
        items: list[d.Creation] = []
        for number in range(1, SCAN_PAGES + 1 if local else args.limit // size + 2):
            page = await s.adapter.list_creations(args.type, status, query, number, size, retries=2)
            items += filter_locally(page.items, args.status, args.query) if local else page.items
            if len(items) >= args.limit or not page.has_next:
                break
        items = items[: args.limit]
        if args.json:
            out.json([dict(item.raw) for item in items])
            return DONE
        for item in items:
            made = shown((item.created_at or "")[:19], 19)
            out.line(f"{shown(item.id, 24):>8}  {shown(item.type or '', 20):<18} "
                     f"{shown(status_label(item.status), 14):<12} {made:<19}  {shown(item.label, 70)}")
        if not items:
            out.note("kgp-tui: no creations match.")
        return DONE


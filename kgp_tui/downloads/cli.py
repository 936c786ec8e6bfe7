"""``kgp-tui download CREATION_ID [--dir DIR] [--json]``: save a creation's results from a shell.

Exit 0 when every file is complete, 1 when one failed or there was nothing to download, 2 for a usage or
config problem. ``--json`` prints ``{"creation_id", "files": [{"path", "url", "size_bytes", "sha256"}]}`` on
stdout (a file that failed has ``path`` null and an ``error``); progress and problems go to stderr, in words.
What is in progress is in the state file, as in the app: running the command again resumes it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .manager import Download


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kgp-tui download",
                                     description="Download every result (artifact or output) of one creation.")
    parser.add_argument("creation_id", metavar="CREATION_ID")
    parser.add_argument("--dir", metavar="DIR",
                        help="folder to save into (default: download_dir from the config + the creation id)")
    parser.add_argument("--json", action="store_true", help="print what was saved as JSON on stdout")
    parser.add_argument("--config", metavar="PATH", help="config file to use")
    parser.add_argument("--profile", metavar="NAME", help="profile from the config file to connect with")
    return parser


def _say(text: str) -> None:
    print(f"kgp-tui download: {text}", file=sys.stderr, flush=True)


def run(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    from kgp_tui.config import ConfigError, load_config

    try:
        config = load_config(args.config)
        config.chosen_profile = args.profile
        connection = config.connection()
    except ConfigError as exc:
        _say(f"config error: {exc}")
        return 2
    if connection is None:
        _say("no API key: set KGP_API_KEY or save a profile (kgp-tui, then the connect screen)")
        return 2
    try:
        return asyncio.run(_download(args, config, connection))
    except KeyboardInterrupt:
        _say("stopped; run the same command again to resume")
        return 130


async def _download(args: argparse.Namespace, config: Any, connection: Any) -> int:
    from dataclasses import replace

    from kgp_tui.api.surface import connect
    from kgp_tui.config import downloads_root
    from kgp_tui.format import error_text, sanitize
    from kgp_tui.persist import LocalStore

    from . import api_auth, http_client, insecure_http_allowed
    from .manager import DownloadManager
    from .naming import folder_name

    try:
        session = await connect(connection.base_url, connection.api_key, config.surface,
                                timeout=config.request_timeout, get_retries=2)
    except Exception as error:  # noqa: BLE001 - every failure is one line in words
        _say(f"could not connect to {connection.base_url}: {error_text(error)}")
        return 1
    adapter = session.adapter
    journal = await asyncio.to_thread(LocalStore.open)
    http = http_client()
    try:
        try:
            creation = await adapter.creation(args.creation_id, retries=2)
            if creation.run is not None and creation.run.has_usable_delivery and not creation.results:
                creation = replace(creation, results=await adapter.outputs(args.creation_id))
        except Exception as error:  # noqa: BLE001
            _say(f"creation {sanitize(args.creation_id, single_line=True, max_len=60)}: {error_text(error)}")
            return 1
        results = [result for result in creation.results if result.url]
        if not results:
            _say(f"creation {creation.id} has nothing to download yet (it is {creation.status or 'unknown'})")
            return 1
        folder = Path(args.dir).expanduser() if args.dir else downloads_root(config) / folder_name(creation.id)
        auth = api_auth(adapter)

        def told(item: Download) -> None:
            if item.state in ("done", "failed") or (item.message and item.state == "active"):
                where = item.path or item.part
                _say(f"{item.name}: {item.state}" + (f" ({item.message})" if item.message else "")
                     + (f" -> {where}" if item.state == "done" else ""))

        manager = DownloadManager(http, on_change=told, journal=journal, auth=lambda: auth,
                                  allow_insecure_http=insecure_http_allowed(config))
        wanted = {result.url for result in results}
        rows = await asyncio.to_thread(journal.downloads)
        manager.restore(row for row in rows if row.get("url") in wanted and Path(str(row.get("folder"))) == folder)
        items = manager.add(creation.id, results, folder)
        await manager.wait()
        final = [manager.items[item.id] for item in items]
    finally:
        await http.aclose()
        await adapter.aclose()
        await asyncio.to_thread(journal.close)
    if args.json:
        files = [{"path": str(item.path) if item.path else None, "url": item.url, "size_bytes": item.total
                  if item.state == "done" else item.size_bytes, "sha256": item.sha256,
                  **({} if item.state == "done" else {"error": item.message or item.state})} for item in final]
        print(json.dumps({"creation_id": creation.id, "files": files}, ensure_ascii=False, indent=2))
    return 0 if all(item.state == "done" for item in final) else 1


def add_download(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    """``download`` in kgp_tui.cli's table, for ``kgp-tui --help`` and shell completion; ``kgp_tui.__main__`` runs
    it through :func:`run` (its own exit codes and resume journal)."""
    parser = sub.add_parser("download", parents=parents, help="download a creation's results (resumable)",
                            description=build_parser().description)
    parser.add_argument("creation_id", metavar="CREATION_ID")
    parser.add_argument("--dir", metavar="DIR",
                        help="folder to save into (default: download_dir from the config + the creation id)")
    parser.add_argument("--json", action="store_true", help="print what was saved as JSON on stdout")

"""``kgp-tui COMMAND …``: the app's client, config and rules, from a shell, a cron job or an agent. No Textual.

``COMMANDS`` is the dispatch table: a command name → ``"module:function"``, where the function adds that command's
subparser (``function(subparsers, parents)``) and sets ``handler``, an async ``handler(args, out) -> exit code``.
Only the module of the command being run is imported, so ``kgp-tui me --json`` stays light. A new command is one
line here (and its module).
"""

from __future__ import annotations

import argparse
import importlib
import sys

__all__ = ["COMMANDS", "EXIT_CODES", "build_parser", "command_of", "main"]

COMMANDS: dict[str, str] = {
    "me": "kgp_tui.cli.account:add_me",
    "catalog": "kgp_tui.cli.account:add_catalog",
    "create": "kgp_tui.cli.creations:add_create",
    "get": "kgp_tui.cli.creations:add_get",
    "wait": "kgp_tui.cli.creations:add_wait",
    "list": "kgp_tui.cli.creations:add_list",
    "edit": "kgp_tui.cli.follow_up:add_edit",
    "message": "kgp_tui.cli.follow_up:add_message",
    "act": "kgp_tui.cli.follow_up:add_act",
    "completion": "kgp_tui.cli.completion:add_completion",
    "download": "kgp_tui.downloads.cli:add_download",  # run by kgp_tui.__main__ through kgp_tui.downloads.cli.run
}
GLOBAL_WITH_VALUE = ("--config", "--profile", "--surface")
EXIT_CODES = """\
exit codes:
  0    done (the creation is ready; for me, catalog, get, list: answered)
  1    the creation failed or was cancelled
  2    usage or config error (a bad value, an unknown type or field, no key, no such creation)
  3    the key is refused or not allowed (401/403, a read-only key asked to create)
  4    not enough credits (402), or the creation is paused waiting for you (see: kgp-tui act)
  5    server or network error after retries (5xx, 429, no answer); a POST is never resent
  130  interrupted (Ctrl+C)
"""


def command_of(argv: list[str]) -> str | None:
    """The command word of ``argv`` when it names one of ``COMMANDS`` (global options may come first)."""
    index = 0
    while index < len(argv):
        word = argv[index]
        if word in GLOBAL_WITH_VALUE:
            index += 2
        elif word.startswith(tuple(f"{name}=" for name in GLOBAL_WITH_VALUE)):
            index += 1
        else:
            return word if word in COMMANDS else None
    return None


def build_parser(names: list[str] | None = None) -> argparse.ArgumentParser:
    """The ``kgp-tui`` parser with these commands (all of them when None: for completion)."""
    from .common import common_options

    parser = argparse.ArgumentParser(prog="kgp-tui", description="Script the KPainter API with kgp-tui's client.",
                                     epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    common_options(parser)
    shared = argparse.ArgumentParser(add_help=False)
    common_options(shared, suppress=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS if names is None else names:
        module, _, function = COMMANDS[name].partition(":")
        getattr(importlib.import_module(module), function)(sub, [shared])
    return parser


def main(argv: list[str]) -> int:
    from .common import execute

    name = command_of(argv)
    parser = build_parser([name] if name else None)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2): argparse has said why
        return exc.code if isinstance(exc.code, int) else 2
    return execute(args.handler, args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""``kgp-tui completion bash|zsh|fish``: a completion script for the whole command line, made by shtab from
the same parsers that run the commands."""

from __future__ import annotations

import argparse
from typing import Any

from . import EXIT_CODES
from .common import DONE, Output

SHELLS = ("bash", "zsh", "fish")
INSTALL = """\
install:
  bash   kgp-tui completion bash > ~/.local/share/bash-completion/completions/kgp-tui
  zsh    kgp-tui completion zsh > "${fpath[1]}/_kgp-tui"
  fish   kgp-tui completion fish > ~/.config/fish/completions/kgp-tui.fish
"""


def add_completion(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("completion", help="print a shell completion script", epilog=INSTALL + "\n" + EXIT_CODES,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("shell", choices=SHELLS)
    parser.set_defaults(handler=completion)


def full_parser() -> argparse.ArgumentParser:
    """Every command, with the app's own options and the locate and simulator commands beside them."""
    from kgp_tui.__main__ import build_parser as app_parser
    from kgp_tui.simulator.cli import build_parser as simulator_parser

    from . import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    sub.add_parser("locate", help="print where the config file, data and logs live")
    sub.add_parser("simulator", help="run the built-in KGP simulator on loopback", parents=[simulator_parser()],
                   add_help=False)
    known = {option for action in parser._actions for option in action.option_strings}
    for action in app_parser()._actions:
        if action.option_strings and not set(action.option_strings) & known:
            parser._add_action(action)
    return parser


async def completion(args: argparse.Namespace, out: Output) -> int:
    import shtab

    out.line(shtab.complete(full_parser(), shell=args.shell))
    return DONE

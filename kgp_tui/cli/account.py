"""``me`` and ``catalog``: who the key belongs to, and what this server can make (v1 /catalog, unified
/capabilities). ``--json`` prints the server's own document."""

from __future__ import annotations

import argparse
from typing import Any

from . import EXIT_CODES
from .common import DONE, Output, session, shown


def add_me(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("me", parents=parents, help="who the key belongs to, credits, whether it can create",
                            epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true", help="print the account as the server gave it")
    parser.set_defaults(handler=me)


def add_catalog(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("catalog", parents=parents, help="what this server can make, and each setting's values",
                            epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true", help="print /catalog (v1) or /capabilities (unified) as given")
    parser.set_defaults(handler=catalog)


async def me(args: argparse.Namespace, out: Output) -> int:
    async with session(args, out) as s:
        account = s.account
        if args.json:
            out.json(dict(account.raw))
            return DONE
        out.line(f"account:  {shown(account.label, 80)}")
        if account.email and account.email != account.label:
            out.line(f"email:    {shown(account.email, 80)}")
        out.line(f"key:      {s.adapter.key_prefix}")
        out.line(f"server:   {s.surface} surface")
        if account.credits is not None:
            plan = f" ({shown(account.plan, 40)})" if account.plan else ""
            out.line(f"credits:  {shown(account.credits, 20)}{plan}")
        out.line("create:   yes" if account.may_create else f"create:   no — {shown(account.why_not)}")
        return DONE


async def catalog(args: argparse.Namespace, out: Output) -> int:
    async with session(args, out) as s:
        if args.json:
            out.json(dict(s.offer.raw))
            return DONE
        for product in s.offer.products:
            out.line(f"{shown(product.type, 40)} — {shown(product.label, 80)}"
                     + ("  (takes files)" if product.accepts_files else ""))
            for setting in product.settings:
                values = ", ".join(shown(c.value, 40) for c in setting.choices[:12])
                more = " …" if len(setting.choices) > 12 else ""
                limit = shown(setting.describe(), 80)
                what = f"one of {values}{more}" if values else limit or setting.kind
                required = " (required)" if setting.required else ""
                flag = "--prompt TEXT" if setting.name == "prompt" else f"--set {shown(setting.name, 40)}=…"
                out.line(f"  {flag}  {what}{required}")
        if s.offer.takes_budget:
            out.line("budget: --max-credits N")
        return DONE

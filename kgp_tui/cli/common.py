"""What every command shares: exit codes, output (one JSON document on stdout, notes on stderr), errors → exit
codes, and connecting with the app's own config, profiles, environment and client. No Textual.

Everything printed goes through ``Output``: the key is replaced by its prefix (``api.redact``), server text shown
to a person is sanitized (``api.text.sanitize``), and JSON escapes the characters a terminal would act on.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sys
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO, cast

from kgp_tui.api.redact import key_prefix, redact
from kgp_tui.api.text import sanitize

if TYPE_CHECKING:
    from kgp_tui.api import domain as d
    from kgp_tui.api.surface import SurfaceAdapter, SurfaceChoice
    from kgp_tui.config import Config

DONE, FAILED, USAGE, REFUSED, STOPPED, UNREACHABLE, INTERRUPTED = 0, 1, 2, 3, 4, 5, 130

# C1 controls, bidi overrides and line separators: valid in a JSON string, acted on by a terminal or an editor.
_UNSAFE_IN_JSON = re.compile("[\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


class CliError(Exception):
    """A failure the command explains in one line and ends with ``code``."""

    def __init__(self, message: str, code: int = USAGE) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def dumps(document: Any) -> str:
    """JSON text that shows server strings as data: every control character escaped (the decoded value is
    unchanged), non-ASCII text kept readable."""
    text = json.dumps(document, ensure_ascii=False, indent=2)
    return _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


@dataclass
class Output:
    """stdout for the result, stderr for progress and errors; the key never leaves as more than its prefix."""

    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
    secrets: tuple[str, ...] = ()
    color: bool = field(default_factory=lambda: not os.environ.get("NO_COLOR") and sys.stderr.isatty())

    def json(self, document: Any) -> None:
        self.stdout.write(redact(dumps(document), *self.secrets) + "\n")
        self.stdout.flush()

    def line(self, text: str = "") -> None:
        """One line of the human-readable result (already sanitized by the caller)."""
        self.stdout.write(redact(text, *self.secrets) + "\n")

    def note(self, text: str, *, end: str = "\n") -> None:
        """Progress or a warning, on stderr."""
        self.stderr.write(redact(text, *self.secrets) + end)
        self.stderr.flush()

    def error(self, text: str) -> None:
        mark = "\x1b[31mkgp-tui:\x1b[0m" if self.color else "kgp-tui:"
        self.note(f"{mark} {sanitize(text, single_line=True)}")

    @property
    def tty(self) -> bool:
        return self.stderr.isatty()


def shown(text: object, max_len: int | None = 300) -> str:
    """Server text on one line, with no escapes."""
    return sanitize(text, single_line=True, max_len=max_len)


def exit_code_for(error: BaseException) -> int:
    """The documented exit code of a client error (see ``EXIT_CODES``)."""
    from kgp_tui.api import errors as e

    if isinstance(error, (e.AuthError, e.PermissionDenied)):
        return REFUSED
    if isinstance(error, e.InsufficientCredits):
        return STOPPED
    if isinstance(error, (e.ValidationFailed, e.NotOnThisSurface, e.NotFound, e.Conflict, e.FileTooLarge,
                          e.UnsupportedFileType)):
        return USAGE
    if isinstance(error, e.KGPError) and error.status is not None and 400 <= error.status < 500 \
            and error.status != 429:
        return USAGE
    return UNREACHABLE


@dataclass
class Session:
    """A connected command: the adapter for the surface the server speaks, the account and what can be made."""

    adapter: SurfaceAdapter
    account: d.Account
    offer: d.Offer
    config: Config

    @property
    def surface(self) -> str:
        return self.adapter.name


def common_options(parser: argparse.ArgumentParser, *, suppress: bool = False) -> None:
    """``--config``, ``--profile``, ``--surface``: before or after the command name (after it they win)."""
    default = argparse.SUPPRESS if suppress else None
    parser.add_argument("--config", metavar="PATH", default=default,
                        help="config file to use (default: see `kgp-tui locate`)")
    parser.add_argument("--profile", metavar="NAME", default=default, help="profile from the config file")
    parser.add_argument("--surface", choices=["auto", "v1", "unified"], default=default,
                        help="which KPainter API to speak (default: the config's surface, else auto)")


def load(args: argparse.Namespace, out: Output) -> tuple[Config, Any]:
    """The config and the connection (base URL, key) as the app reads them; no key is a usage error."""
    from kgp_tui.config import ConfigError, load_config

    try:
        config = load_config(getattr(args, "config", None))
        config.chosen_profile = getattr(args, "profile", None)
        connection = config.connection()
    except ConfigError as exc:
        raise CliError(f"config error: {exc}") from None
    for warning in config.warnings:
        out.note(f"kgp-tui: warning: {warning}")
    if connection is None:
        raise CliError("no API key: set KGP_API_KEY, or save a profile (start kgp-tui and connect once).")
    out.secrets = (connection.api_key,)
    return config, connection


@asynccontextmanager
async def session(args: argparse.Namespace, out: Output) -> AsyncIterator[Session]:
    """Connect as the app does (surface found at connect unless forced; GETs retried twice with backoff,
    each retry said on stderr), then leave polls to the shared poll policy (no client retries)."""
    from kgp_tui.api.surface import connect

    config, connection = load(args, out)
    surface = cast("SurfaceChoice", getattr(args, "surface", None) or config.surface)  # both checked on the way in

    def retrying(error: Exception, number: int, of: int, delay: float) -> None:
        out.note(f"kgp-tui: {shown(getattr(error, 'message', '') or type(error).__name__)} "
                 f"(retry {number} of {of} in {delay:.1f} s)")

    from kgp_tui.api.errors import KGPError
    from kgp_tui.format import describe_connect_error

    try:
        found = await connect(connection.base_url, connection.api_key, surface, timeout=config.request_timeout,
                              get_retries=2, on_retry=retrying)
    except KGPError as error:  # said as the connect screen says it: what failed, the server's words, what to do
        text = describe_connect_error(error, connection.base_url, key_prefix(connection.api_key))
        raise CliError(" ".join(text.splitlines()), exit_code_for(error)) from None
    try:
        yield Session(found.adapter, found.account, found.offer, config)
    finally:
        await found.adapter.aclose()


Handler = Callable[[argparse.Namespace, Output], Coroutine[Any, Any, int]]


def execute(handler: Handler, args: argparse.Namespace, out: Output | None = None) -> int:
    """Run one command to its exit code: every failure is one line on stderr, never a traceback."""
    from kgp_tui.api.errors import KGPError
    from kgp_tui.format import error_text

    out = out or Output()
    try:
        return asyncio.run(handler(args, out))
    except KeyboardInterrupt:
        out.error("interrupted.")
        return INTERRUPTED
    except CliError as exc:
        out.error(exc.message)
        return exc.code
    except KGPError as exc:
        out.error(error_text(exc))
        for name, message in exc.field_errors.items():
            out.note(f"  {shown(name, 60)}: {shown(message)}")
        return exit_code_for(exc)
    except BrokenPipeError:  # `kgp-tui list | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return DONE
    except OSError as exc:
        out.error(f"{exc.strerror or 'cannot read or write a file'}{f': {exc.filename}' if exc.filename else ''}.")
        return USAGE
    except ValueError as exc:  # the client's own words for a key or URL it cannot use
        out.error(str(exc))
        return USAGE
    except Exception:  # noqa: BLE001 - a fault of ours is said as such, never as a traceback
        out.error("An unexpected error inside kgp-tui.")
        return UNREACHABLE

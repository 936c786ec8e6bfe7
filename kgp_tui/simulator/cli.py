"""`kgp-tui simulator` and `python -m kgp_tui.simulator`: serve the simulator until Ctrl+C or SIGTERM.

The first two lines of output are `KGP_BASE_URL=...` and `KGP_API_KEY=...`, so a script can read them (or a shell
can `eval` them). Those keys are the simulator's own demo keys, the only keys it ever prints.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading

from .scenarios import SCENARIOS
from .server import SURFACES, Simulator
from .state import DEFAULT_API_KEY


def _param(text: str) -> tuple[str, object]:
    name, sep, raw = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    try:
        return name, json.loads(raw)
    except ValueError:
        return name, raw


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kgp-tui simulator",
        description="Serve a simulated KPainter API on loopback, with in-memory state: the v1 catalog/job surface or "
                    "the unified one (capabilities, files, creations, messages, actions, outputs).")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (default 0: any free port)")
    parser.add_argument("--api-key", default=DEFAULT_API_KEY, help="the key the simulator accepts")
    parser.add_argument("--surface", default="v1", choices=SURFACES,
                        help="the API surface this server speaks (default v1; the other one's paths answer 404)")
    parser.add_argument("--max-file-bytes", type=int, default=None, metavar="N",
                        help="unified surface: the largest upload POST /files accepts (default 50 MiB)")
    parser.add_argument("--scenario", default="default", choices=sorted(SCENARIOS), metavar="NAME",
                        help="a scenario from --list-scenarios (default: default)")
    parser.add_argument("--param", action="append", type=_param, default=[], metavar="NAME=VALUE",
                        help="a scenario parameter, e.g. --param delay=3 --param times=2 (repeatable)")
    parser.add_argument("--step-seconds", type=float, default=4.0,
                        help="seconds per job step (default 4.0: a demo job takes 20-60 s)")
    parser.add_argument("--media-rate", type=float, default=None, metavar="BYTES_PER_S",
                        help="serve media bodies at this many bytes per second (default: as fast as loopback goes)")
    parser.add_argument("--list-scenarios", action="store_true", help="list the scenarios and exit")
    parser.add_argument("--log-requests", action="store_true", help="print method, path and status of each request")
    parser.add_argument("--allow-non-loopback", action="store_true",
                        help="allow a non-loopback --host (the simulator has no real security)")
    return parser


def run(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help or a usage error: argparse has printed why
        return exc.code if isinstance(exc.code, int) else 2
    if args.list_scenarios:
        width = max(len(name) for name in SCENARIOS)
        for name, description in SCENARIOS.items():
            print(f"{name:<{width}}  {description}")
        return 0
    stop = threading.Event()
    previous = {}
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):
            previous[signum] = signal.signal(signum, lambda *_: stop.set())
    try:
        return _serve(args, stop)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _serve(args: argparse.Namespace, stop: threading.Event) -> int:
    try:
        sim = Simulator(api_key=args.api_key, host=args.host, port=args.port, scenario=args.scenario,
                        step_seconds=args.step_seconds, allow_non_loopback=args.allow_non_loopback,
                        surface=args.surface, max_file_bytes=args.max_file_bytes, media_rate=args.media_rate,
                        **dict(args.param))
        sim.start()
    except (ValueError, OSError) as exc:
        print(f"kgp-tui simulator: {exc}", file=sys.stderr)
        return 2
    if args.log_requests:
        sim.request_listener = lambda method, path, status: print(
            f"{method} {path} {status if status is not None else 'dropped'}", file=sys.stderr, flush=True)
        sim.media_listener = lambda method, path, status, wanted: print(
            f"media {method} {path} {status}" + (f" Range: {wanted}" if wanted else ""), file=sys.stderr, flush=True)
    print(f"KGP_BASE_URL={sim.base_url}", flush=True)
    print(f"KGP_API_KEY={sim.api_key}", flush=True)
    print(f"# surface {sim.surface}; scenario {sim.scenario}; read-only key: {sim.readonly_key}; "
          f"no-credit key: {sim.no_credit_key}; media host: {sim.media_origin}")
    print("# serving until Ctrl+C", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:  # SIGINT before our handler was in place, or run() off the main thread
        pass
    finally:
        sim.stop()
    print("# simulator stopped", flush=True)
    return 0

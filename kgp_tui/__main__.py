"""The ``kgp-tui`` command: parse arguments, read config, then start the app, the simulator or a helper command.

Only argparse and config are imported up front, so ``--help``, ``--version`` and ``locate`` answer at once and
need no network, no key and no Textual. The commands for scripts (``me``, ``create`` …) are ``kgp_tui.cli``'s.
"""

from __future__ import annotations

import argparse
import os
import sys

from kgp_tui import __version__

EPILOG = """\
commands for scripts (kgp-tui COMMAND --help for each; --json prints one JSON document on stdout):
  kgp-tui me [--json]                 who the key belongs to, credits, whether it can create
  kgp-tui catalog [--json]            what the server makes (v1 /catalog, unified /capabilities)
  kgp-tui create TYPE --prompt TEXT [--set FIELD=VALUE]... [--file PATH]... [--max-credits N]
                 [--dry-run] [--wait] [--json]
  kgp-tui get|wait CREATION_ID [--json]
  kgp-tui list [--type T] [--status S] [--query Q] [--limit N] [--json]
  kgp-tui edit CREATION_ID --action ACTION [--scene ID] [--text TEXT] [--voice ID] [--wait] [--json]   (v1)
  kgp-tui message CREATION_ID TEXT [--file PATH]... [--wait] [--json]                               (unified)
  kgp-tui act CREATION_ID ACTION [--yes] [--wait] [--json]                                          (unified)
  kgp-tui completion bash|zsh|fish

other commands:
  kgp-tui simulator [--surface v1|unified] [--port 0] [--api-key KEY] [--scenario NAME] [--step-seconds S]
                      run the built-in KGP simulator on loopback (see: kgp-tui simulator --help)
  kgp-tui locate      print where the config file, data and logs live
  kgp-tui download CREATION_ID [--dir DIR] [--json]
                      save a creation's results (resumes what an earlier run left half-done)
  kgp-tui --demo --surface unified
                      the demo on the simulator's unified surface

environment:
  KGP_BASE_URL, KGP_API_KEY   override the profile's base URL and key (as KPainter's docs use them)
  KGP_TUI_CONFIG              another config file (like --config)
  KGP_TUI_PROFILE             another profile (like --profile)
  NO_COLOR                    no colour in the commands' messages

exit codes (the commands above):
  0 done (creation ready) · 1 the creation failed or was cancelled · 2 usage or config error
  3 key refused or not allowed (401/403) · 4 not enough credits, or paused waiting for you
  5 server or network error after retries · 130 interrupted
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kgp-tui",
        description="A keyboard-first terminal client for the KPainter content-generation API (KGP v1 and unified).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"kgp-tui {__version__}")
    parser.add_argument("--config", metavar="PATH", help="config file to use (default: see `kgp-tui locate`)")
    parser.add_argument("--profile", metavar="NAME", help="profile from the config file to connect with")
    parser.add_argument(
        "--demo", action="store_true", help="start the built-in simulator and connect to it: no account, no network"
    )
    parser.add_argument(
        "--surface", choices=["auto", "v1", "unified"],
        help="which KPainter API to speak (default: the config's surface, else auto: found at connect); "
        "with --demo, unified runs the simulator's unified surface",
    )
    parser.add_argument("--debug", action="store_true", help="write debug lines to the log file")
    parser.add_argument("command", nargs="?", choices=["locate"], help=argparse.SUPPRESS)
    return parser


def _fail(message: str, code: int = 2) -> int:
    print(f"kgp-tui: {message}", file=sys.stderr)
    return code


def locate(config_path: str | None) -> int:
    from kgp_tui.config import app_paths
    from kgp_tui.persist import DB_NAME

    paths = app_paths(config_path)
    print(f"config: {paths.config_file}{'' if paths.config_file.exists() else '  (not created yet)'}")
    print(f"data:   {paths.data_dir}")
    print(f"state:  {paths.data_dir / DB_NAME}  (jobs, drafts, recently viewed; delete it to reset)")
    print(f"logs:   {paths.log_file}")
    return 0


def run_app(args: argparse.Namespace) -> int:
    import logging

    from kgp_tui.config import ConfigError, app_paths, load_config
    from kgp_tui.logs import setup_logging

    try:
        config = load_config(args.config)
        config.chosen_profile = args.profile  # the connect screen starts from this profile's server too
        connection = None if args.demo else config.connection()
    except ConfigError as exc:
        return _fail(f"config error: {exc}")
    for warning in config.warnings:
        print(f"kgp-tui: warning: {warning}", file=sys.stderr)
    setup_logging(
        app_paths(args.config).log_file,
        level=logging.DEBUG if args.debug else logging.INFO,
        secrets=(connection.api_key,) if connection else (),
    )
    from kgp_tui.app import FRAMES_PER_SECOND, KGPApp, css_cache_folder, start_up_begins

    app = KGPApp(config=config, connection=connection, demo=args.demo, surface=args.surface, freeze_start_up=True,
                 css_cache=css_cache_folder(),
                 frames_per_second=None if os.environ.get("TEXTUAL_FPS") else FRAMES_PER_SECOND)
    start_up_begins()
    app.run()
    return app.return_code or 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["simulator"]:
        from kgp_tui.simulator.cli import run

        return run(argv[1:])
    if argv[:1] == ["download"]:
        from kgp_tui.downloads.cli import run as download

        return download(argv[1:])
    from kgp_tui.cli import command_of

    if command_of(argv) is not None:  # a command for scripts: kgp_tui.cli, without Textual
        from kgp_tui.cli import main as run_command

        return run_command(argv)
    args = build_parser().parse_args(argv)
    if args.command == "locate":
        return locate(args.config)
    try:
        return run_app(args)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())

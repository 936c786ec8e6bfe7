"""`python -m kgp_tui.simulator`: the standalone simulator (see cli.py)."""

from .cli import run

raise SystemExit(run())

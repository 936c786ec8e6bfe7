"""The one stylesheet (kgp_tui.tcss), parsed in two parts: what the first screen needs before the first frame,
everything else right after it.

Textual parses the app's CSS three times before the first frame (once read, then again for the theme's
variables); the rules of the screens nobody sees yet were a third of that cost.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

STYLESHEET = Path(__file__).with_name("kgp_tui.tcss")
# everything above it is common, the connect screen's or the catalog's (the first screen when the offer is cached)
FIRST_SCREEN_ENDS_AT = "/* create */"


def _parts() -> tuple[str, str]:
    text = STYLESHEET.read_text(encoding="utf-8")
    head, mark, tail = text.partition(FIRST_SCREEN_ENDS_AT)
    return head, mark + tail


def first_screen_css() -> str:
    return _parts()[0]


def load_the_rest(app: Any) -> None:
    """Add the other screens' rules (call once the first frame is out, before another screen is shown).

    Only added: the sheet parses the new part when it next styles a widget (the parts it has are cached), and no
    widget on screen is styled again, since none of these rules matches one of them (``refresh_css`` would
    re-parse every widget's default CSS in a new sheet and restyle the whole DOM: ~40 ms of a held loop).
    ``tests/test_styles.py`` checks that no rule here matches a widget of either first screen."""
    tail = _parts()[1]
    if tail:
        app.stylesheet.add_source(tail, read_from=(str(STYLESHEET), "after the first frame"))

"""The one stylesheet (kgp_tui.tcss), parsed in two parts: what the first screen needs before the first frame,
everything else right after it; and a stylesheet that parses each part once while the theme stays the same.

Textual parsed the app's CSS three times before the first frame (once read, then again for the theme's
variables); the rules of the screens nobody sees yet were a third of that cost.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.css.stylesheet import Stylesheet

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


class KeptParses(Stylesheet):
    """Textual's stylesheet, minus parsing the same CSS again with the same variables.

    At start-up Textual sets the theme's variables twice (the theme is set, then the first screen's CSS is
    refreshed), and each time ``set_variables`` empties the sheet's parse cache and ``reparse`` parses every source
    in a fresh sheet: the default CSS of every widget on screen and the app's was parsed three times before the
    first frame (~25 ms of its ~55 ms of parsing, in a trace). With the same variables the parses are the same, so
    they are kept; a new theme (other variables) parses everything again, as upstream.
    Installed by ``keep_parses``; Textual is pinned exactly (pyproject.toml)."""

    def set_variables(self, variables: dict[str, str]) -> None:
        if variables != self._variables:
            super().set_variables(variables)

    def reparse(self) -> None:
        # Textual's reparse (textual/css/stylesheet.py), with the fresh sheet given this sheet's parses: it parses
        # with the same variables (a change of them emptied the cache first, in set_variables)
        stylesheet = Stylesheet(variables=self._variables)
        stylesheet._parse_cache = self._parse_cache
        for read_from, (css, is_defaults, tie_breaker, scope) in self.source.items():
            stylesheet.add_source(css, read_from=read_from, is_default_css=is_defaults, tie_breaker=tie_breaker,
                                  scope=scope)
        try:
            stylesheet.parse()
        except Exception:
            self._invalid_css.update(stylesheet._invalid_css)
            raise
        self._rules = stylesheet.rules
        self._rules_map = None
        self.source = stylesheet.source
        self._require_parse = False


def keep_parses(app: Any) -> None:
    """Make the app's stylesheet a KeptParses (call in the App's __init__, before anything is parsed)."""
    app.stylesheet.__class__ = KeptParses

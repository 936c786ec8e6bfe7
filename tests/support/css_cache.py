"""Parse each piece of Textual CSS once per test process, not once per app.

Every test builds a fresh app, and Textual's parse cache lives on the app's stylesheet, so each test parsed the
same CSS again: 10-20 % of a Pilot test's CPU. Parsing is a pure function of the CSS text, where it came from and
the theme's variables, which are all in the key; the rule sets it returns are read, never changed, by Textual.
A user's app parses once anyway: this changes only how often the suite repeats the same work.
"""

from __future__ import annotations

from typing import Any

_SHARED: dict[tuple, Any] = {}


def install() -> None:
    from textual.css.stylesheet import Stylesheet

    if getattr(Stylesheet._parse_rules, "_shared", False):
        return
    parse_once = Stylesheet._parse_rules

    def shared(self: Stylesheet, css: str, read_from: Any, is_default_rules: bool = False, tie_breaker: int = 0,
               scope: str = "") -> Any:
        key = (css, read_from, is_default_rules, tie_breaker, scope, tuple(sorted(self._variables.items())))
        try:
            return _SHARED[key]
        except KeyError:
            rules = _SHARED[key] = parse_once(self, css, read_from, is_default_rules, tie_breaker, scope)
            return rules

    shared._shared = True  # type: ignore[attr-defined]
    Stylesheet._parse_rules = shared  # type: ignore[method-assign]

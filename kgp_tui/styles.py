"""The one stylesheet (kgp_tui.tcss), parsed in two parts: what the first screen needs before the first frame,
everything else right after it; and a stylesheet that parses each part once while the theme stays the same.

Textual parsed the app's CSS three times before the first frame (once read, then again for the theme's
variables); the rules of the screens nobody sees yet were a third of that cost.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import sys
from pathlib import Path
from typing import Any

from textual.css.stylesheet import Stylesheet

log = logging.getLogger(__name__)

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

    kept: KeptRules | None = None  # the parses of earlier runs (the program's own process only)

    def set_variables(self, variables: dict[str, str]) -> None:
        if variables != self._variables:
            super().set_variables(variables)

    def _parse_rules(self, css: str, read_from: Any, is_default_rules: bool = False, tie_breaker: int = 0,
                     scope: str = "") -> list[Any]:
        kept = self.kept
        if kept is None:
            return super()._parse_rules(css, read_from, is_default_rules, tie_breaker, scope)
        cache_key = (css, read_from, is_default_rules, tie_breaker, scope)
        try:
            return self._parse_cache[cache_key]
        except KeyError:
            pass
        digest = kept.digest(cache_key, self._variables)
        rules = kept.get(digest)
        if rules is None:
            rules = super()._parse_rules(css, read_from, is_default_rules, tie_breaker, scope)
            kept.put(digest, rules)
        else:
            self._parse_cache[cache_key] = rules
        return rules

    def reparse(self) -> None:
        # Textual's reparse (textual/css/stylesheet.py), with the fresh sheet given this sheet's parses: it parses
        # with the same variables (a change of them emptied the cache first, in set_variables)
        stylesheet = KeptParses(variables=self._variables)
        stylesheet._parse_cache = self._parse_cache
        stylesheet.kept = self.kept
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


def keep_parses(app: Any, across_runs: Path | None = None) -> None:
    """Make the app's stylesheet a KeptParses (call in the App's __init__, before anything is parsed); with
    `across_runs` (a folder), the parses of the runs before are read from it and the new ones written at exit."""
    app.stylesheet.__class__ = KeptParses
    if across_runs is not None:
        app.stylesheet.kept = KeptRules.load(across_runs)


class KeptRules:
    """Parsed CSS (Textual's RuleSets) kept from one run to the next in the user's cache folder.

    Parsing the stylesheets of the first screen (the App's and every widget's default CSS) took ~18 ms of the
    first frame, and the same ~6 ms again after it, on every start, with the same text and the same theme each
    time. Each parse is kept under a digest of its text, where it was read from, and the theme's variables, in one
    pickle per Textual and Python version (a Textual upgrade or another Python reads none of it); a file that does
    not load (torn, older, hand-edited) is ignored and written again. The folder is the user's own (0700), as the
    bytecode Python caches for itself: the file is code only in the sense a .pyc is."""

    MAGIC = "kgp-tui css rules 1"
    LIMIT = 400  # entries kept: each theme's variables make their own (the used ones are kept first)

    def __init__(self, path: Path, rules: dict[str, list[Any]]) -> None:
        self.path = path
        self.rules = rules
        self.used: set[str] = set()
        self.added = False
        self._variables: dict[str, str] | None = None  # the variables of the last digest, and their text
        self._variables_text = b""

    @staticmethod
    def file_in(folder: Path) -> Path:
        """One file per installed Textual and Python: named after the Python version and the size and time of
        Textual's CSS modules as installed (``textual.__version__`` reads the package metadata: ~40 ms of imports
        before the first frame)."""
        import textual.css.model
        import textual.css.styles

        marks = hashlib.sha256()
        for module in (textual.css.model, textual.css.styles):
            info = os.stat(module.__file__ or "")
            marks.update(f"{module.__file__}:{info.st_size}:{info.st_mtime_ns};".encode())
        return folder / f"textual-py{sys.version_info[0]}{sys.version_info[1]}-{marks.hexdigest()[:16]}.pickle"

    @classmethod
    def load(cls, folder: Path) -> KeptRules:
        path = cls.file_in(folder)
        rules: dict[str, list[Any]] = {}
        try:
            with path.open("rb") as file:
                magic, loaded = pickle.load(file)  # noqa: S301 - our own file in the user's private cache folder
            if magic == cls.MAGIC and isinstance(loaded, dict):
                rules = loaded
        except FileNotFoundError:
            pass
        except Exception as error:  # noqa: BLE001 - any unreadable file is a miss, written again at exit
            log.info("kept CSS parses not read (%s): parsing again", type(error).__name__)
        return cls(path, rules)

    def digest(self, cache_key: tuple[Any, ...], variables: dict[str, str]) -> str:
        if variables != self._variables:  # compared by content: a dict's id may be another's once it is gone
            self._variables = dict(variables)
            self._variables_text = repr(sorted(variables.items())).encode("utf-8")
        digest = hashlib.sha256(self._variables_text)
        digest.update(repr(cache_key).encode("utf-8"))
        return digest.hexdigest()

    def get(self, digest: str) -> list[Any] | None:
        rules = self.rules.get(digest)
        if rules is not None:
            self.used.add(digest)
        return rules

    def put(self, digest: str, rules: list[Any]) -> None:
        self.rules[digest] = rules
        self.used.add(digest)
        self.added = True

    def save(self) -> None:
        """Write the file if this run parsed anything it did not have (atomic, 0600); errors are only logged."""
        if not self.added:
            return
        from kgp_tui.config import PRIVATE_FILE_MODE, private_dir

        rules = self.rules
        if len(rules) > self.LIMIT:
            rules = {k: v for k, v in rules.items() if k in self.used}
        temporary = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        try:
            private_dir(self.path.parent)
            data = pickle.dumps((self.MAGIC, rules), protocol=pickle.HIGHEST_PROTOCOL)
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE_MODE)
            with os.fdopen(fd, "wb") as file:
                file.write(data)
            os.replace(temporary, self.path)
            self.added = False
            for other in self.path.parent.glob("textual-*.pickle"):  # another Textual's or Python's
                if other != self.path:
                    other.unlink(missing_ok=True)
        except Exception as error:  # noqa: BLE001 - a cache: the next start parses again
            log.info("kept CSS parses not written: %s", error)
            try:
                temporary.unlink(missing_ok=True)
            except OSError:
                pass  # its folder is not one (a file in its place): nothing was written

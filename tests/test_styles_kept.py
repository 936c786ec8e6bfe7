"""Parsed CSS kept from one start to the next (kgp_tui.styles.KeptRules): the second start parses none of what the
first one did, another theme parses its own, and a file that does not load is a miss, never an error."""

from __future__ import annotations

import os
import stat
import uuid

import pytest
import textual.css.stylesheet as stylesheet_module
from support import TEST_KEY
from support.app import connected_app_on_catalog, make_app, wait_for

from kgp_tui.styles import KeptParses, KeptRules

VARIABLES = {"panel": "#223344", "accent": "#ff8800"}


@pytest.fixture
def css() -> str:
    """CSS of this test's own: the suite's shared parse cache (tests/support/css_cache.py) has never seen it."""
    name = f"kept-{uuid.uuid4().hex[:12]}"
    return f"#{name} {{ height: 3; background: $panel; }} .{name} Label {{ color: $accent; }}"


def sheet(kept: KeptRules, css: str, variables: dict[str, str] = VARIABLES) -> KeptParses:
    result = KeptParses(variables=dict(variables))
    result.kept = kept
    result.add_source(css, read_from=("test", "CSS"))
    return result


def described(rules) -> list[str]:
    return [f"{rule.selectors} {sorted(rule.styles.get_rules().items())!r}" for rule in rules]


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every real parse of a piece of CSS (Textual's parse function), by the text parsed."""
    calls: list[str] = []
    real = stylesheet_module.parse

    def counted(scope, css, *args, **kwargs):
        calls.append(css)
        return real(scope, css, *args, **kwargs)

    monkeypatch.setattr(stylesheet_module, "parse", counted)
    return calls


def test_a_second_start_reads_the_parses_of_the_first(tmp_path, parses, css) -> None:
    first = sheet(KeptRules.load(tmp_path), css)
    rules = first.rules
    assert parses == [css] and len(rules) == 2
    first.kept.save()
    path = KeptRules.file_in(tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    second = sheet(KeptRules.load(tmp_path), css)
    assert described(second.rules) == described(rules)
    assert parses == [css]  # read, not parsed again
    assert second.rules[0].styles.get_rules()["height"].value == 3
    saved_at = path.stat().st_mtime_ns
    second.kept.save()  # nothing new: the file is left as it is
    assert path.stat().st_mtime_ns == saved_at


def test_another_theme_parses_its_own_and_both_are_kept(tmp_path, parses, css) -> None:
    kept = KeptRules.load(tmp_path)
    dark = sheet(kept, css).rules
    light = sheet(kept, css, {"panel": "#eeeeee", "accent": "#0000ff"}).rules
    assert len(parses) == 2  # the variables are part of what a parse is kept under
    assert dark[0].styles.background != light[0].styles.background
    kept.save()
    again = KeptRules.load(tmp_path)
    assert described(sheet(again, css, {"panel": "#eeeeee", "accent": "#0000ff"}).rules) == described(light)
    assert len(parses) == 2


@pytest.mark.parametrize("content", [b"", b"not a pickle at all", b"\x80\x05\x95garbage", None])
def test_a_file_that_does_not_load_is_parsed_again_and_written_anew(tmp_path, parses, css, content) -> None:
    path = KeptRules.file_in(tmp_path)
    if content is None:  # a pickle of something else (another kgp-tui's format)
        import pickle

        content = pickle.dumps(("another format", {"x": 1}))
    path.write_bytes(content)
    kept = KeptRules.load(tmp_path)
    assert len(sheet(kept, css).rules) == 2 and parses == [css]
    kept.save()
    assert len(sheet(KeptRules.load(tmp_path), css).rules) == 2 and parses == [css]


def test_a_folder_that_cannot_be_written_loses_nothing_but_the_cache(tmp_path, parses, css) -> None:
    blocker = tmp_path / "css"
    blocker.write_text("a file where the folder should be")
    kept = KeptRules.load(blocker)
    assert len(sheet(kept, css).rules) == 2
    kept.save()  # only logged
    assert blocker.read_text() == "a file where the folder should be"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


async def test_the_app_keeps_the_first_screens_parses_for_its_next_start(sim, tmp_path) -> None:
    """Two starts of the app with the same cache folder, as two runs of kgp-tui: the second shows the same catalog
    and parses nothing the first had parsed before its footer was up."""
    folder = tmp_path / "css-cache"
    for start in ("first", "second"):
        app = make_app(sim, tmp_path, key=TEST_KEY, css_cache=folder)
        async with app.run_test(size=(100, 30)) as pilot:
            await connected_app_on_catalog(pilot)
            await wait_for(pilot, lambda app=app: app.screen.query("KGPFooter"), what="the footer")
            kept = app.stylesheet.kept
            await wait_for(pilot, lambda: KeptRules.file_in(folder).exists(), what="the kept parses written")
            assert app.screen.query_one("#types").row_count > 0
            if start == "second":
                assert kept.used and not kept.added, "the second start parsed again what the first had kept"
    assert os.listdir(folder) == [KeptRules.file_in(folder).name]

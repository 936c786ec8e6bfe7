"""The stylesheet in two parts (kgp_tui.styles): the rest, added after the first frame without restyling anything,
must not style a widget of either first screen; the screens shown later have their rules."""

from __future__ import annotations

from support import TEST_KEY
from support.app import connected_app_on_catalog, make_app, wait_for
from textual.css.match import match
from textual.css.stylesheet import Stylesheet

from kgp_tui.styles import _parts

SIZE = (100, 30)


def the_rest_matching(app) -> list[str]:
    """Every widget on the current screen (and the app) that a rule of the second part matches."""
    sheet = Stylesheet(variables=app.get_css_variables())
    sheet.add_source(_parts()[1])
    rules = sheet.rules
    assert len(rules) > 20  # the part is there and parsed
    nodes = [app, *app.screen.walk_children(with_self=True)]
    return [f"{node!r} ← {rule.selectors}" for node in nodes for rule in rules if match(rule.selector_set, node)]


async def test_the_rest_of_the_css_styles_nothing_on_the_connect_screen(sim, tmp_path):
    app = make_app(sim, tmp_path, key=None, connect=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.screen.query("#api-key") and app.screen.query("KGPFooter"),
                       what="the connect form and its footer")
        assert the_rest_matching(app) == []


async def test_the_rest_of_the_css_styles_nothing_on_the_catalog_and_reaches_the_screens_after_it(sim, tmp_path):
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        await wait_for(pilot, lambda: app.screen.query("KGPFooter"), what="the footer")
        assert the_rest_matching(app) == []
        await pilot.press("f3")
        detail = await wait_for(pilot, lambda: app.screen.query("#job-detail") and app.screen.query_one("#job-detail"),
                                what="the jobs screen")
        assert detail.styles.max_height is not None and detail.styles.max_height.value == 5  # a rule of the rest
        assert detail.styles.border_top[0] == "hkey"


async def test_a_theme_chosen_in_the_palette_restyles_the_screen(sim, tmp_path):
    """The stylesheet keeps its parses only while the theme's variables stay the same (kgp_tui.styles.KeptParses):
    another theme, picked with the keys a person would use, repaints the status bar in its own colour."""
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        from textual.color import Color

        def panel() -> Color:
            return Color.parse(app.get_css_variables()["panel"])

        before = app.screen.query_one("#status-bar").styles.background
        assert before == panel()
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: app.screen.query("CommandInput"), what="the command palette")
        await pilot.press(*"theme")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen.query("CommandInput"), what="the theme list")
        await pilot.press(*"textual-light")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.theme == "textual-light", what="the light theme")
        await wait_for(pilot, lambda: app.screen.query("#status-bar")
                       and app.screen.query_one("#status-bar").styles.background != before, what="the repaint")
        assert app.screen.query_one("#status-bar").styles.background == panel() != before


async def test_a_screen_starts_with_the_breakpoint_of_its_size_and_follows_a_resize(sim, tmp_path):
    """Screens are made with the breakpoint class their first Resize would give them (kgp_tui.screens.base), and
    the first resume keeps the styles the widgets got as they mounted: what is narrow is styled narrow from the
    first frame, and a resize still switches it."""
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=(80, 24)) as pilot:
        await connected_app_on_catalog(pilot)
        type_list = app.screen.query_one("#type-list")
        assert app.screen.has_class("-narrow") and type_list.outer_size.width == 36  # .-narrow #type-list
        await pilot.resize_terminal(120, 40)
        await wait_for(pilot, lambda: app.screen.has_class("-wide") and type_list.outer_size.width != 36,
                       what="the wide layout")
        assert not app.screen.has_class("-narrow")
        await pilot.press("f3")
        await wait_for(pilot, lambda: app.screen.query("#jobs-table"), what="the jobs screen")
        assert app.screen.has_class("-wide") and not app.screen.has_class("-narrow")

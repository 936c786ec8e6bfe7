"""History screen: GET /creations page by page, filters, debounced search, stale replies, errors, opening rows.

Every test drives the app by keys against the real simulator on loopback and reads the simulator's request log.
"""

from __future__ import annotations

import time
from itertools import pairwise
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from support import TEST_KEY, patience
from support.app import (
    BACKSPACE,
    burst,
    connected_app_on_catalog,
    make_app,
    screen_text,
    static_text,
    wait_for,
)

from kgp_tui.screens.creation import CreationScreen
from kgp_tui.screens.history import DEBOUNCE_SECONDS, PAGE_SIZE, HistoryScreen
from kgp_tui.screens.jobs import JobsScreen

SIZE = (120, 40)


def list_requests(sim) -> list[dict[str, str]]:
    """The query of every GET /creations the app sent, in order (one value per parameter); the test's own
    `server_total` look-ups (page_size=1, a size the app never asks for) are left out."""
    found = []
    for method, path, _status in sim.request_log:
        parts = urlsplit(path)
        if method == "GET" and parts.path.rstrip("/").endswith("/creations"):
            query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
            if query.get("page_size") != "1":
                found.append(query)
    return found


def server_total(sim, **params) -> int:
    """What the simulator itself says the total is (a second opinion, asked outside the app)."""
    reply = httpx.get(f"{sim.base_url}/creations", params={"page_size": 1, **params},
                      headers={"X-KGP-Api-Key": TEST_KEY})
    return reply.json()["total"]


async def open_history(pilot) -> HistoryScreen:
    app = pilot.app
    await connected_app_on_catalog(pilot)
    await pilot.press("f6")
    screen = await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen) and app.screen, what="history")
    await wait_for(pilot, lambda: screen.fetching is None and screen.total is not None, what="first page")
    return screen


def table(screen):
    return screen.query_one("#history-table")


async def load_everything(pilot, screen, expected: int) -> None:
    """End (the last row) again and again, as a user holding the list's end would, until all rows are in."""
    for _ in range(expected // PAGE_SIZE + 3):
        if len(screen.rows) >= expected:
            break
        before = len(screen.rows)
        await pilot.press("end")
        await wait_for(pilot, lambda before=before: len(screen.rows) > before or not screen.has_next,
                       what="next page")
    await wait_for(pilot, lambda: screen.fetching is None, what="quiet")


async def test_pages_arrive_one_at_a_time_as_the_user_scrolls(sim, tmp_path):
    sim.seed_creations(250)
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_history(pilot)
        assert len(screen.rows) == PAGE_SIZE
        assert [r["page"] for r in list_requests(sim)] == ["1"]  # never all at once
        assert f"250 creations · {PAGE_SIZE} loaded" in static_text(app, "#history-summary")
        assert screen.rows[0].creation_id == max(r.creation_id for r in screen.rows)

        await load_everything(pilot, screen, 250)
        requests = list_requests(sim)
        pages = -(-250 // PAGE_SIZE)
        assert [r["page"] for r in requests] == [str(n) for n in range(1, pages + 1)]  # each once, in order,
        assert {r["page_size"] for r in requests} == {str(PAGE_SIZE)}                   # none past the end
        assert len(screen.rows) == 250 and table(screen).row_count == 250
        assert len({r.creation_id for r in screen.rows}) == 250
        assert "250 creations · 250 loaded" in static_text(app, "#history-summary")
        await pilot.press("end")
        await pilot.pause(0.2)
        assert len(list_requests(sim)) == pages  # at the end: nothing more to ask for


async def test_filter_by_status_then_by_type(sim, tmp_path):
    sim.seed_creations(120)
    failed_total = server_total(sim, status="failed")
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_history(pilot)
        # s opens the status list: blank, queued, processing, ready, failed, invalid
        await pilot.press("s", "down", "down", "down", "down", "enter")
        await wait_for(pilot, lambda: screen.query_state.status == "failed" and screen.fetching is None, what="status")
        assert failed_total and len(screen.rows) == failed_total
        assert {row.status for row in screen.rows} == {"failed"}
        assert list_requests(sim)[-1]["status"] == "failed" and list_requests(sim)[-1]["page"] == "1"
        assert f"{failed_total} creations" in static_text(app, "#history-summary")
        assert "status failed" in static_text(app, "#history-summary")
        assert app.screen.focused is table(screen)  # back on the list after picking

        # t opens the type list; the first type of the catalog
        first_type = app.store.offer.products[0].type
        await pilot.press("t", "down", "enter")
        await wait_for(pilot, lambda: screen.query_state.type == first_type and screen.fetching is None, what="type")
        both = server_total(sim, status="failed", type=first_type)
        assert len(screen.rows) == both and {row.type for row in screen.rows} <= {first_type}
        last = list_requests(sim)[-1]
        assert (last["type"], last["status"], last["page"]) == (first_type, "failed", "1")

        await pilot.press("s", "escape")  # opened and closed without a pick: nothing sent, back on the rows
        await wait_for(pilot, lambda: app.screen.focused is table(screen), what="focus back")
        await pilot.press("s", "home", "enter")  # back to all statuses: page 1 again, type filter kept
        await wait_for(pilot, lambda: screen.query_state.status is None and screen.fetching is None, what="cleared")
        assert app.screen.focused is table(screen)
        assert screen.total == server_total(sim, type=first_type)
        assert "status" not in list_requests(sim)[-1]


async def test_typing_a_ten_letter_word_sends_one_search(sim, tmp_path, capsys):
    sim.seed_creations(100)
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_history(pilot)
        before = len(list_requests(sim))
        await pilot.press("slash")
        assert app.screen.focused is screen.query_one("#history-search")
        word = "photosynth"
        assert len(word) == 10
        started: list[float] = []  # when the screen started each debounced search: the app's own pace, not Pilot's
        restart = screen.restart

        def timed_restart(debounce: float = 0.0) -> None:
            if debounce:
                started.append(time.perf_counter())
            restart(debounce)

        screen.restart = timed_restart
        for char in word:  # one key at a time, as typed (Pilot takes ~0.1 s a key, a brisk typist's pace)
            await pilot.press(char)
        await wait_for(pilot, lambda: screen.query_state.text == word and screen.fetching is None
                       and screen.total is not None and all(word in r.title.lower() for r in screen.rows),
                       what="search result")
        await pilot.pause(0.5)  # a late second request would show up here
        searches = [r for r in list_requests(sim)[before:] if "query" in r]
        # On a busy machine one key can take longer than the debounce: such a pause may send one more search.
        gaps = [b - a for a, b in pairwise(started)]
        pauses = sum(gap > 0.8 * DEBOUNCE_SECONDS for gap in gaps)
        with capsys.disabled():
            print(f"\n[history] GET /creations with query= while typing a 10-character word: {len(searches)} "
                  f"(key gaps {min(gaps) * 1000:.0f}–{max(gaps) * 1000:.0f} ms, debounce "
                  f"{DEBOUNCE_SECONDS * 1000:.0f} ms)")
        assert 1 <= len(searches) <= 1 + pauses and searches[-1]["query"] == word
        assert screen.rows and len(screen.rows) == server_total(sim, query=word)
        assert "matching “photosynth”" in static_text(app, "#history-summary")

        await pilot.press("escape")  # clears the search and goes back to the list: everything again
        await wait_for(pilot, lambda: screen.query_state.text == "" and screen.fetching is None, what="cleared")
        assert screen.total == 100 and app.screen.focused is table(screen)


async def test_a_slow_reply_to_an_old_search_never_overwrites_a_newer_one(sim, tmp_path):
    sim.seed_creations(100)
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_history(pilot)
        # the next list request only, held long enough that "water" is typed and answered first, even under load
        sim.set_scenario("slow", delay=patience(1.5), times=1, path="/creations", method="GET")
        await pilot.press("slash", *"chess")
        await wait_for(pilot, lambda: screen.fetching == 1, what="search sent")
        # past the debounce: the search for "chess" (or a prefix of it) has reached the server, which holds it
        await wait_for(pilot, lambda: sim._scenario.remaining == 0, what="the slow search at the server")
        await pilot.press("ctrl+a", "ctrl+k", *"water")
        await wait_for(pilot, lambda: screen.query_state.text == "water" and screen.fetching is None, what="water")
        queries = await wait_for(pilot, lambda: (q := [r["query"] for r in list_requests(sim) if "query" in r])
                                 and q[-1] != "water" and q, what="the slow reply to the older search went out")
        await pilot.pause()  # and whatever reached the app of it was handled
        assert screen.rows and all("water" in r.title.lower() for r in screen.rows)
        assert screen.query_state.text == "water" and screen.total == server_total(sim, query="water")
        assert "water" in static_text(app, "#history-summary")
        # the simulator finished the older search (all of "chess", or a prefix when a loaded machine split the typing)
        # after "water": the replies really did cross
        assert "water" in queries and queries[-1] != "water" and "chess".startswith(queries[-1])


async def test_enter_opens_the_creation(sim, tmp_path):
    ids = sim.seed_creations(30)
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_history(pilot)
        await pilot.press("down", "down", "enter")
        third = screen.rows[2].creation_id
        assert third == str(ids[-3])  # newest first, ids as text
        await wait_for(pilot, lambda: isinstance(app.screen, CreationScreen) and third in app.store.creations,
                       what="creation screen")
        assert app.screen.creation_id == third
        assert f"#{third}" in screen_text(app)
        assert not app.store.runs  # a finished creation is not put in the jobs monitor
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen, what="back to history")


@pytest.mark.parametrize("keys", ["↓ Enter", "Enter Enter"])
async def test_a_search_typed_in_a_burst_then_enter_opens_its_first_match(sim, tmp_path, keys):
    """'/', a word (a typo fixed), then ↓ Enter or Enter Enter, all in one burst as over SSH: the creation opened
    is the search's first match, not the row the older list had under its cursor."""
    sim.seed_creations(30)
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_history(pilot)
        first_before = screen.rows[0]
        word = next(w for row in screen.rows[3:] for w in row.title.split()
                    if len(w) > 5 and w.isalpha() and w.lower() not in first_before.title.lower())
        burst(app, ["slash", *word[:-1], "x", BACKSPACE, word[-1], *(["down"] if keys == "↓ Enter" else ["\r"]), "\r"])
        detail = await wait_for(pilot, lambda: isinstance(app.screen, CreationScreen) and app.screen,
                                what=f"a creation opened after searching {word!r}")
        assert screen.query_state.text == word, (screen.query_one("#history-search").value, detail.creation_id)
        assert detail.creation_id == screen.rows[0].creation_id != first_before.creation_id
        assert word.lower() in screen.rows[0].title.lower()
        searches = [r for r in list_requests(sim) if r.get("query")]
        assert [r["query"] for r in searches] == [word]  # one search, sent at the Enter, not once per letter


async def test_opening_a_processing_creation_adds_it_to_the_jobs_monitor(sim, tmp_path):
    sim.seed_creations(10)
    sim.step_seconds = 30.0  # the next job runs for minutes
    job_id = str(sim.seed_jobs(1)[0])
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_history(pilot)
        newest = screen.rows[0]
        assert newest.status in ("queued", "processing")
        await pilot.press("enter")
        await wait_for(pilot, lambda: job_id in app.store.runs, what="job tracked")
        tracked = app.store.runs[job_id]
        assert tracked.creation_id == newest.creation_id and tracked.title == newest.title
        assert job_id in app.poller.active
        await pilot.press("f3")
        await wait_for(pilot, lambda: isinstance(app.screen, JobsScreen), what="jobs")
        assert f"#{newest.creation_id}" in screen_text(app)


async def test_errors_keep_the_loaded_rows_and_r_retries(sim, tmp_path):
    sim.seed_creations(2 * PAGE_SIZE + 20)
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_history(pilot)
        for scenario, params, words in [("server_error", {}, "Loading page 2 failed"),
                                        ("rate_limit", {"retry_after": 0}, "Loading page 2 failed"),
                                        ("drop_connection", {}, "Loading page 2 failed")]:
            sim.set_scenario(scenario, path="/creations", method="GET", **params)
            await pilot.press("end")
            await wait_for(pilot, lambda: screen.failed_page == 2, what=f"{scenario} shown")
            message = static_text(app, "#history-message")
            assert words in message and "r retries" in message and f"{PAGE_SIZE} rows loaded stay" in message
            assert len(screen.rows) == PAGE_SIZE and table(screen).row_count == PAGE_SIZE
            await pilot.press("r")  # still failing: still the same rows
            await wait_for(pilot, lambda: screen.fetching is None and screen.failed_page == 2, what="retry failed")
            assert len(screen.rows) == PAGE_SIZE
            await pilot.press("home")
        sim.set_scenario("default")
        await pilot.press("r")
        await wait_for(pilot, lambda: len(screen.rows) == 2 * PAGE_SIZE, what="page 2 after retry")
        assert "failed" not in static_text(app, "#history-message")
        assert f"{2 * PAGE_SIZE + 20} creations · {2 * PAGE_SIZE} loaded" in static_text(app, "#history-summary")


async def test_a_failed_first_page_says_so_and_r_loads_it(sim, tmp_path):
    sim.seed_creations(5)
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        sim.set_scenario("bad_gateway", path="/creations", method="GET")
        await pilot.press("f6")
        screen = await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen) and app.screen, what="history")
        await wait_for(pilot, lambda: screen.failed_page == 1, what="failure")
        assert "r retries" in static_text(app, "#history-message")
        sim.set_scenario("default")
        await pilot.press("r")
        await wait_for(pilot, lambda: len(screen.rows) == 5, what="rows")


async def test_time_to_open_page_ten(sim, tmp_path, capsys):
    sim.seed_creations(10 * PAGE_SIZE + 20)
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_history(pilot)
        await load_everything(pilot, screen, 9 * PAGE_SIZE)
        assert len(screen.rows) == 9 * PAGE_SIZE
        started = time.perf_counter()
        await pilot.press("end")  # the last of page 9: page 10 is needed
        await wait_for(pilot, lambda: len(screen.rows) >= 10 * PAGE_SIZE, what="page 10", timeout=10)
        await pilot.pause(0)
        elapsed = time.perf_counter() - started
        assert [r["page"] for r in list_requests(sim)] == [str(n) for n in range(1, 11)]
        with capsys.disabled():
            print(f"\n[history] time to open page 10 (end pressed → its {PAGE_SIZE} rows in the table): "
                  f"{elapsed * 1000:.0f} ms")


async def test_history_keys_can_be_rebound(sim, tmp_path):
    from support.app import make_config

    from kgp_tui.app import KGPApp
    from kgp_tui.config import Connection

    sim.seed_creations(3)
    config = make_config(tmp_path)
    config.keymap = {"app.history": "f6,ctrl+h", "history.search": "ctrl+f"}
    app = KGPApp(config=config, connection=Connection(base_url=sim.base_url, api_key=TEST_KEY, profile="t"))
    async with app.run_test(size=SIZE) as pilot:
        await connected_app_on_catalog(pilot)
        await pilot.press("ctrl+h")
        screen = await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen) and app.screen, what="history")
        await pilot.press("ctrl+f")
        assert app.screen.focused is screen.query_one("#history-search")
        assert "names no binding" not in " ".join(str(n.message) for n in app._notifications)


async def test_r_reloads_from_page_one_and_shows_what_is_new(sim, tmp_path):
    sim.seed_creations(10)
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_history(pilot)
        assert screen.total == 10
        newer = sim.seed_creations(3)
        await pilot.press("down", "r")
        await wait_for(pilot, lambda: screen.total == 13 and screen.fetching is None, what="reloaded")
        assert [r["page"] for r in list_requests(sim)] == ["1", "1"]
        assert {r.creation_id for r in screen.rows} >= {str(i) for i in newer} and len(screen.rows) == 13
        assert "13 creations · 13 loaded" in static_text(app, "#history-summary")


async def test_server_down_keeps_the_rows_and_r_loads_the_page_once_it_is_back(sim, tmp_path):
    sim.seed_creations(PAGE_SIZE + 30)
    app = make_app(sim, tmp_path, key=TEST_KEY)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_history(pilot)
        sim.stop()
        await pilot.press("end")
        await wait_for(pilot, lambda: screen.failed_page == 2, what="failure shown")
        message = static_text(app, "#history-message")
        assert "Loading page 2 failed" in message and "r retries" in message
        assert len(screen.rows) == PAGE_SIZE
        sim.start()  # the same port
        await pilot.press("r")
        await wait_for(pilot, lambda: len(screen.rows) == PAGE_SIZE + 30, what="page 2")
        assert "failed" not in static_text(app, "#history-message")


async def test_before_connecting_history_says_so_and_loads_after_connect(sim, tmp_path):
    from support.app import type_into

    sim.seed_creations(4)
    app = make_app(sim, tmp_path, key=None, connect=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f6")
        screen = await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen) and app.screen, what="history")
        assert "Not connected" in static_text(app, "#history-message") and not list_requests(sim)
        await pilot.press("f4")
        await type_into(pilot, "#base-url", sim.base_url)
        await type_into(pilot, "#api-key", TEST_KEY)
        await pilot.press("ctrl+s")
        await connected_app_on_catalog(pilot)
        await pilot.press("f6")
        await wait_for(pilot, lambda: len(screen.rows) == 4, what="rows after connecting")
        assert "Not connected" not in static_text(app, "#history-message")

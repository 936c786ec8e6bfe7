"""Races a loaded machine exposes: the app must end cleanly whatever its workers are doing at that moment."""

from __future__ import annotations

from support import TEST_KEY
from support.app import SIZE, make_config, wait_for

UNREACHABLE = "http://127.0.0.1:9/openapi/v1"


async def test_quitting_while_the_connect_form_is_built_raises_nothing(tmp_path):
    """The form is built by a worker once the start-up connect fails; a quit at that moment must not crash it."""
    from kgp_tui import messages
    from kgp_tui.app import KGPApp
    from kgp_tui.config import Connection

    app = KGPApp(config=make_config(tmp_path), connection=Connection(base_url=UNREACHABLE, api_key=TEST_KEY,
                                                                     profile="t"))

    from textual.messages import Prune

    failed: list[object] = []

    def quit_on_failure(message):
        if isinstance(message, messages.ConnectFailed):
            failed.append(message)
        elif isinstance(message, Prune) and len(failed) == 1:  # the worker swaps the connecting body for the form
            failed.append(message)
            app.exit()  # the user quits right then

    async with app.run_test(size=SIZE, message_hook=quit_on_failure) as pilot:
        await wait_for(pilot, lambda: len(failed) == 2, what="a quit while the form is being built")
    # leaving run_test re-raises any worker failure: reaching this line is the test

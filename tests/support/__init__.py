"""Test helpers shared by the test modules (no test module imports another).

`support.app` drives the app with Pilot; `support.http` talks raw HTTP to the simulator; `support.clock` freezes time.
"""

import os

TEST_KEY = "kgp_test_5be1c0ffee2d4e6f8a9b"

# Timeouts are for a test that is already failing: a wait ends as soon as its state is there, so a generous
# timeout costs nothing, while a tight one fails on a machine shared with other work. KGP_TEST_SLOWDOWN scales them.
SLOWDOWN = max(1.0, float(os.environ.get("KGP_TEST_SLOWDOWN") or 3.0))


def patience(seconds: float) -> float:
    """How long a test waits for something that takes `seconds` on a quiet machine."""
    return seconds * SLOWDOWN

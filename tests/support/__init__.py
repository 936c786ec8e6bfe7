"""Test helpers shared by the test modules (no test module imports another).

`support.app` drives the app with Pilot; `support.http` talks raw HTTP to the simulator; `support.clock` freezes time.
"""

TEST_KEY = "kgp_test_5be1c0ffee2d4e6f8a9b"

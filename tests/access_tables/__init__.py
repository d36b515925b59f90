"""Expected status per role for each area's endpoints, merged by tests/test_access.py.

Each module has EXPECTED = {endpoint: (anonymous, customer, marketer, sales, admin)} and
SAMPLE_ARGS = {url argument: sample value}. "login" means a redirect to /login.
"""

"""pytest setup for poolproof's Python tests: a fixed Hypothesis profile, and no skipped tests."""
import os
import pathlib

import pytest
from hypothesis import HealthCheck, settings

# Deterministic runs (derandomize: the seed comes from each test's name), no example database
# written into the tree, no deadline (the exact expectation's time varies with the load).
settings.register_profile("poolproof", derandomize=True, database=None, deadline=None,
                          max_examples=int(os.environ.get("POOLPROOF_HYPOTHESIS_EXAMPLES", "60")),
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile("poolproof")


@pytest.fixture(scope="session")
def source_dir():
    """The project's source tree (set by ctest; else found from this file)."""
    return pathlib.Path(os.environ.get("POOLPROOF_SOURCE_DIR",
                                       pathlib.Path(__file__).resolve().parents[2]))


@pytest.fixture(scope="session")
def prove_equivalence_program():
    """The prove_equivalence CLI, to compare messages and JSON with (set by ctest)."""
    path = os.environ.get("POOLPROOF_PROVE_EQUIVALENCE")
    if not path:
        pytest.fail("POOLPROOF_PROVE_EQUIVALENCE is not set (run the tests through ctest)")
    return path


def pytest_sessionfinish(session, exitstatus):
    # A skipped test is a test that did not run: the run fails, as ctest would not notice.
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and reporter.stats.get("skipped") and exitstatus == 0:
        session.exitstatus = 1

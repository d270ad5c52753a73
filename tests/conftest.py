from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings

from tests.support.httpstub import StubServer

# CI runs on shared 2-core machines: a property's examples may be slow to generate or run there without
# the property being any less checked, so time-based health checks and deadlines are off for every test.
settings.register_profile("jqcli", suppress_health_check=[HealthCheck.too_slow], deadline=None)
settings.load_profile("jqcli")


@pytest.fixture
def stub():
    with StubServer() as server:
        yield server


@pytest.fixture(autouse=True)
def _forget_secrets():
    """The redactor is process-wide (one command per process); in-process tests start from nothing."""
    from jqcli.domain.redaction import SECRETS

    SECRETS.clear()
    yield
    SECRETS.clear()

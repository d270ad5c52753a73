from __future__ import annotations

import pytest

from tests.support.httpstub import StubServer


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

from __future__ import annotations

import pytest

from tests.support.httpstub import StubServer


@pytest.fixture
def stub():
    with StubServer() as server:
        yield server

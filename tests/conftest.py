"""Fixtures shared by the test modules."""

from __future__ import annotations

import pytest

from bot.service import EvidenceService
from tests.fake_bot_api import FakeBotAPI


@pytest.fixture(scope="session")
def service() -> EvidenceService:
    """The bundled knowledge base, loaded once: every method of the service is pure."""
    return EvidenceService.from_directory()


@pytest.fixture
def api():
    """A Bot API stand-in on 127.0.0.1, stopped after the test."""
    with FakeBotAPI() as fake:
        yield fake

"""Fixtures shared by the test modules."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

from bot.service import EvidenceService
from tests.fake_bot_api import FakeBotAPI

# The suite is the gate for landing: the same examples on every run (a property that fails does so every time and
# can be reproduced). HYPOTHESIS_PROFILE=explore draws new examples, to look for failures on purpose.
settings.register_profile("gate", derandomize=True, print_blob=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "gate"))


@pytest.fixture(scope="session", autouse=True)
def private_cache(tmp_path_factory):
    """Knowledge-base snapshots and the ordinary-word list go to a folder of this test session, not the user's
    cache folder (bot/cache_files.py); child processes inherit it."""
    patch = pytest.MonkeyPatch()
    patch.setenv("EVIDENCE_BOT_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    yield
    patch.undo()


@pytest.fixture(scope="session")
def service(private_cache) -> EvidenceService:
    """The bundled knowledge base, loaded once: every method of the service is pure."""
    return EvidenceService.from_directory()


@pytest.fixture
def api():
    """A Bot API stand-in on 127.0.0.1, stopped after the test."""
    with FakeBotAPI() as fake:
        yield fake

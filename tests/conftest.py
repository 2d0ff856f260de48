"""Shared fixtures: the real model stack, loaded once per test session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
SEED_ARTICLE = SEEDS / "iraq-withdrawal-letter.txt"


@pytest.fixture(scope="session", autouse=True)
def _articles_kept_apart(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Bots the tests start (in this process or as subprocesses) keep their articles in a file of
    the test session's, never in the user's default store."""
    saved = os.environ.get("NEWSBRIEF_DATABASE_URL")
    path = tmp_path_factory.mktemp("store") / "articles.db"
    os.environ["NEWSBRIEF_DATABASE_URL"] = f"sqlite:///{path}"
    yield
    if saved is None:
        os.environ.pop("NEWSBRIEF_DATABASE_URL", None)
    else:
        os.environ["NEWSBRIEF_DATABASE_URL"] = saved


@pytest.fixture(scope="session")
def seed_path() -> Path:
    return SEED_ARTICLE


@pytest.fixture(scope="session")
def seed_analysis():
    from summarizers.analysis import analyze
    from summarizers.article import load_source

    return analyze(load_source(str(SEED_ARTICLE)))

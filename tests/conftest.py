"""Shared fixtures: the real model stack, loaded once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
SEED_ARTICLE = SEEDS / "iraq-withdrawal-letter.txt"


@pytest.fixture(scope="session")
def seed_path() -> Path:
    return SEED_ARTICLE


@pytest.fixture(scope="session")
def seed_analysis():
    from summarizers.analysis import analyze
    from summarizers.article import load_source

    return analyze(load_source(str(SEED_ARTICLE)))

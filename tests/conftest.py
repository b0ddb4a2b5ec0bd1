"""Shared fixtures: paths to the shipped corpus, the seed and the real data beside the repo."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
DATA = SHARED / "data"
SEED = SHARED / "seed" / "iraq-withdrawal-2011.txt"
CORPUS = REPO / "corpus"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data, or a visible skip where it is absent (a user's machine has none)."""
    if not DATA.is_dir():
        pytest.skip(f"real news data not available: {DATA} is absent")
    return DATA


@pytest.fixture(scope="session")
def seed_path() -> Path:
    """The seed article, or a visible skip where ../shared is absent."""
    if not SEED.is_file():
        pytest.skip(f"seed article not available: {SEED} is absent")
    return SEED

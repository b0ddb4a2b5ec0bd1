"""Shared fixtures: paths to the shipped corpus, the seed and the real data beside the repo."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from search.config import Settings
from search.indexer import Indexer

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


def build_site(root: Path, articles: list[dict]) -> Settings:
    """A corpus folder with the articles as one JSONL file, and its index built: the Settings for both."""
    corpus = root / "corpus"
    corpus.mkdir(parents=True)
    (corpus / "articles.jsonl").write_text("\n".join(json.dumps(a) for a in articles), encoding="utf-8")
    settings = Settings.from_env(index=root / "index", corpus=corpus)
    report = Indexer(settings, workers=1).run(full=True)
    assert report.failed == [] and report.articles == len(articles)
    return settings

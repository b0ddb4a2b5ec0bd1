"""The set operations matching is built on give what Python's sets give, for every mix of sizes: dense arrays
(intersected through a mask, united through one) and sparse ones (looked up, merged), empty ones, and chains."""

from __future__ import annotations

import random

import numpy as np
import pytest

from search.engine import matching


def _docs(rng: random.Random, size: int, share: float) -> np.ndarray:
    return np.array(sorted(rng.sample(range(size), int(size * share))), dtype=np.int64)


@pytest.mark.parametrize("seed", range(40))
def test_intersect_and_union_equal_python_sets(seed: int) -> None:
    rng = random.Random(seed)
    size = rng.choice([10, 1000, 200_000])
    parts = [_docs(rng, size, rng.choice([0.0, 0.0001, 0.01, 0.3, 0.9, 1.0])) for _ in range(rng.randint(1, 4))]
    want = set(parts[0].tolist()).intersection(*(set(p.tolist()) for p in parts[1:]))
    got = matching.intersect(parts)
    assert got.tolist() == sorted(want) and got.dtype == np.int64
    assert matching.union(size, parts).tolist() == sorted(set().union(*(set(p.tolist()) for p in parts)))


def test_no_parts_and_empty_parts() -> None:
    assert len(matching.intersect([])) == 0
    assert matching.intersect([np.arange(5, dtype=np.int64), np.zeros(0, dtype=np.int64)]).tolist() == []

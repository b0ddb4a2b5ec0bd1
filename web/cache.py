"""A per-worker cache of answers (search results, related articles), keyed by the live index build and generation.

News search traffic repeats itself (the same story searched by many readers, feed readers polling); an answer
is reused only while the index that produced it is the live one: a reindex commits a new generation, which is
part of the key, so no answer outlives its index. Size 0 turns the cache off (NEWSEARCH_WEB_CACHE=0).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from search.engine import Engine


class AnswerCache:
    """A small LRU of computed answers; thread-safe."""

    def __init__(self, size: int = 1024) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, engine: Engine, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The cached answer for key under the live index, computing (and keeping) it when absent."""
        if self.size <= 0:
            return compute()
        full = (*engine.generation(), key)  # the cheap check the engine makes on every call anyway
        with self._lock:
            if full in self._items:
                self._items.move_to_end(full)
                return self._items[full]
        value = compute()
        with self._lock:
            self._items[full] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

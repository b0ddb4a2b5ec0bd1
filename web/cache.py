"""A per-worker cache of answers (search results, related articles), keyed by the live index build and generation.

News search traffic repeats itself (the same story searched by many readers, feed readers polling); an answer
is reused only while the index that produced it is the live one: a reindex commits a new generation, which is
part of the key, so no answer outlives its index. The cache is bounded twice: in answers (NEWSEARCH_WEB_CACHE;
0 turns it off) and in bytes (NEWSEARCH_WEB_CACHE_MB), each answer weighed by `size_of` when it is stored —
a page of 100 hits with snippets and facets is a few hundred KB of Python objects.
"""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from search import Engine

_LEAVES = (str, bytes, int, float, bool, type(None))


class AnswerCache:
    """A small LRU of computed answers, at most `size` of them and `max_bytes` by their estimated size; thread-safe."""

    def __init__(self, size: int = 1024, max_bytes: int = 32 * 1024 * 1024,
                 on_lookup: Callable[[bool], None] | None = None) -> None:
        self.size = size
        self.max_bytes = max_bytes
        self.on_lookup = on_lookup  # told of each lookup: True for a hit, False for a miss (web/metrics.py counts)
        self.bytes = 0  # the estimated size of what is held now
        self._items: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def answers(self) -> list[Any]:
        """The answers held now, oldest first."""
        with self._lock:
            return [value for value, _ in self._items.values()]

    def get(self, engine: Engine, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The cached answer for key under the live index, computing (and keeping) it when absent."""
        if self.size <= 0 or self.max_bytes <= 0:
            return compute()
        full = (*engine.generation(), key)  # the cheap check the engine makes on every call anyway
        with self._lock:
            hit = self._items.get(full)
            if hit is not None:
                self._items.move_to_end(full)
        if self.on_lookup is not None:
            self.on_lookup(hit is not None)
        if hit is not None:
            return hit[0]
        value = compute()
        weight = size_of(value) + size_of(full)
        if weight > self.max_bytes:
            return value  # would evict everything else and still not fit
        with self._lock:
            old = self._items.pop(full, None)  # another thread computed it meanwhile
            if old is not None:
                self.bytes -= old[1]
            self._items[full] = (value, weight)
            self.bytes += weight
            while len(self._items) > self.size or self.bytes > self.max_bytes:
                _, (_, dropped) = self._items.popitem(last=False)
                self.bytes -= dropped
        return value


def size_of(value: Any) -> int:
    """The bytes an object graph holds (sys.getsizeof of each object, counted once): dicts, lists, tuples, sets,
    dataclasses and other objects' __dict__, down to strings and numbers."""
    seen: set[int] = set()
    total = 0
    stack = [value]
    while stack:
        obj = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        total += sys.getsizeof(obj)
        if isinstance(obj, _LEAVES):
            continue
        if isinstance(obj, dict):
            stack.extend(obj.keys())
            stack.extend(obj.values())
        elif isinstance(obj, list | tuple | set | frozenset):
            stack.extend(obj)
        elif hasattr(obj, "__dict__"):
            stack.append(vars(obj))
        elif hasattr(obj, "__slots__"):
            stack.extend(getattr(obj, name) for name in obj.__slots__ if hasattr(obj, name))
    return total

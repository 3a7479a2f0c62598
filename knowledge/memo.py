"""A bounded store of results of pure functions of one knowledge base (network fits, outcome answers), so that a
ranking, a comparison or an overview asked again, or sharing an outcome and filters with an earlier question,
is not computed again (issue 23).

It belongs to whoever attaches it to a knowledge base (KnowledgeBase.with_memo; EvidenceService does, one per
service): there is no global cache, a knowledge base without one computes everything, and the answers are the
same either way (the functions are pure; tests/test_snapshot.py compares). Least recently used entries go first
once ``maxsize`` is reached; the lock keeps the store whole when pictures are drawn in threads.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from threading import Lock
from typing import TypeVar

T = TypeVar("T")
DEFAULT_SIZE = 256


class Memo:
    def __init__(self, maxsize: int = DEFAULT_SIZE):
        self.maxsize = maxsize
        self.hits = self.misses = 0
        self._entries: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = Lock()

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        try:
            hash(key)
        except TypeError:  # a key holding a list or a dict: computed, not kept
            return compute()
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                self.hits += 1
                return self._entries[key]  # type: ignore[return-value]
        value = compute()  # outside the lock: a computation may use the memo itself
        with self._lock:
            self.misses += 1
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

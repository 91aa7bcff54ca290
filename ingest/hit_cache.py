"""A bounded memory of what a text searched to, so repeated text skips the encoder.

Job texts repeat: boilerplate shared across postings, the same requirement sentence in many
ads, the same job title posted again and again. Encoding a text and searching a label index
costs far more than looking the answer up, so the answers (a short list of ``(id, score)``
hits per text) are kept, least recently used first out.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence

Hits = list[tuple[int, float]]
"""A text's hits: (id, score), best first."""


class HitCache:
    """Least-recently-used answers of a text search, keyed by text and a caller's key.

    Thread-safe: a server's threads share one cache. The key keeps apart answers to
    different questions about the same text (how many hits, which ranking).

    Args:
        size: Most texts remembered; 0 remembers nothing (every call computes).
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.hits = 0
        """Texts answered from memory so far."""
        self.misses = 0
        """Texts computed so far (only counted when the cache is on)."""
        self._remembered: OrderedDict[tuple[str, int], tuple[tuple[int, float], ...]] = (
            OrderedDict()
        )
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._remembered)

    def get(
        self, texts: Sequence[str], key: int, compute: Callable[[list[str]], list[Hits]]
    ) -> list[Hits]:
        """``compute`` of each text, in order, each distinct text computed at most once.

        Remembered texts are answered from memory; the rest are computed together, in one
        call, and remembered.
        """
        found: dict[str, tuple[tuple[int, float], ...]] = {}
        if self.size > 0:
            with self._lock:
                for text in texts:
                    remembered = self._remembered.get((text, key))
                    if remembered is not None:
                        self._remembered.move_to_end((text, key))
                        found[text] = remembered
        missing = [text for text in dict.fromkeys(texts) if text not in found]
        if missing:
            for text, hits in zip(missing, compute(missing), strict=True):
                found[text] = tuple(hits)
        if self.size > 0:
            with self._lock:
                self.hits += len(texts) - len(missing)
                self.misses += len(missing)
                for text in missing:
                    self._remembered[(text, key)] = found[text]
                while len(self._remembered) > self.size:
                    self._remembered.popitem(last=False)
        return [list(found[text]) for text in texts]

"""The bounded memory of text searches that job texts and titles go through."""

from __future__ import annotations

from ingest.hit_cache import HitCache, Hits


class _Counting:
    """A search that answers (length, 1.0) and records what it was asked."""

    def __init__(self) -> None:
        self.asked: list[list[str]] = []

    def __call__(self, texts: list[str]) -> list[Hits]:
        self.asked.append(list(texts))
        return [[(len(text), 1.0)] for text in texts]


def test_each_distinct_text_is_computed_once_and_answers_keep_the_order() -> None:
    cache, search = HitCache(8), _Counting()
    assert cache.get(["ab", "c", "ab"], 1, search) == [[(2, 1.0)], [(1, 1.0)], [(2, 1.0)]]
    assert cache.get(["c", "def"], 1, search) == [[(1, 1.0)], [(3, 1.0)]]
    assert search.asked == [["ab", "c"], ["def"]]
    assert (cache.hits, cache.misses, len(cache)) == (2, 3, 3)


def test_keys_keep_answers_apart_and_the_least_recently_used_goes_first() -> None:
    cache, search = HitCache(2), _Counting()
    cache.get(["a"], 1, search)
    cache.get(["a"], 2, search)  # another question about the same text
    assert search.asked == [["a"], ["a"]]
    cache.get(["a"], 1, search)  # (a, 1) is used again, so (a, 2) is the oldest
    cache.get(["b"], 1, search)
    assert len(cache) == 2
    cache.get(["a"], 2, search)
    assert search.asked[-1] == ["a"]
    cache.get(["a", "b"], 1, search)  # (a, 1) went out when (a, 2) came back in
    assert search.asked[-1] == ["a"]


def test_size_zero_computes_every_call_and_counts_nothing() -> None:
    cache, search = HitCache(0), _Counting()
    cache.get(["a", "a"], 1, search)
    cache.get(["a"], 1, search)
    assert search.asked == [["a"], ["a"]]
    assert (cache.hits, cache.misses, len(cache)) == (0, 0, 0)

"""Grouping texts by length: similar lengths together, bounded groups, every text once."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policies.classifiers.grouping import group_by_length, group_by_size


def lengths(texts: list[str], groups: list[list[int]]) -> list[list[int]]:
    return [[len(texts[i]) for i in group] for group in groups]


def test_texts_of_similar_length_share_a_group_shortest_first() -> None:
    texts = ["x" * n for n in (40, 3, 200, 5, 45, 1, 210, 60)]
    groups = group_by_length(texts, max_batch=16)
    assert lengths(texts, groups) == [[1, 3, 5], [40, 45, 60], [200, 210]]


def test_a_group_holds_at_most_max_batch_texts() -> None:
    texts = ["same length"] * 40
    assert [len(g) for g in group_by_length(texts, max_batch=16)] == [16, 16, 8]


def test_equal_lengths_keep_their_order() -> None:
    texts = ["bb", "aa", "cc"]
    assert group_by_length(texts, max_batch=16) == [[0, 1, 2]]


def test_token_counts_group_as_lengths_do() -> None:
    sizes = [40, 3, 200, 5, 45, 1, 210, 60]
    texts = ["x" * n for n in sizes]
    assert group_by_size(sizes, max_batch=2) == group_by_length(texts, max_batch=2)
    assert group_by_size(sizes, max_batch=16) == [[5, 1, 3], [0, 4, 7], [2, 6]]


def test_no_texts_no_groups() -> None:
    assert group_by_length([], max_batch=4) == []


def test_max_batch_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        group_by_length(["a"], max_batch=0)


@given(st.lists(st.text(max_size=300), max_size=80), st.integers(1, 20))
def test_every_text_once_and_groups_bounded(texts: list[str], max_batch: int) -> None:
    groups = group_by_length(texts, max_batch=max_batch)
    assert sorted(i for g in groups for i in g) == list(range(len(texts)))
    for group in groups:
        sizes = [len(texts[i]) for i in group]
        assert len(group) <= max_batch
        assert max(sizes) <= max(int(min(sizes) * 1.5), min(sizes) + 8)

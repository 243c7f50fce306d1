"""Group texts of similar length, so a batch pads its short texts as little as possible."""

from __future__ import annotations

from collections.abc import Sequence

SPREAD = 1.5
"""A group's largest item is at most this many times as large as its smallest ..."""
SLACK = 8
"""... or at most this much larger: very short texts pad to a few tokens anyway."""


def group_by_length(texts: Sequence[str], *, max_batch: int) -> list[list[int]]:
    """Return the indices of ``texts`` cut into groups of similar length, shortest first.

    See :func:`group_by_size`, with each text's length in characters as its size.

    Raises:
        ValueError: If ``max_batch`` is below 1.
    """
    return group_by_size([len(text) for text in texts], max_batch=max_batch)


def group_by_size(sizes: Sequence[int], *, max_batch: int) -> list[list[int]]:
    """Return the indices of ``sizes`` cut into groups of similar size, smallest first.

    Sizes are sorted (ties keep their order) and a new group starts when the current one
    holds ``max_batch`` items or the next size is larger than both ``SPREAD`` times and
    ``SLACK`` more than the group's smallest.

    Args:
        sizes: Each item's size (characters, or tokens when they are known).
        max_batch: The most items in one group (at least 1).

    Raises:
        ValueError: If ``max_batch`` is below 1.
    """
    if max_batch < 1:
        raise ValueError(f"max_batch must be at least 1, got {max_batch}")
    groups: list[list[int]] = []
    current: list[int] = []
    limit = 0
    for index in sorted(range(len(sizes)), key=lambda i: sizes[i]):
        size = sizes[index]
        if current and (len(current) >= max_batch or size > limit):
            groups.append(current)
            current = []
        if not current:
            limit = max(int(size * SPREAD), size + SLACK)
        current.append(index)
    if current:
        groups.append(current)
    return groups

"""Group texts of similar length, so a batch pads its short texts as little as possible."""

from __future__ import annotations

from collections.abc import Sequence

SPREAD = 1.5
"""A group's longest text is at most this many times as long as its shortest ..."""
SLACK = 8
"""... or at most this many characters longer: very short texts pad to a few tokens anyway."""


def group_by_length(texts: Sequence[str], *, max_batch: int) -> list[list[int]]:
    """Return the indices of ``texts`` cut into groups of similar length, shortest first.

    Texts are sorted by length (ties keep their order) and a new group starts when the
    current one holds ``max_batch`` texts or the next text is longer than both
    ``SPREAD`` times and ``SLACK`` characters more than the group's shortest.

    Args:
        texts: The texts to group.
        max_batch: The most texts in one group (at least 1).

    Raises:
        ValueError: If ``max_batch`` is below 1.
    """
    if max_batch < 1:
        raise ValueError(f"max_batch must be at least 1, got {max_batch}")
    groups: list[list[int]] = []
    current: list[int] = []
    limit = 0
    for index in sorted(range(len(texts)), key=lambda i: len(texts[i])):
        length = len(texts[index])
        if current and (len(current) >= max_batch or length > limit):
            groups.append(current)
            current = []
        if not current:
            limit = max(int(length * SPREAD), length + SLACK)
        current.append(index)
    if current:
        groups.append(current)
    return groups

"""Answers kept for texts read ahead: the latest ones, within a bound."""

from __future__ import annotations

import pytest

from policies._recent import RecentAnswers


def test_at_least_the_last_limit_answers_are_kept_and_never_twice_as_many() -> None:
    answers: RecentAnswers[str, int] = RecentAnswers(limit=3)
    for n in range(10):
        answers.put(f"k{n}", n)
        assert len(answers) <= 2 * 3
        # The latest three are always there.
        assert [answers.get(f"k{m}") for m in range(max(0, n - 2), n + 1)] == list(
            range(max(0, n - 2), n + 1)
        )
    assert answers.get("k0") is None  # long gone
    assert answers.get("never") is None


def test_a_newer_answer_for_a_key_wins() -> None:
    answers: RecentAnswers[str, bool] = RecentAnswers(limit=2)
    answers.put("a", False)
    answers.put("b", True)
    answers.put("a", True)  # the newer generation now holds "a" again
    assert answers.get("a") is True
    assert answers.get("b") is True


def test_a_generation_holds_at_least_one_answer() -> None:
    with pytest.raises(ValueError, match="at least one"):
        RecentAnswers(limit=0)

"""``steward eval``'s chat spam figures, as written and with everyday link endings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from policies.classifiers import datasets
from policies.classifiers.evaluate import (
    EVERYDAY_ENDINGS,
    Thresholds,
    binary_report,
    evaluate_chat_spam,
    scores_of,
    with_everyday_ending,
)
from policies.classifiers.model import StewardTextModel


@pytest.mark.parametrize(
    ("text", "ending", "expected"),
    [
        ("claim it at nitro-gift.example/n", ".com", "claim it at nitro-gift.com/n"),
        (
            "docs at https://docs.lumen.example.org/setup",
            ".net",
            "docs at https://docs.lumen.net/setup",
        ),
        ("two: a.example and b-c.example.com.", ".com", "two: a.com and b-c.com."),
        ("VERIFY AT Lumen-Verify.EXAMPLE", ".net", "VERIFY AT Lumen-Verify.net"),
    ],
)
def test_reserved_hosts_take_the_everyday_ending(text: str, ending: str, expected: str) -> None:
    assert with_everyday_ending(text, ending) == expected


@pytest.mark.parametrize(
    "text",
    [
        "my blog is at https://example.com/blog",
        "https://github.com/lumen-example/hub-sdk/issues/212",
        "for example. kill the process",
        "see lumen.examples/x and a.example-b",
    ],
)
def test_other_text_is_left_as_it_is(text: str) -> None:
    assert with_everyday_ending(text, ".com") == text


class _Recording:
    """The real model, with every text it scores written down."""

    def __init__(self, model: StewardTextModel) -> None:
        self.model = model
        self.texts: list[str] = []

    def score_batch(self, texts: Sequence[str], language: str | None = None) -> list[Any]:
        self.texts.extend(texts)
        return self.model.score_batch(texts, language=language)


def test_chat_spam_is_scored_as_written_and_under_each_everyday_ending(
    quick_model: StewardTextModel,
) -> None:
    recording = _Recording(quick_model)
    report = evaluate_chat_spam(recording, Thresholds(act={"spam": 0.95}))  # type: ignore[arg-type]

    written = [e.text for e in datasets.evaluation_set("chat_spam")]
    assert set(report["everyday_endings"]) == set(EVERYDAY_ENDINGS)
    for moved in report["everyday_endings"].values():
        assert (moved["examples"], moved["positives"]) == (report["examples"], report["positives"])
        assert moved["act"]["threshold"] == 0.95
    scored = set(recording.texts)
    assert set(written) <= scored
    for ending in EVERYDAY_ENDINGS:
        assert {with_everyday_ending(text, ending) for text in written} <= scored
    assert len(recording.texts) == len(written) * (1 + len(EVERYDAY_ENDINGS))
    assert not [t for t in recording.texts[len(written) :] if ".example" in t]
    # Each ending's figures come from the scores of its own moved lines.
    examples = datasets.for_label(datasets.evaluation_set("chat_spam"), "spam")
    for ending, moved in report["everyday_endings"].items():
        scored_lines = scores_of(
            quick_model, [with_everyday_ending(e.text, ending) for e in examples]
        )
        expected = binary_report(
            [e.value for e in examples], [s.scores["spam"] for s in scored_lines], 0.95, 0.15
        )
        assert moved == expected

"""Message signals: what they see in a text, and how a label's stack carries them."""

from __future__ import annotations

import numpy as np
import pytest

from policies.classifiers.encoder import Encoded
from policies.classifiers.english import EnglishLabel
from policies.classifiers.heads import LogisticHead
from policies.classifiers.lexical import fit_lexical
from policies.classifiers.signals import SPAM_SIGNALS, signal_rows
from policies.normalize import fold


def test_numbers_prices_links_and_length_are_seen() -> None:
    texts = [
        fold("Txt WIN to 87121 now"),
        fold("only £1.50 per msg"),
        fold("claim it at nitro-gift.com"),
        fold("see you at 5"),
        "x" * 1000,
    ]
    rows = signal_rows(texts, SPAM_SIGNALS)
    assert rows.shape == (5, 4)
    assert rows[:, :3].tolist() == [
        [1.0, 0.0, 0.0],
        [0.0, 1.0, 0.0],
        [0.0, 0.0, 1.0],
        [0.0, 0.0, 0.0],
        [0.0, 0.0, 0.0],
    ], "a short number such as a time is no phone number"
    assert rows[3, 3] == pytest.approx(len("see you at 5") / 100)
    assert rows[4, 3] == 3.0, "length stops counting at 300 characters"


def test_no_signals_make_an_empty_block() -> None:
    assert signal_rows(["hello"], ()).shape == (1, 0)


def test_an_unknown_signal_is_refused() -> None:
    with pytest.raises(KeyError):
        signal_rows(["hello"], ("colour",))


def _label(signals: tuple[str, ...]) -> EnglishLabel:
    lexical = fit_lexical(["free prize now", "see you later"], [1, 0], min_count=1)
    weights = np.arange(1, 3 + len(signals), dtype=np.float32)
    return EnglishLabel(
        lexical=lexical,
        stack=LogisticHead(weights, -1.0),
        embedding_head=LogisticHead(np.ones(2, np.float32), 0.0),
        signals=signals,
    )


def test_the_stack_weighs_the_signals_after_the_two_votes() -> None:
    label = _label(("link",))
    encoded = Encoded(logits=np.zeros(2, np.float32), embeddings=np.ones((2, 2), np.float32))
    texts = ["go to prize.com", "see you later"]
    votes = label.votes(texts, encoded)
    assert votes.shape == (2, 3)
    assert votes[:, 2].tolist() == [1.0, 0.0]
    expected = votes @ label.stack.weights - 1.0
    assert np.allclose(label.base_logits(texts, encoded), expected)


def test_signals_survive_json_and_older_models_have_none() -> None:
    label = _label(SPAM_SIGNALS)
    assert EnglishLabel.from_json(label.to_json()).signals == SPAM_SIGNALS
    older = label.to_json()
    del older["signals"]
    older["stack"] = LogisticHead(np.ones(2, np.float32), 0.0).to_json()
    assert EnglishLabel.from_json(older).signals == ()

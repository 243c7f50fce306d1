"""The lexical scorer: served without scikit-learn, it must agree with scikit-learn."""

from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from policies.classifiers.lexical import LexicalScorer, fit_lexical, ngrams

TEXTS = [
    "free nitro, claim now at gift.example",
    "the hub lost its wifi again after the update",
    "claim your free gift card now!!",
    "thanks, the lamp works great now",
    "free free free crypto airdrop",
    "does the hub work with the old lamps?",
]
LABELS = [1, 0, 1, 0, 1, 0]


def test_features_cover_character_grams_words_and_pairs() -> None:
    features = ngrams("free nitro")
    assert " f" in features and "free " in features and "nitro" in features
    assert "w:free" in features and "b:free nitro" in features
    assert all(len(f) <= 5 for f in features if not f.startswith(("w:", "b:")))


def test_served_logits_match_scikit_learn() -> None:
    scorer = fit_lexical(TEXTS, LABELS, min_count=1)
    vectorizer = TfidfVectorizer(
        analyzer=ngrams, vocabulary=scorer.vocabulary, sublinear_tf=True, dtype=np.float32
    )
    vectorizer.idf_ = scorer.idf
    unseen = ["claim the free lamp", "my hub needs an update", "zzz"]
    expected = vectorizer.transform(unseen) @ scorer.head.weights + scorer.head.bias
    assert np.allclose(scorer.logits(unseen), expected, atol=1e-4)


def test_it_learns_and_round_trips_through_json() -> None:
    scorer = fit_lexical(TEXTS, LABELS, min_count=1)
    spam, ham = scorer.logits(["claim your free nitro now", "the lamp works with the hub"])
    assert spam > ham
    again = LexicalScorer.from_json(scorer.to_json())
    assert np.allclose(again.logits(TEXTS), scorer.logits(TEXTS), atol=1e-4)


def test_a_text_with_no_known_feature_scores_the_bias() -> None:
    scorer = fit_lexical(TEXTS, LABELS, min_count=1)
    assert scorer.logits(["ツ"])[0] == np.float32(scorer.head.bias)

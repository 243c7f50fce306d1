"""The lexical scorer: served without scikit-learn, it must agree with scikit-learn."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from policies.classifiers.lexical import (
    LexicalScorer,
    fit_lexical,
    logits_of_each,
    ngrams,
    on_one_vocabulary,
)

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


ABUSE_TEXTS = ["you absolute clown", "nice work on the lamp", "shut up idiot", "love the hub"]
ABUSE_LABELS = [1, 0, 1, 0]


def two_scorers() -> dict[str, LexicalScorer]:
    return {
        "spam": fit_lexical(TEXTS, LABELS, min_count=1),
        "abuse": fit_lexical(ABUSE_TEXTS, ABUSE_LABELS, min_count=1),
    }


def test_scorers_on_one_vocabulary_score_as_before() -> None:
    own = two_scorers()
    shared = on_one_vocabulary(own)
    assert shared["spam"].vocabulary is shared["abuse"].vocabulary
    assert set(shared["spam"].vocabulary) == set(own["spam"].vocabulary) | set(
        own["abuse"].vocabulary
    )
    texts = [*TEXTS, *ABUSE_TEXTS, "free clown lamp", "ツ", "shut up and claim your nitro"]
    together = logits_of_each(shared, texts)
    for name, scorer in own.items():
        assert np.allclose(together[name], scorer.logits(texts), atol=1e-5)
        assert np.allclose(shared[name].logits(texts), scorer.logits(texts), atol=1e-5)


def test_a_text_known_only_to_the_other_scorer_scores_the_bias() -> None:
    own = two_scorers()
    shared = on_one_vocabulary(own)
    union = shared["spam"].vocabulary
    only_abuse = [union[f] for f in own["abuse"].vocabulary if f not in own["spam"].vocabulary]
    counted = (np.array(only_abuse, dtype=np.int64), np.ones(len(only_abuse), dtype=np.float32))
    # Every feature found has IDF 0 for spam: no division by a zero norm, just the bias.
    assert shared["spam"].logit_of(counted) == shared["spam"].head.bias
    assert np.isfinite(shared["abuse"].logit_of(counted))


def test_each_text_is_counted_once_for_scorers_that_share_a_vocabulary() -> None:
    shared = on_one_vocabulary(two_scorers())
    looked_up: list[str] = []

    class Counting(dict[str, int]):
        def get(self, key: str, default: int | None = None) -> int | None:  # type: ignore[override]
            looked_up.append(key)
            return super().get(key, default)

    vocabulary = Counting(shared["spam"].vocabulary)
    counting = {name: replace(s, vocabulary=vocabulary) for name, s in shared.items()}
    logits_of_each(counting, ["free clown lamp"])
    assert len(looked_up) == len(ngrams("free clown lamp"))

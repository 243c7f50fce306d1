"""The form the classifiers read: folded, without link schemes, the same in training and serving."""

from __future__ import annotations

from policies.classifiers.datasets import Example, folded
from policies.classifiers.model import StewardTextModel
from policies.classifiers.reading import readable, without_schemes


def test_link_schemes_and_www_are_left_out_and_the_rest_of_the_link_kept() -> None:
    assert (
        without_schemes("claim at https://bit.ly/fr33-g1ft now") == "claim at bit.ly/fr33-g1ft now"
    )
    assert without_schemes("see http://www.lumen.example/setup") == "see lumen.example/setup"
    assert without_schemes("www.lumen.example and ftp://files.example/a") == (
        "lumen.example and files.example/a"
    )
    # Only a scheme or www. at the start of a word: other text is left alone.
    assert without_schemes("thehttps://x and awww.") == "thehttps://x and awww."


def test_readable_folds_first_and_is_stable() -> None:
    text = "FREE Nitro at HTTPS://WWW.Gift.example/Claim"
    assert readable(text) == "free nitro at gift.example/claim"
    assert readable(readable(text)) == readable(text)


def test_training_examples_are_read_as_served(quick_model: StewardTextModel) -> None:
    example = Example(text="Docs: HTTPS://docs.lumen.example/Setup", label="ok", value=0)
    (routed,) = quick_model.route([example.text])
    assert folded(example).text == routed.text == "docs: docs.lumen.example/setup"


def test_a_links_scheme_does_not_change_a_messages_scores(quick_model: StewardTextModel) -> None:
    bare, with_scheme, with_www = quick_model.score_batch(
        [
            "FREE NITRO claim now bit.ly/fr33-g1ft",
            "FREE NITRO claim now https://bit.ly/fr33-g1ft",
            "FREE NITRO claim now http://www.bit.ly/fr33-g1ft",
        ]
    )
    assert bare.scores == with_scheme.scores == with_www.scores

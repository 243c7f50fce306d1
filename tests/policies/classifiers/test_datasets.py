"""The packaged data sets are read in place, cleanly, and split reproducibly."""

from __future__ import annotations

from policies.classifiers import datasets
from policies.classifiers.train import PROFILES, training_data


def test_insults_comments_are_unescaped() -> None:
    train = datasets.insults("train")
    assert len(train) == 3947
    assert not any("\\x" in e.text or "\\n" in e.text for e in train)
    assert any("\xa0" in e.text for e in train)
    assert {e.value for e in train} == {0, 1}


def test_sms_spam_keeps_each_message_once() -> None:
    sms = datasets.sms_spam()
    assert len(sms) == len({e.text for e in sms}) == 4534
    assert sum(e.value for e in sms) > 500


def test_sms_spam_as_shipped_keeps_its_repeats() -> None:
    shipped = datasets.sms_spam(keep_repeats=True)
    assert len(shipped) == 4862
    assert {e.text for e in shipped} == {e.text for e in datasets.sms_spam()}


def test_splits_are_stratified_and_reproducible() -> None:
    examples = datasets.sms_spam()
    rest, held = datasets.stratified_split(examples, 0.2, seed=3)
    again_rest, again_held = datasets.stratified_split(examples, 0.2, seed=3)
    assert held == again_held and rest == again_rest
    share = sum(e.value for e in held) / len(held)
    assert abs(share - sum(e.value for e in examples) / len(examples)) < 0.01
    assert not {e.text for e in held} & {e.text for e in rest}


def test_training_never_reads_the_insults_test_split() -> None:
    test_texts = {datasets.folded(e).text for e in datasets.insults("test")}
    for part in training_data(PROFILES["starter"], seed=13):
        sources = {e.source for e in (*part.train, *part.validation)}
        assert "insults/test" not in sources
        if part.label == "abuse":
            assert sources == {"insults/train", "multilingual/en"}
        seen = {e.text for e in (*part.train, *part.validation)}
        # Texts that occur in both splits of the public set are the set's own overlap.
        assert len(seen & test_texts) < 10


def test_ok_lines_are_negatives_of_the_label_asked_for() -> None:
    chat = datasets.project_sets("chat_spam")
    as_spam = datasets.for_label(chat, "spam")
    assert {e.label for e in as_spam} == {"spam"}
    assert {e.source for e in as_spam} == {"chat_spam"}
    assert sum(1 - e.value for e in as_spam) == sum(1 for e in chat if e.label == "ok")

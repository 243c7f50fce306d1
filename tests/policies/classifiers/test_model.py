"""The real model, built by ``steward train --quick``: layout, card, scores, community heads."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from transformers import AutoTokenizer

from policies.classifiers.card import ModelCard
from policies.classifiers.datasets import Example
from policies.classifiers.encoder import OnnxEncoder
from policies.classifiers.english import EnglishLabel
from policies.classifiers.model import ModelMissing, StewardTextModel, load_model, read_as
from policies.classifiers.train import (
    PROFILES,
    RECIPE,
    REPLAY_FILE,
    refit_communities,
    training_data,
    version_of,
)
from policies.normalize import fold

ABUSIVE = "you are a worthless idiot and everyone here hates you"
BENIGN = "the new hub firmware fixed my lamp schedule, thanks team"
SPAM = "FREE nitro gift!! claim it now at nitro-gift.example before it expires"


def test_the_directory_holds_card_encoder_heads_and_replay(quick_model_dir: Path) -> None:
    for name in ("card.json", "MODEL_CARD.md", "english.json", REPLAY_FILE):
        assert (quick_model_dir / name).is_file(), name
    assert (quick_model_dir / "encoder" / "model.int8.onnx").is_file()
    assert (quick_model_dir / "encoder" / "tokenizer.json").is_file()
    current = quick_model_dir.parent / "current"
    if current.exists():  # CI's prebuilt model may live elsewhere
        assert current.resolve() == quick_model_dir.resolve()


def test_the_card_names_data_metrics_and_version(quick_model_dir: Path) -> None:
    card = ModelCard.load(quick_model_dir)
    assert card.profile == "quick"
    assert card.recipe == RECIPE
    assert card.labels == ("abuse", "spam")
    assert quick_model_dir.name == f"{card.model_id}-{card.version}"
    uses = {(d.source, d.use) for d in card.data}
    assert ("insults/train", "train") in uses and ("insults/train", "validation") in uses
    assert not any(d.source == "insults/test" for d in card.data)
    # Spam is not what the encoder was fine-tuned on: all of its data is cross-fitted.
    assert {("chat_spam", "cross-fitted"), ("sms", "cross-fitted")} <= uses
    assert not any(d.label == "spam" and d.use in {"train", "validation"} for d in card.data)
    validation = card.metrics["validation"]
    assert validation["spam"]["cross_fitted_folds"] == 5
    assert 0.5 < validation["abuse"]["roc_auc"] <= 1
    assert 0.5 < validation["spam"]["roc_auc"] <= 1
    text = (quick_model_dir / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert card.name in text and "insults/train" in text
    assert f"`quick` profile (recipe {RECIPE})" in text


def test_a_card_from_before_recipes_were_recorded_loads(
    quick_model_dir: Path, tmp_path: Path
) -> None:
    data = json.loads((quick_model_dir / "card.json").read_text(encoding="utf-8"))
    data.pop("recipe", None)
    (tmp_path / "card.json").write_text(json.dumps(data), encoding="utf-8")
    card = ModelCard.load(tmp_path)
    assert card.recipe is None
    assert "`quick` profile, seed" in card.markdown()


def test_scores_come_in_order_with_model_and_language(quick_model: StewardTextModel) -> None:
    scored = quick_model.score_batch([ABUSIVE, BENIGN, SPAM])
    assert [set(s.scores) for s in scored] == [{"abuse", "spam"}] * 3
    assert all(0 <= p <= 1 for s in scored for p in s.scores.values())
    assert {s.model for s in scored} == {quick_model.card.name}
    abusive, benign, spam = scored
    assert abusive.scores["abuse"] > benign.scores["abuse"]
    assert spam.scores["spam"] > benign.scores["spam"]
    assert benign.language == "en"


def test_folded_and_raw_text_score_alike(quick_model: StewardTextModel) -> None:
    raw = "Ｙｏｕ are a W\u200borthless IDIOT"
    (a,), (b,) = quick_model.score_batch([raw]), quick_model.score_batch([fold(raw)])
    assert a.scores == b.scores


def test_the_labels_lexical_scorers_share_one_vocabulary_and_vote_as_written(
    quick_model: StewardTextModel, quick_model_dir: Path
) -> None:
    english = quick_model.english
    assert english["abuse"].lexical.vocabulary is english["spam"].lexical.vocabulary
    written = json.loads((quick_model_dir / "english.json").read_text(encoding="utf-8"))
    texts = [fold(t) for t in (ABUSIVE, BENIGN, SPAM, "ok", "ツ", "")]
    for label, data in written["labels"].items():
        as_written = EnglishLabel.from_json(data).lexical.logits(texts)
        assert np.allclose(english[label].lexical.logits(texts), as_written, atol=1e-5)


def test_a_folder_without_a_model_says_how_to_build_one(tmp_path: Path) -> None:
    with pytest.raises(ModelMissing, match="steward train"):
        load_model(tmp_path)


def test_the_version_depends_on_recipe_profile_seed_and_data(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = training_data(PROFILES["quick"], seed=13)
    now = datetime(2026, 11, 30, tzinfo=UTC)
    same = version_of(PROFILES["quick"], 13, data, now)
    assert same == version_of(PROFILES["quick"], 13, training_data(PROFILES["quick"], 13), now)
    assert same.startswith("2026.11.30-")
    assert same != version_of(PROFILES["quick"], 14, data, now)
    monkeypatch.setattr("policies.classifiers.train.RECIPE", 999)
    assert same != version_of(PROFILES["quick"], 13, data, now)


def _copy_of(model_dir: Path, tmp_path: Path) -> tuple[Path, StewardTextModel]:
    """Return a copy of a model directory that a test may write to, and the model loaded."""
    directory = tmp_path / model_dir.name
    shutil.copytree(model_dir, directory)
    return directory, load_model(directory)


def test_community_heads_learn_from_decisions_without_touching_others(
    quick_model_dir: Path, tmp_path: Path
) -> None:
    directory, base = _copy_of(quick_model_dir, tmp_path)
    # The community's moderators keep removing one local in-joke insult, and keep
    # clearing a rough phrase that is fine there.
    walnut = [
        "you absolute walnut",
        "what a walnut you are",
        "walnut behaviour from you again",
        "only a walnut would post that",
    ]
    fine = ["that update slaps", "this lamp slaps so hard", "the new app slaps"]
    decisions = {
        "lumen": [Example(text=t, label="abuse", value=1, language="en") for t in walnut]
        + [Example(text=t, label="abuse", value=0, language="en") for t in fine]
    }
    replay = dict(np.load(directory / REPLAY_FILE))
    counts = refit_communities(directory, decisions, english=base.english_path, replay=replay)
    assert counts == {"lumen": 7}
    assert json.loads((directory / "communities" / "lumen.json").read_text())["abuse"]
    tuned = load_model(directory)
    probe = "such a walnut, honestly"
    before = tuned.score_batch([probe])[0].scores["abuse"]
    after = tuned.score_batch([probe], community="lumen")[0].scores["abuse"]
    assert after > before + 0.1
    assert tuned.score_batch([probe], community="lumen")[0].model == f"{tuned.card.name}+lumen"
    assert tuned.score_batch([probe], community="elsewhere")[0].scores["abuse"] == before
    # Too few decisions fit no head, and refitting removes a stale one.
    assert (
        refit_communities(
            directory,
            {"lumen": decisions["lumen"][:2]},
            english=base.english_path,
            replay=replay,
        )
        == {}
    )
    assert not (directory / "communities" / "lumen.json").exists()


def test_a_decision_is_routed_as_its_message_was_served(
    quick_model_dir: Path, tmp_path: Path
) -> None:
    directory, base = _copy_of(quick_model_dir, tmp_path)
    # Undetected, mostly Latin letters once the link's scheme counts (12 of 14), but not
    # without it (4 of 6): serving sends it to the English path, so must the refit.
    text = "한국 https://www.abcd"
    (routed,) = base.route([text])
    assert routed.lane == "english"
    decisions = {"lumen": [Example(text=text, label="abuse", value=1, language=None)] * 3}
    replay = dict(np.load(directory / REPLAY_FILE))
    counts = refit_communities(
        directory, decisions, english=base.english_path, replay=replay, minimum=3
    )
    assert counts == {"lumen": 3}


def test_the_served_tokenizer_matches_transformers(quick_model_dir: Path) -> None:
    encoder = OnnxEncoder(quick_model_dir / "encoder", max_length=16)
    reference = AutoTokenizer.from_pretrained(str(quick_model_dir / "encoder"))
    texts = [
        "hello there",
        "a much longer sentence that is certainly cut by a limit of sixteen tokens, yes",
        "ｆｕｌｌ width, émojis 😀 and 日本語",
    ]
    for text in texts:
        ours = encoder.feed(text)
        theirs = reference([text], truncation=True, max_length=16, return_tensors="np")
        assert set(ours) == {"input_ids", "attention_mask", "token_type_ids"}
        for name, values in ours.items():
            assert np.array_equal(values, theirs[name]), (text, name)


def test_a_text_gets_the_same_encoding_whatever_arrives_with_it(quick_model_dir: Path) -> None:
    encoder = OnnxEncoder(quick_model_dir / "encoder")
    texts = [fold(text) for text in (BENIGN, ABUSIVE, SPAM, "ok", "lol same")]
    alone = [encoder.encode([text]) for text in texts]
    together = encoder.encode(texts)
    backwards = encoder.encode(texts[::-1])
    # int8 activations are scaled per run: run together (and padded), texts moved one another.
    assert np.array_equal(np.concatenate([a.logits for a in alone]), together.logits)
    assert np.array_equal(np.vstack([a.embeddings for a in alone]), together.embeddings)
    assert np.array_equal(backwards.embeddings[::-1], together.embeddings)
    assert together.embeddings.shape == (5, encoder.dimensions)
    assert encoder.encode([]).embeddings.shape == (0, encoder.dimensions)


def test_an_english_messages_scores_do_not_depend_on_what_arrives_with_it(
    quick_model: StewardTextModel,
) -> None:
    path = quick_model.english_path
    assert path.first_layers is not None
    first = path.first_layers.encode([fold(ABUSIVE), fold(BENIGN)]).embeddings
    assert np.array_equal(first[0], path.first_layers.encode([fold(ABUSIVE)]).embeddings[0])
    (alone,) = quick_model.score_batch([ABUSIVE])
    assert alone.language == "en"
    rant = (
        "honestly this is the dumbest most useless garbage update you clowns have ever "
        "shipped, every single one of you should be ashamed, fix it or get lost"
    )
    for others in ([BENIGN, "ok"], [rant, SPAM, f"{rant} {rant}"]):
        together = quick_model.score_batch([*others, ABUSIVE, "see you at the launch"])
        assert together[len(others)] == alone


@pytest.mark.parametrize(
    ("text", "detected", "community", "read"),
    [
        ("du er så dum", None, "da", "da"),
        ("du er så dum", None, "nl-BE", "nl"),
        ("du er så dum", None, "EN-us", None),
        ("du er så dum", None, "", None),
        ("du er så dum", None, None, None),
        ("du er så dum", "sv", "da", "sv"),
        # Another script takes the multilingual lane anyway; the community does not relabel it.
        ("消えろ", None, "da", None),
    ],
)
def test_the_communitys_language_reads_only_lines_in_latin_letters_no_detector_told(
    text: str, detected: str | None, community: str | None, read: str | None
) -> None:
    assert read_as(text, detected, community) == read

"""The form the classifiers read: folded, links without scheme or ending, as in training."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from policies.classifiers.datasets import Example, folded
from policies.classifiers.model import StewardTextModel, load_model
from policies.classifiers.reading import (
    LONGEST_READ,
    as_read,
    folded_start,
    readable,
    with_one_ending,
    without_links,
    without_schemes,
)
from policies.classifiers.train import REPLAY_FILE, refit_communities, refit_model


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


@pytest.mark.parametrize(
    ("text", "read"),
    [
        # Public suffixes, one label or several, with a path or none.
        ("claim at bit.ly/fr33-g1ft now", "claim at bit.com/fr33-g1ft now"),
        ("see getzed.co.uk/claim!", "see getzed.com/claim!"),
        ("steam-login.net/verify?id=1", "steam-login.com/verify?id=1"),
        ("discord.gg/abc: join", "discord.com/abc: join"),
        ("docs.python.org", "docs.python.com"),
        # With nothing after them: an ending that is seldom a word, or has two labels.
        ("go to lumen-airdrop.xyz now", "go to lumen-airdrop.com now"),
        ("see getzed.co.uk", "see getzed.com"),
        # A word-like ending with a path is a link all the same.
        ("claim at nitro.gift/claim", "claim at nitro.com/claim"),
        # Names reserved for examples, which no registry lists.
        ("verify at steam-login.example/verify.", "verify at steam-login.com/verify."),
        ("docs.lumen.example, then", "docs.lumen.com, then"),
        ("x.example.com/a and y.example.net", "x.com/a and y.com"),
        ("a.b.test", "a.b.com"),
        # Already read so: nothing changes.
        ("github.com/lumen/app#readme", "github.com/lumen/app#readme"),
        ("example.com", "example.com"),
    ],
)
def test_every_link_host_is_read_with_one_ending(text: str, read: str) -> None:
    assert with_one_ending(text) == read
    assert with_one_ending(read) == read


@pytest.mark.parametrize(
    "text",
    [
        "edit main.py and notes.zip",  # file names: a file-like suffix, no path
        "see you tomorrow.call me, ok.how are you",  # a missing space before a word
        "nice.nice.how and pain.it",  # word-like endings without a path, however many labels
        "e.g. v1.2.3 costs 3.5 each",  # no letters-only ending, or none a registry knows
        "write to alice@getzed.co.uk",  # an address is not a link
        "my_file.com and file.tar.gz",  # cut at underscores; no known suffix
        "foo.bar.baz",
        "nothing to see here",
    ],
)
def test_text_that_is_not_a_link_host_is_left_alone(text: str) -> None:
    assert with_one_ending(text) == text
    # Nor is it left out when the language is told.
    assert without_links(text) == text


def test_a_file_like_name_with_a_path_is_a_link() -> None:
    assert with_one_ending("see main.py/docs") == "see main.com/docs"


@pytest.mark.parametrize(
    ("text", "left"),
    [
        ("see youtube.com/c/lampfan, thanks", "see   thanks"),
        ("docs at https://www.docs.lumen.example/setup?x=1 now", "docs at   now"),
        ("claim at discord-gifts.example.com/claim", "claim at  "),
        ("login at steam-login.net:8080 today", "login at   today"),
    ],
)
def test_links_are_left_out_whole_for_telling_the_language(text: str, left: str) -> None:
    assert without_links(text) == left


def test_readable_folds_first_and_is_stable() -> None:
    text = "FREE Nitro at HTTPS://WWW.Gift.example/Claim"
    assert readable(text) == "free nitro at gift.com/claim"
    assert readable(readable(text)) == readable(text)
    # Models before recipe 13 read endings as written.
    assert readable(text, one_ending=False) == "free nitro at gift.example/claim"
    assert as_read("gift.example/claim", one_ending=False) == "gift.example/claim"


def test_only_a_texts_start_is_read() -> None:
    start = "Check the hub's firmware first. " * (LONGEST_READ // 32 + 1)
    assert readable(start + "FREE NITRO at bit.ly/x") == readable(start[:LONGEST_READ])
    assert folded_start("ＡＢＣ" + "x" * LONGEST_READ) == "abc" + "x" * (LONGEST_READ - 3)


def test_a_hostile_texts_unread_end_changes_no_score_language_or_lane(
    quick_model: StewardTextModel,
) -> None:
    # A million letters without a space held the English lane for minutes before the cut.
    start = "Thanks, the new lamp works great. " + "a" * LONGEST_READ
    whole, cut = quick_model.route([start + "a" * 1_000_000 + " idiot", start[:LONGEST_READ]])
    assert whole == cut
    assert len(whole.text) <= LONGEST_READ
    assert quick_model.score_batch([start + " you idiot" * 1000]) == quick_model.score_batch(
        [start]
    )


def test_training_examples_are_read_as_served(quick_model: StewardTextModel) -> None:
    assert quick_model.one_link_ending
    example = Example(text="Docs: HTTPS://docs.lumen.example/Setup", label="ok", value=0)
    (routed,) = quick_model.route([example.text])
    assert folded(example).text == routed.text == "docs: docs.lumen.com/setup"


def test_the_model_records_how_it_reads_links(quick_model_dir: Path) -> None:
    english = json.loads((quick_model_dir / "english.json").read_text(encoding="utf-8"))
    assert english["link_endings"] == "one"


def test_a_links_scheme_does_not_change_a_messages_scores(quick_model: StewardTextModel) -> None:
    bare, with_scheme, with_www = quick_model.score_batch(
        [
            "FREE NITRO claim now bit.ly/fr33-g1ft",
            "FREE NITRO claim now https://bit.ly/fr33-g1ft",
            "FREE NITRO claim now http://www.bit.ly/fr33-g1ft",
        ]
    )
    assert bare.scores == with_scheme.scores == with_www.scores


def test_a_links_ending_does_not_change_a_messages_scores(quick_model: StewardTextModel) -> None:
    scam = "staff here: your account is flagged, verify your login at steam-login{}/verify"
    scored = quick_model.score_batch([scam.format(e) for e in (".example", ".com", ".net", ".gg")])
    assert len({json.dumps(s.scores, sort_keys=True) for s in scored}) == 1


@pytest.mark.parametrize("ending", [".example", ".com", ".net", ".gg", ".example.com"])
def test_a_links_ending_does_not_change_a_messages_language_or_lane(
    quick_model: StewardTextModel, ending: str
) -> None:
    # lingua took this line for Danish while its link ended in .com, and English under
    # .example: the lane, and so the scores, followed the link.
    line = f"check out my channel youtube{ending}/c/lampfan for more giveaways"
    (routed,) = quick_model.route([line])
    assert (routed.language, routed.lane) == ("en", "english")


def _as_older(model_dir: Path, tmp_path: Path) -> Path:
    """Return a copy of a model directory written as before recipe 13 (no ``link_endings``)."""
    older = tmp_path / "older"
    shutil.copytree(model_dir, older)
    english = json.loads((older / "english.json").read_text(encoding="utf-8"))
    del english["link_endings"]
    (older / "english.json").write_text(json.dumps(english), encoding="utf-8")
    return older


def test_a_model_built_before_reads_endings_as_written(
    quick_model_dir: Path, tmp_path: Path
) -> None:
    model = load_model(_as_older(quick_model_dir, tmp_path))
    assert not model.one_link_ending
    (routed,) = model.route(["Docs: HTTPS://docs.lumen.example/Setup"])
    assert routed.text == "docs: docs.lumen.example/setup"


def test_a_refit_reads_decisions_as_its_model_does(
    quick_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    older = _as_older(quick_model_dir, tmp_path)
    model = load_model(older)
    replay = dict(np.load(older / REPLAY_FILE))
    seen: list[str] = []
    base_logits = model.english_path.base_logits

    def recording(texts: list[str]) -> object:
        seen.extend(texts)
        return base_logits(texts)

    monkeypatch.setattr(model.english_path, "base_logits", recording)
    decisions = {
        "lumen": [
            Example(text=f"spam {n} at steam-login.example/verify", label="spam", value=1)
            for n in range(3)
        ]
    }
    for one_ending in (False, True):
        seen.clear()
        refit_communities(
            older,
            decisions,
            english=model.english_path,
            replay=replay,
            one_link_ending=one_ending,
        )
        ending = ".com/" if one_ending else ".example/"
        assert seen and all(f"steam-login{ending}" in text for text in seen)


@pytest.mark.parametrize(("older", "reads_one"), [(True, False), (False, True)])
def test_refitting_a_models_heads_reads_as_that_model(
    quick_model_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    older: bool,
    reads_one: bool,
) -> None:
    directory = _as_older(quick_model_dir, tmp_path) if older else quick_model_dir
    asked: list[object] = []

    def recording(*_: object, **kwargs: object) -> dict[str, int]:
        asked.append(kwargs.get("one_link_ending"))
        return {}

    monkeypatch.setattr("policies.classifiers.train.refit_communities", recording)
    monkeypatch.setattr("policies.classifiers.train.ModelCard.save", lambda *_: None)
    refit_model(directory, {})
    assert asked == [reads_one]

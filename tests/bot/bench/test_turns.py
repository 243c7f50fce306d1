"""Two models compared in turns: ``steward bench --against``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import bot.classifier
from bot.bench.rules import realistic_mix
from bot.bench.turns import Turns, in_turns
from bot.cli import main
from bot.core.protocols import TextScores
from tests.policies.classifiers._doubles import WordModel


class LoggedModel(WordModel):
    """A word model that writes each text it scores, and its own name, to a shared log."""

    def __init__(self, name: str, log: list[tuple[str, str]], **words: Any) -> None:
        super().__init__(**words)
        self.name = name
        self.log = log

    def score_batch(self, texts: Sequence[str], community: str | None = None) -> list[TextScores]:
        self.log.extend((self.name, text) for text in texts)
        return super().score_batch(texts, community)


def test_each_line_is_scored_by_both_in_alternating_order() -> None:
    log: list[tuple[str, str]] = []
    first = LoggedModel("a", log)
    second = LoggedModel("b", log, abusive=("worthless", "idiot", "moron"))
    texts = ["you idiot", "you moron", "hello", "moron again"]
    turns = in_turns((first, second), texts, rounds=3)
    assert turns.lines == 12
    # Only the second model knows "moron": two lines, counted once however many rounds.
    assert turns.differing == 2
    assert all(seconds > 0 for seconds in turns.seconds) and turns.ratio > 0
    # Who goes first alternates from line to line, and shifts by one each round.
    firsts = [log[i][0] for i in range(0, len(log), 2)]
    assert firsts == ["a", "b", "a", "b", "b", "a", "b", "a", "a", "b", "a", "b"]
    assert [log[i][1] for i in range(0, len(log), 2)] == texts * 3
    assert [log[i][1] for i in range(1, len(log), 2)] == texts * 3


def test_the_ratio_and_times_a_line() -> None:
    turns = Turns(seconds=(0.3, 0.4), lines=100, differing=0)
    assert turns.ratio == pytest.approx(0.75)
    assert turns.ms_per_line(0) == pytest.approx(3.0)
    assert turns.ms_per_line(1) == pytest.approx(4.0)


def test_at_least_one_round() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        in_turns((WordModel(), WordModel()), ["x"], rounds=0)


def _bench(
    models: dict[str, Any], against: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> dict[str, dict[str, Any]]:
    def load(path: Path, **_: Any) -> Any:
        found = models[path.name]
        if isinstance(found, Exception):
            raise found
        return found

    monkeypatch.setattr(bot.classifier, "load_text_model", load)
    args = ["bench", "--json", "--quick", "--only", "classifier"]
    args += ["--model", str(tmp_path / "new"), "--against", str(against)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    return {entry["name"]: entry for entry in json.loads(result.stdout)}


def test_bench_against_another_model_reports_each_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    languages = {"Bonjour": "fr", "Goedemorgen": "nl"}
    new = WordModel(languages=languages, abusive=("worthless", "idiot", "moron"))
    old = WordModel(languages=languages)
    (tmp_path / "old").mkdir()
    figures = _bench({"new": new, "old": old}, tmp_path / "old", monkeypatch, tmp_path)
    for path in ("english", "other_languages"):
        prefix = f"classifier.turns.{path}"
        assert figures[f"{prefix}_time_ratio"]["value"] > 0
        assert figures[f"{prefix}_time_ratio"]["unit"] == "ratio"
        assert "words@1" in figures[f"{prefix}_time_ratio"]["detail"]
        assert figures[f"{prefix}_ms"]["value"] > 0 and figures[f"{prefix}_against_ms"]["value"] > 0
    # The new model reads "moron" as abuse: only the English lines holding it differ.
    english = [
        text for _, _, text in realistic_mix(300) if not any(word in text for word in languages)
    ]
    expected = sum("moron" in text for text in english)
    assert expected > 0
    assert figures["classifier.turns.english_lines_scored_differently"]["value"] == expected
    assert figures["classifier.turns.other_languages_lines_scored_differently"]["value"] == 0
    # Rounds of the quick bench: two, so each model meets each line once first.
    assert f"({2 * len(english)} each)" in figures["classifier.turns.english_ms"]["detail"]


def test_bench_against_a_model_that_cannot_load_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "broken").mkdir()
    models = {"new": WordModel(), "broken": FileNotFoundError("english.json")}
    figures = _bench(models, tmp_path / "broken", monkeypatch, tmp_path)
    turns = figures["classifier.turns"]
    assert turns["unit"] == "skipped"
    assert "cannot load the classifier model" in turns["detail"]
    assert "english.json" in turns["detail"]
    # The rest of the case still reports.
    assert figures["classifier.messages_per_second"]["value"] > 0


def test_two_loads_of_one_real_build_score_every_line_alike(quick_model_dir: Path) -> None:
    from policies.classifiers.model import load_model  # noqa: PLC0415 - needs the ml extra

    texts = [text for _, _, text in realistic_mix(60)]
    turns = in_turns((load_model(quick_model_dir), load_model(quick_model_dir)), texts, 1)
    assert turns.lines == 60 and turns.differing == 0

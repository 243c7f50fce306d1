"""The classifier benchmark case: its figures with a model, skipped with the reason without."""

from __future__ import annotations

import gc
import json
import threading
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from click.testing import CliRunner

import bot.classifier
from bot.bench import run_benchmarks
from bot.bench.classifier import HOSTILE_LINES, HOSTILE_ROUNDS, RAID_LINES
from bot.bench.rules import realistic_mix
from bot.cli import main
from bot.core.protocols import TextScores
from bot.registry import CogRegistry
from policies.classifiers.serving import TextModel
from tests.policies.classifiers._doubles import WordModel


async def test_without_a_model_the_case_is_skipped_with_the_reason(registry: CogRegistry) -> None:
    (result,) = await run_benchmarks(registry, only={"classifier"}, quick=True)
    assert (result.name, result.unit) == ("classifier", "skipped")
    assert "no model: pass --model or set STEWARD_MODEL" in result.detail


async def test_a_model_that_cannot_load_skips_the_case(
    registry: CogRegistry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def cannot(path: Path, **threads: int) -> TextModel:
        raise FileNotFoundError(path)

    monkeypatch.setattr(bot.classifier, "load_text_model", cannot)
    (result,) = await run_benchmarks(
        registry, only={"classifier"}, quick=True, model=tmp_path / "m"
    )
    assert result.unit == "skipped"
    assert "`steward train`" in result.detail


def _bench_figures(
    model: TextModel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, dict[str, Any]]:
    """Run the quick classifier bench on ``model``; return its figures by name."""
    monkeypatch.setattr(bot.classifier, "load_text_model", lambda _, **__: model)
    monkeypatch.setenv("STEWARD_MODEL", str(tmp_path / "m"))
    result = CliRunner().invoke(main, ["bench", "--json", "--quick", "--only", "classifier"])
    assert result.exit_code == 0, result.output
    return {entry["name"]: entry for entry in json.loads(result.stdout)}


class ThreadRecordingModel(WordModel):
    """A word model that records which thread called it, batch by batch."""

    def __init__(self, languages: dict[str, str]) -> None:
        super().__init__(languages=languages)
        self.threads: list[str] = []

    def score_batch(self, texts: Sequence[str], community: str | None = None) -> list[TextScores]:
        self.threads.append(threading.current_thread().name)
        return super().score_batch(texts, community)


def test_with_a_model_the_case_reports_speed_latency_and_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = ThreadRecordingModel(languages={"Bonjour": "fr", "Goedemorgen": "nl"})
    figures = _bench_figures(model, tmp_path, monkeypatch)
    assert set(figures) == {
        "classifier.messages_per_second",
        "classifier.english_messages_per_second",
        "classifier.other_languages_messages_per_second",
        "classifier.english_model_messages_per_second",
        "classifier.other_languages_model_messages_per_second",
        "classifier.burst_messages_per_second",
        "classifier.p50_ms",
        "classifier.p99_ms",
        "classifier.english_p50_ms",
        "classifier.english_p99_ms",
        "classifier.other_languages_p50_ms",
        "classifier.other_languages_p99_ms",
        "classifier.rss_mb",
        "classifier.rss_serving_mb",
        "classifier.raid_messages_per_second",
        "classifier.raid_burst_messages_per_second",
        "classifier.longest_word_ms",
        "classifier.longest_message_ms",
    }
    assert all(entry["value"] > 0 for entry in figures.values())
    assert figures["classifier.p50_ms"]["value"] <= figures["classifier.p99_ms"]["value"]
    assert "words@1" in figures["classifier.messages_per_second"]["detail"]
    assert "200 chat lines offered at 200/s" in figures["classifier.p99_ms"]["detail"]
    # Latency per path, so a slow lane's backlog does not hide the fast lane's figures.
    english_lines = int(figures["classifier.english_p99_ms"]["detail"].split("(")[1].split(")")[0])
    other_lines = int(
        figures["classifier.other_languages_p99_ms"]["detail"].split("(")[1].split(")")[0]
    )
    assert english_lines + other_lines == 200
    english = int(figures["classifier.english_messages_per_second"]["detail"].split()[1])
    others = int(figures["classifier.other_languages_messages_per_second"]["detail"].split()[1])
    assert 0 < others < english and english + others == 300
    assert "scored 256 at a time" in figures["classifier.burst_messages_per_second"]["detail"]
    # A first pass tells the paths apart, then the whole mix, each path, the bursts, the
    # open loop, and each path again with the model called directly: no answer is kept,
    # so every line is scored each time. Then the raid's two lines, each scored once for
    # its 512 copies (one at a time, then all at once), with answers kept; then each of
    # the longest lines five times.
    hostile = len(HOSTILE_LINES) * HOSTILE_ROUNDS
    assert len(model.scored) == 300 + 300 + 300 + 300 + 200 + 300 + 2 + hostile
    assert model.scored[-hostile - 2 : -hostile] == list(RAID_LINES)
    assert [len(text) for text in model.scored[-hostile:]] == [40_000] * hostile
    assert (
        "a line of 40,000 characters (one word)" in figures["classifier.longest_word_ms"]["detail"]
    )
    assert (
        "2 texts scored for both runs"
        in figures["classifier.raid_burst_messages_per_second"]["detail"]
    )
    # The 300 before them one by one on the bench's own thread, and the longest lines; the
    # rest on the service's.
    bench = threading.current_thread().name
    assert model.threads[-hostile - 302 : -hostile - 2] == [bench] * 300
    assert model.threads[-hostile:] == [bench] * hostile
    assert all(name.startswith("classifier:") for name in model.threads[: -hostile - 302])
    assert all(name.startswith("classifier:") for name in model.threads[-hostile - 2 : -hostile])


def test_a_skipped_case_prints_its_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STEWARD_MODEL", raising=False)
    result = CliRunner().invoke(main, ["bench", "--quick", "--only", "classifier"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("classifier")
    assert "skipped: no model: pass --model or set STEWARD_MODEL" in result.stdout


class FirstLookModel(WordModel):
    """A word model that, like Steward's, counts the texts its first look cleared."""

    def __init__(self) -> None:
        super().__init__()
        self.first_look_cleared = 0

    def score_batch(self, texts: Sequence[str], community: str | None = None) -> list[TextScores]:
        found = super().score_batch(texts, community)
        self.first_look_cleared += sum(s.scores["abuse"] < 0.5 for s in found)
        return found


def test_a_model_with_a_first_look_reports_the_share_it_cleared(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = FirstLookModel()
    figures = _bench_figures(model, tmp_path, monkeypatch)
    share = figures["classifier.english_first_look_share"]
    assert share["unit"] == "share"
    # Counted over the English one-at-a-time run only: every line there but the abusive.
    english = [t for _, _, t in realistic_mix(300)]
    harmless = sum(not any(w in t for w in model.abusive) for t in english)
    assert share["value"] == round(harmless / len(english), 4)
    assert "of the 300 English lines" in share["detail"]


class LendingModel(WordModel):
    """A word model with a spare core, like Steward's: it records whether it was lent."""

    def __init__(self) -> None:
        super().__init__()
        self.spare_core = SimpleNamespace(lending=True)
        self.lending_seen: list[bool] = []

    def score_batch(self, texts: Sequence[str], community: str | None = None) -> list[TextScores]:
        self.lending_seen.extend([self.spare_core.lending] * len(texts))
        return super().score_batch(texts, community)


def test_a_model_with_a_spare_core_is_also_measured_without_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = LendingModel()
    figures = _bench_figures(model, tmp_path, monkeypatch)
    one_core = figures["classifier.english_one_core_messages_per_second"]
    assert one_core["value"] > 0 and one_core["unit"] == "messages/s"
    # The first pass, the mix and the English lines lend it; one more English pass does
    # not; then it is lent again for everything after.
    assert model.lending_seen[:900] == [True] * 900
    assert model.lending_seen[900:1200] == [False] * 300
    assert all(model.lending_seen[1200:])
    assert model.spare_core.lending


class FreezeRecordingModel(WordModel):
    """A word model that records whether the collector had frozen the heap at each call."""

    def __init__(self) -> None:
        super().__init__()
        self.frozen_seen: list[bool] = []

    def score_batch(self, texts: Sequence[str], community: str | None = None) -> list[TextScores]:
        self.frozen_seen.append(gc.get_freeze_count() > 0)
        return super().score_batch(texts, community)


def test_the_case_serves_with_the_collector_settled_as_steward_run_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Full collections over an unsettled heap stalled both lanes and inflated the p99."""
    model = FreezeRecordingModel()
    thresholds = gc.get_threshold()
    try:
        _bench_figures(model, tmp_path, monkeypatch)
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
    assert model.frozen_seen and all(model.frozen_seen)

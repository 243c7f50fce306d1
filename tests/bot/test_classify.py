"""``steward classify``: JSON lines in, scores out in order, bad lines reported and skipped."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import bot.classifier
from bot.cli import main
from policies.classifiers.serving import TextModel
from tests.policies.classifiers._doubles import WordModel


@pytest.fixture
def loaded_from(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Serve a word model for whatever path is asked; return the paths asked for."""
    paths: list[Path] = []

    def load(path: Path, **threads: int) -> TextModel:
        paths.append(path)
        return WordModel(languages={"bonjour": "fr"})

    monkeypatch.setattr(bot.classifier, "load_text_model", load)
    return paths


def classify(*args: str, stdin: str = "") -> tuple[int, list[dict[str, object]], str]:
    result = CliRunner().invoke(main, ["classify", *args], input=stdin)
    return result.exit_code, [json.loads(x) for x in result.stdout.splitlines()], result.stderr


def test_scores_every_line_in_input_order(tmp_path: Path, loaded_from: list[Path]) -> None:
    source = tmp_path / "in.jsonl"
    rows = [
        {"id": 1, "text": "a long and friendly message about the new lamp, thank you"},
        {"id": "two", "text": "you idiot"},
        {"id": 3, "text": "bonjour"},
        {"id": 4, "text": "free nitro"},
    ]
    source.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n", encoding="utf-8")
    code, out, err = classify(str(source), "--model", str(tmp_path / "m"))
    assert (code, err) == (0, "")
    assert [r["id"] for r in out] == [1, "two", 3, 4]
    assert out[1] == {
        "id": "two",
        "scores": {"abuse": 0.97, "spam": 0.01},
        "lang": "en",
        "model": "words@1",
    }
    assert [r["lang"] for r in out] == ["en", "en", "fr", "en"]
    assert loaded_from == [tmp_path / "m"]


def test_bad_lines_are_reported_skipped_and_exit_1(tmp_path: Path, loaded_from: list[Path]) -> None:
    stdin = "\n".join(
        [
            json.dumps({"id": 1, "text": "hello"}),
            "{not json",
            json.dumps({"text": "no id"}),
            json.dumps({"id": 4, "text": 42}),
            json.dumps(["id", "text"]),
            json.dumps({"id": 6, "text": "you idiot"}),
            "[" * 100_000,  # deeper than Python's JSON reader goes
        ]
    )
    code, out, err = classify("-", "--model", str(tmp_path / "m"), stdin=stdin)
    assert code == 1
    assert [r["id"] for r in out] == [1, 6]
    assert err.splitlines() == [
        "line 2: not JSON: Expecting property name enclosed in double quotes (column 2)",
        'line 3: no "id"',
        'line 4: "text" must be a string',
        'line 5: expected an object like {"id": ..., "text": ...}',
        "line 7: not JSON: nested too deeply",
    ]


def test_the_model_defaults_to_the_configuration(tmp_path: Path, loaded_from: list[Path]) -> None:
    config = tmp_path / "steward.toml"
    config.write_text(f'[classifier]\nmodel = "{tmp_path / "cfg-model"}"\n', encoding="utf-8")
    code, out, _ = classify("--config", str(config), stdin='{"id": 1, "text": "hi"}\n')
    assert code == 0 and len(out) == 1
    assert loaded_from == [tmp_path / "cfg-model"]


def test_no_model_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no steward.toml here: the defaults, which name no model
    result = CliRunner().invoke(main, ["classify"], input="")
    assert result.exit_code == 2
    assert "no model: pass --model or set [classifier] model" in result.stderr


def test_a_model_that_cannot_load_exits_2_and_says_how_to_get_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def cannot(path: Path, **threads: int) -> TextModel:
        raise FileNotFoundError(f"no model.json in {path}")

    monkeypatch.setattr(bot.classifier, "load_text_model", cannot)
    result = CliRunner().invoke(main, ["classify", "--model", str(tmp_path / "m")], input="")
    assert result.exit_code == 2
    assert f"cannot load the classifier model at {tmp_path / 'm'}" in result.stderr
    assert "`steward train`" in result.stderr


def test_lines_the_model_fails_on_are_reported_and_exit_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        bot.classifier, "load_text_model", lambda _, **__: WordModel(fail_on="boom")
    )
    code, out, err = classify("--model", str(tmp_path / "m"), stdin='{"id": 1, "text": "boom"}\n')
    assert (code, out) == (1, [])
    assert (
        "line 1: not scored: the classifier words@1 failed: RuntimeError: the model broke on 'boom'"
        in err.splitlines()
    )


def test_a_communitys_language_reads_the_lines_no_detector_can_tell(
    quick_model_dir: Path,
) -> None:
    stdin = json.dumps({"id": 1, "text": "Du er så dum."}) + "\n"
    model = ("--model", str(quick_model_dir))
    code, plain, _ = classify(*model, stdin=stdin)
    assert code == 0 and plain[0]["lang"] == "en"
    code, danish, _ = classify(*model, "--language", "da", stdin=stdin)
    assert code == 0 and danish[0]["lang"] == "da"
    assert danish[0]["scores"] != plain[0]["scores"]


def test_a_language_that_is_no_tag_is_a_usage_error(
    tmp_path: Path, loaded_from: list[Path]
) -> None:
    result = CliRunner().invoke(
        main, ["classify", "--model", str(tmp_path), "--language", "Danish"], input=""
    )
    assert result.exit_code == 2
    assert "'Danish' is not a language tag (such as en, da, fr-CA or pt-BR)" in result.output
    assert loaded_from == []  # refused before any model is loaded

"""Every project-written JSONL file: well-formed, big enough, and no evaluation sentence in training.

The files are found by globbing, so sets added later under ``data/`` (for example
``data/multilingual/*.jsonl``) are checked without touching this module.
"""

from __future__ import annotations

import json
import tomllib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import pytest
from rapidfuzz import fuzz, process

import policies.classifiers
from policies.normalize import fold

ROOT = Path(policies.classifiers.__file__).parent
DATA_FILES = sorted(ROOT.glob("data/**/*.jsonl"))
EVAL_FILES = sorted(ROOT.glob("eval/*.jsonl"))
ALL_FILES = DATA_FILES + EVAL_FILES

LANGUAGES = ("en", "fr", "nl", "da", "pl", "ja")
MAX_CHARS = 2000
# fuzz.ratio of two folded texts at or above this counts as the same sentence: it catches
# a changed letter, case, punctuation or emoji, while distinct short chat lines stay below.
NEAR_EQUAL = 90
CHAT_SPAM = "chat_spam.jsonl"


@dataclass(frozen=True)
class Family:
    """The shape of the rows in one family of files.

    Attributes:
        name: How failure messages name the family.
        label_of_kind: Each allowed ``kind`` and the ``label`` it implies.
        keys: The keys every row has.
        open: Whether rows may carry further, optional keys.
    """

    name: str
    label_of_kind: Mapping[str, str]
    keys: frozenset[str]
    open: bool = False


LANGUAGE_SET = Family(
    name="language set",
    label_of_kind={"abusive": "abuse", "benign": "ok", "rough": "ok"},
    keys=frozenset({"text", "label", "kind"}),
)
SPAM_KINDS = ("invite", "gift", "crypto", "fake_staff", "promo", "phishing")
OK_KINDS = ("benign", "link_ok", "lookalike_ok", "rough")
CHAT_SPAM_SET = Family(
    name="chat spam",
    label_of_kind={**dict.fromkeys(SPAM_KINDS, "spam"), **dict.fromkeys(OK_KINDS, "ok")},
    keys=frozenset({"text", "label", "kind", "lang"}),
)
# Other training files follow either family and may add optional fields.
OTHER_DATA = Family(
    name="training data",
    label_of_kind={**LANGUAGE_SET.label_of_kind, **CHAT_SPAM_SET.label_of_kind},
    keys=frozenset({"text", "label", "kind"}),
    open=True,
)


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def family(path: Path) -> Family | None:
    """Return the family of a file, or None for an evaluation file nobody described."""
    if path.name == CHAT_SPAM:
        return CHAT_SPAM_SET
    if path.parent.name == "eval":
        return LANGUAGE_SET if path.stem in LANGUAGES else None
    return OTHER_DATA


def load(path: Path) -> list[dict[str, Any]]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            pytest.fail(f"{relative(path)}:{number}: {error}")
        assert isinstance(row, dict), f"{relative(path)}:{number} is not a JSON object"
        rows.append(row)
    return rows


def texts(paths: list[Path]) -> list[str]:
    return [str(row["text"]) for path in paths for row in load(path)]


def faults(row: dict[str, Any], shape: Family) -> list[str]:
    """Return what is wrong with one row, in words; empty when nothing is."""
    found = []
    missing = shape.keys - row.keys()
    extra = set() if shape.open else row.keys() - shape.keys
    if missing or extra:
        found.append(f"keys: missing {sorted(missing)}, unexpected {sorted(extra)}")
    text = row.get("text")
    if not isinstance(text, str) or not text.strip():
        found.append("text is empty or not a string")
    elif len(text) > MAX_CHARS:
        found.append(f"text has {len(text)} characters, over {MAX_CHARS}")
    kind = row.get("kind")
    if not isinstance(kind, str) or kind not in shape.label_of_kind:
        found.append(f"kind {kind!r} is not one of {sorted(shape.label_of_kind)}")
    elif row.get("label") != shape.label_of_kind[kind]:
        found.append(f"label {row.get('label')!r} does not match kind {kind!r}")
    if "lang" in row and row["lang"] not in LANGUAGES:
        found.append(f"lang {row['lang']!r} is not a seed language")
    return found


def near_pairs(queries: list[str], choices: list[str]) -> list[str]:
    """Describe each query and choice whose folded texts are near-equal."""
    folded = [fold(choice) for choice in choices]
    return [
        f"{score:.0f}: {query!r} ~ {choices[index]!r}"
        for query in queries
        for _, score, index in process.extract(
            fold(query), folded, scorer=fuzz.ratio, score_cutoff=NEAR_EQUAL, limit=None
        )
    ]


def test_the_globs_find_the_files_the_project_ships() -> None:
    found = {relative(path) for path in ALL_FILES}
    expected = {f"eval/{lang}.jsonl" for lang in LANGUAGES} | {
        f"data/{CHAT_SPAM}",
        f"eval/{CHAT_SPAM}",
    }
    assert expected <= found


@pytest.mark.parametrize("path", ALL_FILES, ids=relative)
def test_every_line_is_a_row_of_its_family(path: Path) -> None:
    shape = family(path)
    assert shape is not None, f"{relative(path)}: describe this evaluation file's family here"
    wrong = [
        f"line {number} (a {shape.name} row): {fault}"
        for number, row in enumerate(load(path), start=1)
        for fault in faults(row, shape)
    ]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("path", ALL_FILES, ids=relative)
def test_no_sentence_appears_twice_in_a_file(path: Path) -> None:
    lines = texts([path])
    twice = [
        pair
        for position, line in enumerate(lines)
        for pair in near_pairs([line], lines[position + 1 :])
    ]
    assert not twice, "\n".join(twice)


def test_no_training_sentence_is_near_an_evaluation_sentence() -> None:
    leaked = near_pairs(texts(DATA_FILES), texts(EVAL_FILES))
    assert not leaked, "\n".join(leaked)


def kinds(path: Path) -> Counter[str]:
    return Counter(str(row["kind"]) for row in load(path))


def labels(path: Path) -> Counter[str]:
    return Counter(str(row["label"]) for row in load(path))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_language_set_has_forty_sentences_and_ten_of_each_kind(lang: str) -> None:
    path = ROOT / "eval" / f"{lang}.jsonl"
    counts = kinds(path)
    assert counts.total() >= 40
    assert {kind: counts[kind] for kind in LANGUAGE_SET.label_of_kind if counts[kind] < 10} == {}


@pytest.mark.parametrize(
    ("folder", "least"), [("eval", 40), ("data", 120)], ids=["eval", "training"]
)
def test_chat_spam_sets_have_enough_of_each_label(folder: str, least: int) -> None:
    counts = labels(ROOT / folder / CHAT_SPAM)
    assert counts["spam"] >= least
    assert counts["ok"] >= least


@pytest.mark.parametrize("folder", ["eval", "data"])
def test_chat_spam_sets_cover_every_kind_and_language(folder: str) -> None:
    rows = load(ROOT / folder / CHAT_SPAM)
    assert {row["kind"] for row in rows} == set(CHAT_SPAM_SET.label_of_kind)
    assert {row["lang"] for row in rows} == set(LANGUAGES)


def test_every_folder_of_data_ships_in_the_package() -> None:
    project = ROOT.parents[1]
    setup = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "setuptools"
    ]
    find = setup["packages"]["find"]
    # The data folders have no __init__.py: setuptools ships them as namespace packages,
    # which it finds when namespaces stay on (the default) and the dotted name is included.
    assert find.get("namespaces", True)
    assert "*.jsonl" in setup["package-data"]["*"]
    folders = {path.parent.relative_to(project).parts for path in ALL_FILES}
    unshipped = [
        "/".join(parts)
        for parts in folders
        if not all(part.isidentifier() for part in parts)
        or not any(fnmatchcase(".".join(parts), pattern) for pattern in find["include"])
    ]
    assert unshipped == []

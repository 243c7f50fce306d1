"""Score JSON lines of texts with a classifier: the work of ``steward classify``.

Each input line is ``{"id": ..., "text": ...}``; each output line is
``{"id": ..., "scores": {label: p}, "lang": ..., "model": ...}``, in input order. Lines
are read in chunks and each chunk goes to the classifier as one request, so its worker
can batch texts of similar length together.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any, TextIO

from bot.core.parse_text import NotJson, parse_json
from bot.core.protocols import Classifier, ClassifierError

CHUNK = 256
"""Lines sent to the classifier in one request."""


@dataclass(frozen=True, slots=True)
class _Item:
    line: int
    ident: Any
    text: str


def _parse(number: int, raw: str) -> _Item:
    """Read one input line.

    Raises:
        ValueError: Saying what is wrong with the line.
    """
    try:
        data = parse_json(raw)
    except NotJson as error:
        raise ValueError(f"not JSON: {error}") from error
    if not isinstance(data, dict):
        raise ValueError('expected an object like {"id": ..., "text": ...}')
    if "id" not in data:
        raise ValueError('no "id"')
    text = data.get("text")
    if not isinstance(text, str):
        raise ValueError('"text" must be a string')
    return _Item(number, data["id"], text)


def _items(lines: Iterable[str], report: Callable[[int, str], None]) -> Iterator[_Item]:
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            yield _parse(number, raw)
        except ValueError as error:
            report(number, str(error))


async def classify_lines(
    lines: Iterable[str],
    classifier: Classifier,
    out: TextIO,
    report: Callable[[int, str], None],
    language: str | None = None,
) -> int:
    """Score every good line and write one JSON line per input line, in order.

    Args:
        lines: The input, one JSON object per line; blank lines are skipped.
        classifier: What scores the texts.
        out: Where the results go.
        report: Told the line number and the reason of each line that was not scored.
        language: The community's language (BCP 47), for lines whose own cannot be told.

    Returns:
        How many lines were bad or could not be scored.
    """
    bad = 0

    def count(number: int, reason: str) -> None:
        nonlocal bad
        bad += 1
        report(number, reason)

    items = _items(lines, count)
    while chunk := list(islice(items, CHUNK)):
        try:
            scored = await classifier.score([item.text for item in chunk], language=language)
        except ClassifierError as error:
            for item in chunk:
                count(item.line, f"not scored: {error}")
            continue
        for item, result in zip(chunk, scored, strict=True):
            record = {
                "id": item.ident,
                "scores": {label: round(p, 6) for label, p in result.scores.items()},
                "lang": result.language,
                "model": result.model,
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return bad

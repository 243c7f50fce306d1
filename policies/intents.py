"""Tell what a member wants from the words they use: a sale, a bug, support, press, legal.

Intents are data (``policies/intents.toml``, or a community's own file): per intent and
language, *strong* cues (one is enough) and ordinary *cues* (two are needed). Matching
ignores case and accents; cues in alphabetic scripts match whole words (a trailing ``*``
makes a prefix) and Japanese cues match anywhere, as Japanese puts no spaces between
words. Detection is pure: the routing cog decides where a detected intent goes.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.core.parse_text import parse_toml
from bot.core.text_files import read_text

STRONG_WEIGHT = 2.0
"""A strong cue counts as much as two ordinary ones."""


class IntentError(ValueError):
    """An intents file is missing or invalid; the message says where."""


class _IntentSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    strong: dict[str, list[str]] = Field(default_factory=dict)
    cues: dict[str, list[str]] = Field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class IntentMatch:
    """What a message seems to want.

    Attributes:
        intent: The intent's key (``sales_lead``).
        name: Its team's name for people (``Sales``).
        score: Strong cues count two, others one.
        cues: The cues found, as written in the intents file.
    """

    intent: str
    name: str
    score: float
    cues: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Cue:
    text: str
    weight: float
    pattern: re.Pattern[str]


def plain(text: str) -> str:
    """Return text case-folded with accents removed (``Été`` -> ``ete``)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _pattern(cue: str) -> re.Pattern[str]:
    word = plain(cue)
    prefix = word.endswith("*")
    body = re.escape(word.rstrip("*")).replace(r"\ ", r"\s+")
    if any("\u3040" <= c <= "\u9fff" for c in word):
        return re.compile(body)
    return re.compile(rf"(?<!\w){body}" + ("" if prefix else r"(?!\w)"))


class IntentRules:
    """The intents of one file, compiled.

    Args:
        specs: Intent key to its name and cues, as the file holds them.
        threshold: The score an intent needs to be the answer.
    """

    def __init__(self, specs: Mapping[str, _IntentSpec], *, threshold: float = 2.0) -> None:
        self.threshold = threshold
        self.names = {key: spec.name for key, spec in specs.items()}
        self._cues: dict[str, list[_Cue]] = {}
        # One pattern per intent rejects most chat in one search; only a hit looks at cues.
        self._any: dict[str, re.Pattern[str]] = {}
        for key, spec in specs.items():
            # A word shared by several languages ("journalist") counts once.
            unique: dict[str, _Cue] = {}
            for weight, table in ((STRONG_WEIGHT, spec.strong), (1.0, spec.cues)):
                for words in table.values():
                    for cue in words:
                        unique.setdefault(plain(cue), _Cue(cue, weight, _pattern(cue)))
            self._cues[key] = list(unique.values())
            self._any[key] = re.compile("|".join(c.pattern.pattern for c in unique.values()))

    def detect(self, text: str) -> IntentMatch | None:
        """Return the best-scoring intent at or above the threshold (the file's order breaks ties)."""
        folded = plain(text)
        best: IntentMatch | None = None
        for key, cues in self._cues.items():
            if not self._any[key].search(folded):
                continue
            found = [cue for cue in cues if cue.pattern.search(folded)]
            score = sum(cue.weight for cue in found)
            if score >= self.threshold and (best is None or score > best.score):
                best = IntentMatch(key, self.names[key], score, tuple(c.text for c in found))
        return best


def load_intents(path: Path | str | None = None, *, threshold: float = 2.0) -> IntentRules:
    """Read an intents file, or the one Steward ships when ``path`` is empty.

    Raises:
        IntentError: If the file cannot be read or is not valid; the message names it.
    """
    source = str(path) if path else "policies/intents.toml"
    try:
        if path:
            text = read_text(path)
        else:
            text = resources.files("policies").joinpath("intents.toml").read_text(encoding="utf-8")
        data = parse_toml(text)
        specs = {key: _IntentSpec.model_validate(value) for key, value in data.items()}
    except OSError as error:
        raise IntentError(f"{source}: cannot read the intents file: {error}") from error
    except tomllib.TOMLDecodeError as error:
        raise IntentError(f"{source}: not valid TOML: {error}") from error
    except (ValidationError, AttributeError) as error:
        raise IntentError(f"{source}: {error}") from error
    return IntentRules(specs, threshold=threshold)


def intent_keys(rules: IntentRules) -> Sequence[str]:
    """Return the intents a file defines, in its order."""
    return list(rules.names)

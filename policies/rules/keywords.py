"""The ``keywords`` rule type: messages that contain a listed word, however disguised.

Matching runs on the canonical text (see :mod:`policies.normalize`), against keywords
canonicalized the same way when the rule loads, so case, fullwidth letters,
homoglyphs, leetspeak, zero-width characters and zalgo are already undone. The
patterns built from each keyword then catch what normalization leaves:

* Repeated letters. A letter written once in the keyword matches once, or three
  times and more (``fuuuck``, ``shiiit``), but not exactly twice: ``cul`` never
  matches ``cull``, ``kak`` never ``kaak`` (Dutch for jaw), ``anus`` never ``annus``.
  A letter written n >= 2 times matches n times or more, so ``ass`` needs two ``s``
  and ``as`` never matches.
* Separators. ``f.u.c.k``, ``f-u-c-k``, ``f*u*c*k``, ``f u c k``: every letter its own
  piece, each gap one run of punctuation or symbols. Whitespace counts as a separator
  only in words of at least ``min_separated_length`` letters, so ``a s s`` never
  matches; and a spelled-out word must not be glued to a neighbouring word by
  punctuation (``a.s.s.e.t`` holds no ``ass``).
* Word boundaries, in every script: a letter, digit or combining mark of any script
  right before or after the match means no match (``assistance``, ``Scunthorpe``,
  ``Essex``, ``conseil``). A trailing ``*`` makes a keyword a prefix (``fuck*``
  matches ``fucking``). The words of a phrase may be separated by any run of spaces
  and punctuation, or by nothing (``son of a bitch``, ``sonofabitch``).
* Keywords holding Chinese or Japanese characters (or Thai, Khmer...) match as
  substrings, since those scripts put no spaces between words. One that starts
  (ends) with Katakana does not match right after (before) more Katakana: ``カス``
  (scum) does not match inside ``カスタマー`` (customer), nor ``バカ`` inside
  ``バカンス`` (holiday).
* Accents are ignored (``crétin`` matches ``cretin``, ``fück`` is ``fuck``) except the
  letters that a list's language treats as letters of their own (see
  :func:`own_letters`): the Danish ``nar`` (fool) does not match ``når`` (when).

All the keywords of a rule compile into one RE2 pattern (linear time, no
backtracking) searched once per message. Only when it matches does the rule find out
which words matched, with RE2 sets over the matched piece.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

from pydantic import Field

from policies.context import Context, Subject, Text
from policies.normalize import canonicalize, fold, has_unspaced
from policies.rule import Prefilter, Rule, RuleLoadError, RuleParams, rule
from policies.rules.regex import (
    PatternError,
    Re2Pattern,
    Re2Set,
    compile_re2,
    compile_re2_set,
    searcher,
)
from policies.verdict import Hit

__all__ = ["OWN_LETTERS", "KeywordsParams", "KeywordsRule", "keyword_pattern", "own_letters"]

OWN_LETTERS: Final[dict[str, str]] = {
    "da": "åæø",
    "de": "äöü",
    "es": "ñ",
    "et": "äõöü",
    "fi": "åäö",
    "fo": "áíóúýæøð",
    "is": "áéíóúýæöðþ",
    "nb": "åæø",
    "nn": "åæø",
    "no": "åæø",
    "sv": "åäö",
}
"""Letters that are letters of their own in a language's alphabet (see :func:`own_letters`)."""

_MAX_MEM: Final = 64 << 20
_MAX_OCCURRENCES: Final = 32

# Character classes, in RE2 syntax. Boundaries use the exact Unicode classes; the
# gaps inside keywords, repeated in every keyword, use a few ranges of punctuation
# and symbols (ASCII, Latin-1, general punctuation to dingbats and braille, CJK
# punctuation, small forms, emoji), which compile to a small program.
_WORD: Final = r"\pL\pN\pM"
_NOT_WORD: Final = rf"[^{_WORD}]"
_SPACE: Final = r"\t\n\x0B\f\r \x{85}\p{Z}"
_SEP: Final = (
    r"\x21-\x2F\x3A-\x40\x5B-\x60\x7B-\x7E\x{A1}-\x{BF}\x{D7}\x{F7}"
    r"\x{2010}-\x{2BFF}\x{2E00}-\x{2E7F}\x{3000}-\x{3004}\x{3008}-\x{303F}\x{30FB}"
    r"\x{FE10}-\x{FE6F}\x{1F000}-\x{1FAFF}"
)
_GAP: Final = f"[{_SEP}{_SPACE}]*"
_KATAKANA: Final = r"[\p{Katakana}\x{30FC}]"
_NOT_KATAKANA: Final = r"[^\p{Katakana}\x{30FC}]"


def own_letters(language: str) -> str:
    """Return the letters a language treats as letters of their own, not accented ones.

    Canonical text drops accents, which suits most lists (``crétin`` matches
    ``cretin``, ``jebać`` matches ``jebac``, ``fück`` is ``fuck``). Where a language
    has ordinary words that differ from a listed one only by such a letter, its lists
    keep the letter: Danish ``når`` (when) is not ``nar`` (fool), Spanish ``año`` is
    not ``ano``, German ``schwül`` (humid) is not ``schwul``.

    Args:
        language: A language code (``da``, ``da-DK``).

    Returns:
        The letters, lowercase; empty for most languages.
    """
    primary = language.replace("_", "-").split("-", 1)[0].casefold()
    return OWN_LETTERS.get(primary, "")


@dataclass(frozen=True, slots=True)
class _Keyword:
    """One listed entry: as listed, and its words once canonicalized."""

    entry: str
    language: str
    parts: tuple[str, ...]
    prefix: bool
    unspaced: bool


def _parts(canonical: str) -> tuple[str, ...]:
    """Return the runs of letters, digits and marks of a canonical keyword."""
    parts: list[str] = []
    current: list[str] = []
    for ch in canonical:
        if ch.isalnum() or unicodedata.category(ch)[0] == "M":
            current.append(ch)
        elif current:
            parts.append("".join(current))
            current = []
    if current:
        parts.append("".join(current))
    return tuple(parts)


def _read(entry: str, language: str, keep: str) -> _Keyword:
    """Return a listed entry read and canonicalized, keeping some letters.

    Raises:
        ValueError: If it is empty, normalizes to nothing or has a ``*`` other than
            at its end.
    """
    text = entry.strip()
    prefix = text.endswith("*")
    body = text.rstrip("*").strip()
    if not body:
        raise ValueError(f"entry {entry!r} is empty")
    if "*" in body:
        raise ValueError(f"entry {entry!r}: '*' may only end an entry (a prefix)")
    canonical = canonicalize(fold(body), keep)
    parts = _parts(canonical)
    if not parts:
        raise ValueError(f"entry {entry!r} has no letters or digits once normalized")
    return _Keyword(entry, language, parts, prefix, has_unspaced(canonical))


def _literal(ch: str) -> str:
    """Return one letter, digit or mark in RE2 syntax."""
    return ch if ch.isascii() and ch.isalnum() else f"\\x{{{ord(ch):x}}}"


def _solid(part: str) -> str:
    """Return the pattern of a word written solid: once, or three times and more."""
    out: list[str] = []
    i = 0
    while i < len(part):
        j = i
        while j < len(part) and part[j] == part[i]:
            j += 1
        letter, count = _literal(part[i]), j - i
        out.append(f"{letter}(?:{letter}{letter}+)?" if count == 1 else f"{letter}{{{count},}}")
        i = j
    return "".join(out)


def _spelled(part: str, spaced: bool) -> str:
    """Return the pattern of a word spelled out, one letter a piece."""
    gap = f"[{_SEP}{_SPACE}]+" if spaced else f"[{_SEP}]+"
    return gap.join(f"{_literal(ch)}+" for ch in part)


@dataclass(frozen=True, slots=True)
class _Shape:
    """What surrounds the keyword bodies of one kind: the boundaries before and after."""

    lead: str
    trail: str


# A prefix needs no boundary after it: whatever follows its stem, the word goes on
# or ends. Leaving it out keeps matches short on hostile text.
_SOLID: Final = _Shape(f"(?:^|{_NOT_WORD})", f"(?:{_NOT_WORD}|$)")
_SOLID_PREFIX: Final = _Shape(_SOLID.lead, "")
_SPELLED: Final = _Shape(f"(?:^|[{_SPACE}])[{_SEP}]*", f"[{_SEP}]*(?:[{_SPACE}]|$)")
_SPELLED_PREFIX: Final = _Shape(_SPELLED.lead, "")
_UNSPACED: Final = {
    (False, False): _Shape("", ""),
    (True, False): _Shape(f"(?:^|{_NOT_KATAKANA})", ""),
    (False, True): _Shape("", f"(?:{_NOT_KATAKANA}|$)"),
    (True, True): _Shape(f"(?:^|{_NOT_KATAKANA})", f"(?:{_NOT_KATAKANA}|$)"),
}


def _is_katakana(ch: str) -> bool:
    """Return whether a character is Katakana or the prolonged sound mark."""
    return 0x30A0 <= ord(ch) <= 0x30FF or 0x31F0 <= ord(ch) <= 0x31FF


def _forms(keyword: _Keyword, min_separated_length: int) -> list[tuple[_Shape, str]]:
    """Return the ways a keyword may be written: (shape, body pattern)."""
    if keyword.unspaced:
        body = _GAP.join("".join(_literal(ch) for ch in part) for part in keyword.parts)
        edges = (_is_katakana(keyword.parts[0][0]), _is_katakana(keyword.parts[-1][-1]))
        return [(_UNSPACED[edges], body)]
    forms = [
        (
            _SOLID_PREFIX if keyword.prefix else _SOLID,
            _GAP.join(_solid(part) for part in keyword.parts),
        )
    ]
    if any(len(part) > 1 for part in keyword.parts):
        spaced = [len(part) >= min_separated_length for part in keyword.parts]
        shape = _SPELLED_PREFIX if keyword.prefix else _SPELLED
        body = _GAP.join(_spelled(p, s) for p, s in zip(keyword.parts, spaced, strict=True))
        forms.append((shape, body))
    return forms


def keyword_pattern(entry: str, *, min_separated_length: int = 4) -> str:
    """Return the RE2 pattern that finds one listed entry in canonical text.

    Args:
        entry: A listed word or phrase; a trailing ``*`` makes it a prefix.
        min_separated_length: Fewest letters a word needs before whitespace may
            separate its letters.

    Returns:
        The alternatives (written solid, spelled out) with their boundaries.

    Raises:
        ValueError: If the entry is empty, normalizes to nothing or has a ``*`` other
            than at its end.
    """
    return "|".join(
        f"{shape.lead}(?:{body}){shape.trail}"
        for shape, body in _forms(_read(entry, "", ""), min_separated_length)
    )


@dataclass
class _Kind:
    """The bodies of one shape, and which keyword each belongs to."""

    shape: _Shape
    bodies: list[str] = field(default_factory=list)
    owners: list[int] = field(default_factory=list)


class _Matcher:
    """Keywords compiled into one RE2 pattern, with a set per shape to name them.

    The pattern has one group per shape, around the alternation of its bodies; a
    search costs one pass over the text whatever the number of keywords. When it
    matches, the piece a group caught is matched against the bodies of its shape,
    whole, in one RE2 set, which names every keyword written there.
    """

    def __init__(self, kinds: Iterable[_Kind]) -> None:
        self._kinds = [kind for kind in kinds if kind.bodies]
        self.pattern = "|".join(
            f"{k.shape.lead}({'|'.join(k.bodies)}){k.shape.trail}" for k in self._kinds
        )
        """Matches where any of the keywords is written (RE2 syntax)."""
        self._any: Re2Pattern = compile_re2(self.pattern, max_mem=_MAX_MEM)
        self._sets: list[Re2Set] = [
            compile_re2_set(kind.bodies, anchored=True, max_mem=_MAX_MEM) for kind in self._kinds
        ]
        self._search = searcher(self._any)
        self._each: list[list[Re2Pattern] | None] = [None] * len(self._kinds)
        self._groups = range(1, len(self._kinds) + 1)

    def _names(self, index: int, piece: bytes) -> Iterable[int]:
        """Return the keywords whose body of a shape is exactly a piece of text."""
        kind = self._kinds[index]
        found = self._sets[index].Match(piece)
        if found is None:
            # An RE2 set gives up when its DFA runs out of memory (a hostile piece):
            # try the bodies one by one.
            each = self._each[index]
            if each is None:
                each = [compile_re2(body, capture=False) for body in kind.bodies]
                self._each[index] = each
            found = [i for i, body in enumerate(each) if body.fullmatch(piece) is not None]
        return (kind.owners[i] for i in found)

    def find(self, text: str) -> set[int]:
        """Return the keywords a canonical text holds (the first occurrences)."""
        data = _utf8(text)
        search = self._search
        spans = search(data, 0)
        if spans is None:
            return set()  # the common case: no keyword at all
        found: set[int] = set()
        for _ in range(_MAX_OCCURRENCES):
            group = next((g for g in self._groups if spans and spans[g][0] >= 0), None)
            if spans is None or group is None:
                break
            start, end = spans[group]
            found.update(self._names(group - 1, data[start:end]))
            # The next occurrence may use the body's last character as its boundary
            # (``fuckバカ``): search again from the start of that character.
            last = end - 1
            while last > start and data[last] & 0xC0 == 0x80:
                last -= 1
            spans = search(data, last if last > start else end)
        return found


@functools.lru_cache(maxsize=64)
def _utf8(text: str) -> bytes:
    """Encode a canonical text once for all the keywords rules of a policy."""
    return text.encode("utf-8", "replace")


# Every keywords rule of a policy asks for the same text with the same letters kept.
_canonical_keeping = functools.lru_cache(maxsize=256)(canonicalize)


class KeywordsParams(RuleParams):
    """Parameters of the ``keywords`` rule.

    Attributes:
        words: Language code -> entries. An entry is a word or a phrase; a trailing
            ``*`` makes it a prefix (``fuck*`` matches ``fucking``).
        languages: The lists to use; empty uses every list, whatever the member's
            language.
        min_separated_length: Fewest letters a word needs before whitespace may
            separate its letters (``f u c k``); shorter words accept only
            punctuation between letters (``a.s.s``).
    """

    words: dict[str, list[str]]
    languages: list[str] = Field(default_factory=list)
    min_separated_length: int = Field(default=4, ge=1)


@rule("keywords")
class KeywordsRule(Rule[KeywordsParams]):
    """Flag messages that contain a listed word, however disguised.

    Args:
        rule_id: The rule's id in its policy.
        params: Its validated parameters.

    Raises:
        RuleLoadError: If an entry is empty or normalizes to nothing (``key`` is
            ``words.<language>``), a language in ``languages`` has no list, or no
            word is left to match.
    """

    Params = KeywordsParams
    editable_lists = ("words",)

    def __init__(self, rule_id: str, params: KeywordsParams) -> None:
        super().__init__(rule_id, params)
        for language in params.languages:
            if language not in params.words:
                raise RuleLoadError(f"language {language!r} has no list in words", key="languages")
        self._keywords: list[_Keyword] = []
        # Shapes by the letters their language keeps ("" for most); None: every keyword.
        kinds: dict[str | None, dict[_Shape, _Kind]] = {None: {}}
        seen: set[tuple[str, tuple[str, ...], bool]] = set()
        for language in params.languages or list(params.words):
            keep = own_letters(language)
            for entry in params.words[language]:
                try:
                    keyword = _read(entry, language, keep)
                except ValueError as error:
                    raise RuleLoadError(str(error), key=f"words.{language}") from None
                if (keep, keyword.parts, keyword.prefix) in seen:
                    continue
                seen.add((keep, keyword.parts, keyword.prefix))
                self._keywords.append(keyword)
                for shape, body in _forms(keyword, params.min_separated_length):
                    for group in (None, keep):
                        kind = kinds.setdefault(group, {}).setdefault(shape, _Kind(shape))
                        kind.bodies.append(body)
                        kind.owners.append(len(self._keywords) - 1)
        if not self._keywords:
            raise RuleLoadError("no words to match", key="words")
        every = kinds.pop(None)
        try:
            self._all = _Matcher(every.values())
            self._by_keep = {
                keep: _Matcher(group.values()) for keep, group in kinds.items() if keep is not None
            }
        except PatternError as error:
            raise RuleLoadError(f"words: {error}", key="words") from None
        # Letters that canonical text changes (``å``; ``ø`` stays anyway) and a list keeps.
        kept = {ch for keep in self._by_keep for ch in keep if canonicalize(ch) != ch}
        self._kept = re.compile(f"[{re.escape(''.join(sorted(kept)))}]") if kept else None

    def prefilter(self) -> Prefilter:
        """Return the search for every listed word in canonical text.

        A text with letters that one of the lists keeps (``å`` in a Danish list) is read
        another way (see :meth:`_find`): the prefilter leaves it undecided.
        """
        return Prefilter(
            "canonical",
            self._all.pattern,
            _MAX_MEM,
            undecided=None if self._kept is None else self._reads_kept_letters,
        )

    def _reads_kept_letters(self, text: Text) -> bool:
        """Return whether a text holds letters that one of the lists keeps."""
        folded = text.folded
        return self._kept is not None and not folded.isascii() and bool(self._kept.search(folded))

    def _find(self, text: Text) -> set[int]:
        """Return the keywords a text holds."""
        if not self._reads_kept_letters(text):
            # No letter that a language keeps: one search for every keyword.
            return self._all.find(text.canonical)
        found: set[int] = set()
        for keep, matcher in self._by_keep.items():
            found |= matcher.find(_canonical_keeping(text.folded, keep) if keep else text.canonical)
        return found

    def evaluate(self, subject: Subject, ctx: Context) -> Hit | None:
        """Return a hit naming the listed entries the message contains."""
        found = self._find(subject.text)
        if not found:
            return None
        keywords = [self._keywords[i] for i in sorted(found)]
        entries = tuple(dict.fromkeys(keyword.entry for keyword in keywords))
        return Hit(
            reason=f"contains a listed word: {', '.join(entries)}",
            matched=entries,
            evidence={"language": keywords[0].language},
        )

"""The ``regex`` rule type: messages that match one of a list of RE2 patterns.

Patterns are compiled with RE2 (google-re2), which runs in time linear in the text and
never backtracks: a pattern such as ``(a+)+$`` cannot stall the bot on a hostile
message. RE2 refuses what it cannot run that way (backreferences, lookarounds); such a
pattern is a load error naming its index.

This module also holds the small typed face of RE2 that other rule modules use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Final, Literal, Protocol

import re2  # type: ignore[import-untyped]  # google-re2 ships no type information
from pydantic import Field

from policies.context import Context, Subject, TextForm
from policies.rule import Prefilter, Rule, RuleLoadError, RuleParams, rule
from policies.verdict import Hit

__all__ = [
    "MAX_SHOWN",
    "MAX_SHOWN_CHARS",
    "PatternError",
    "Re2Match",
    "Re2Pattern",
    "Re2Set",
    "RegexParams",
    "RegexRule",
    "compile_re2",
    "compile_re2_set",
    "search_spans",
    "searcher",
]

MAX_SHOWN: Final = 5
"""The most matched substrings a hit lists."""

MAX_SHOWN_CHARS: Final = 100
"""The longest a listed substring may be; longer ones are cut."""

DEFAULT_MAX_MEM: Final = 32 << 20
"""Memory RE2 may use for one compiled pattern and its DFA cache (32 MiB)."""

_MAX_SCANNED: Final = 50


class PatternError(ValueError):
    """RE2 refused a pattern."""


class Re2Match(Protocol):
    """A match found by RE2 (what this project uses of it)."""

    def start(self, group: int = 0) -> int:
        """Return where the match (or a group) starts, -1 if the group did not take part."""
        ...

    def end(self, group: int = 0) -> int:
        """Return where the match (or a group) ends, -1 if the group did not take part."""
        ...

    @property
    def lastindex(self) -> int | None:
        """Return the last group that took part in the match."""
        ...


class Re2Pattern(Protocol):
    """A pattern compiled by RE2 (what this project uses of it)."""

    def search(self, text: bytes, pos: int = 0) -> Re2Match | None:
        """Return the leftmost match at or after ``pos``, if any."""
        ...

    def finditer(self, text: bytes) -> Iterator[Re2Match]:
        """Return the non-overlapping matches, left to right."""
        ...

    def fullmatch(self, text: bytes) -> Re2Match | None:
        """Return a match of the whole text, if any."""
        ...

    @property
    def programsize(self) -> int:
        """Return the size of the compiled program."""
        ...


class Re2Set(Protocol):
    """A set of RE2 patterns matched in one pass."""

    def Match(self, text: bytes) -> list[int] | None:  # noqa: N802 - RE2's name
        """Return the indices of the patterns that match somewhere, or None."""
        ...


def _options(*, ignorecase: bool, capture: bool, max_mem: int) -> object:
    """Return RE2 options: UTF-8, quiet, with the given case and capture settings."""
    options = re2.Options()
    options.log_errors = False
    options.case_sensitive = not ignorecase
    options.never_capture = not capture
    options.max_mem = max_mem
    return options


def _message(error: Exception) -> str:
    """Return RE2's error message as text."""
    detail = error.args[0] if error.args else error
    if isinstance(detail, bytes):
        return detail.decode("utf-8", "replace")
    return str(detail)


def compile_re2(
    pattern: str,
    *,
    ignorecase: bool = False,
    capture: bool = True,
    max_mem: int = DEFAULT_MAX_MEM,
) -> Re2Pattern:
    """Compile a pattern with RE2 for matching UTF-8 bytes.

    Args:
        pattern: RE2 syntax.
        ignorecase: Match letters in any case.
        capture: Keep capturing groups; without them a search costs less.
        max_mem: Memory budget of the program and its DFA cache.

    Returns:
        The compiled pattern.

    Raises:
        PatternError: If RE2 refuses the pattern (syntax it does not support, too big).
    """
    options = _options(ignorecase=ignorecase, capture=capture, max_mem=max_mem)
    try:
        compiled: Re2Pattern = re2.compile(pattern, options)
    except re2.error as error:
        raise PatternError(_message(error)) from None
    return compiled


Spans = list[tuple[int, int]]
"""Byte offsets of a match and of each group, ``(-1, -1)`` for a group that took no part."""

# google-re2's ``search`` builds a generator and a match object around one call into
# RE2; on the per-message path that wrapping costs more than the search. Where the
# compiled object exposes RE2's own ``Match`` (as google-re2 1.x does), call it directly.
_UNANCHORED: Final = getattr(getattr(re2, "_Anchor", None), "UNANCHORED", None)


Searcher = Callable[[bytes, int], "Spans | None"]
"""Finds the spans of the leftmost match in UTF-8 bytes at or after a position."""


def searcher(pattern: Re2Pattern) -> Searcher:
    """Return the fastest span search a compiled pattern allows (see :func:`search_spans`)."""
    raw = getattr(pattern, "_regexp", None)
    if raw is not None and _UNANCHORED is not None:
        match = raw.Match

        def fast(data: bytes, pos: int = 0) -> Spans | None:
            spans: Spans = match(_UNANCHORED, data, pos, len(data))
            return None if spans[0][0] < 0 else spans

        return fast

    def public(data: bytes, pos: int = 0) -> Spans | None:
        found = pattern.search(data, pos)
        if found is None:
            return None
        return [(found.start(g), found.end(g)) for g in range(_group_count(pattern) + 1)]

    return public


def search_spans(pattern: Re2Pattern, data: bytes, pos: int = 0) -> Spans | None:
    """Return the spans of the leftmost match in UTF-8 ``data`` at or after ``pos``.

    Args:
        pattern: A pattern from :func:`compile_re2`.
        data: The text, as UTF-8 bytes.
        pos: Where to start, in bytes.

    Returns:
        The spans (whole match first, then each group), or ``None`` when nothing matches.
    """
    return searcher(pattern)(data, pos)


def _group_count(pattern: Re2Pattern) -> int:
    return int(getattr(pattern, "groups", 0))


def compile_re2_set(
    patterns: list[str], *, anchored: bool = False, max_mem: int = DEFAULT_MAX_MEM
) -> Re2Set:
    """Compile patterns into an RE2 set that reports every one that matches.

    Args:
        patterns: RE2 syntax, each.
        anchored: Report the patterns that match the whole text, not a part of it.
        max_mem: Memory budget of the program and its DFA cache.

    Returns:
        The compiled set; ``Match`` returns indices into ``patterns``.

    Raises:
        PatternError: If RE2 refuses a pattern or the set.
    """
    options = _options(ignorecase=False, capture=False, max_mem=max_mem)
    try:
        built = re2.Set.FullMatchSet(options) if anchored else re2.Set.SearchSet(options)
        for pattern in patterns:
            built.Add(pattern)
        built.Compile()
    except re2.error as error:
        raise PatternError(_message(error)) from None
    compiled: Re2Set = built
    return compiled


class RegexParams(RuleParams):
    """Parameters of the ``regex`` rule.

    Attributes:
        patterns: RE2 patterns; a message matching any of them is a hit.
        flags: ``ignorecase`` to match letters in any case.
        target: Which form of the text to match: as posted, folded (NFKC, case-folded,
            invisible characters removed) or canonical (also de-obfuscated).
    """

    patterns: list[str] = Field(min_length=1)
    flags: list[Literal["ignorecase"]] = Field(default_factory=list)
    target: TextForm = "folded"


@rule("regex")
class RegexRule(Rule[RegexParams]):
    """Flag messages that match one of a list of RE2 patterns.

    Args:
        rule_id: The rule's id in its policy.
        params: Its validated parameters.

    Raises:
        RuleLoadError: If a pattern does not compile with RE2 (``key`` is
            ``patterns.<i>``) or matches the empty string, which would flag everything.
    """

    Params = RegexParams

    def __init__(self, rule_id: str, params: RegexParams) -> None:
        super().__init__(rule_id, params)
        ignorecase = "ignorecase" in params.flags
        for i, pattern in enumerate(params.patterns):
            try:
                compiled = compile_re2(pattern, ignorecase=ignorecase, capture=False)
            except PatternError as error:
                raise RuleLoadError(f"pattern {i}: {error}", key=f"patterns.{i}") from None
            if compiled.fullmatch(b"") is not None:
                raise RuleLoadError(
                    f"pattern {i}: matches the empty string, so it would match every message",
                    key=f"patterns.{i}",
                )
        combined = "|".join(f"(?:{pattern})" for pattern in params.patterns)
        try:
            self._pattern = compile_re2(combined, ignorecase=ignorecase, capture=False)
        except PatternError as error:
            raise RuleLoadError(f"patterns: {error}", key="patterns") from None
        self._search = searcher(self._pattern)
        self._target = params.target
        self._prefilter = Prefilter(params.target, combined, DEFAULT_MAX_MEM, ignorecase=ignorecase)

    def prefilter(self) -> Prefilter:
        """Return the rule's own search: a message that matches none of its patterns passes."""
        return self._prefilter

    def evaluate(self, subject: Subject, ctx: Context) -> Hit | None:
        """Return a hit listing what matched (at most 5 pieces of 100 characters)."""
        text = subject.text.form(self._target)
        data = text.encode("utf-8", "surrogatepass")
        if self._search(data, 0) is None:
            return None  # most messages match nothing: one quick search decides
        shown: dict[str, None] = {}
        for scanned, match in enumerate(self._pattern.finditer(data)):
            start, end = match.start(), match.end()
            if end > start:
                piece = data[start:end].decode("utf-8", "replace")[:MAX_SHOWN_CHARS]
                shown.setdefault(piece)
                if len(shown) >= MAX_SHOWN:
                    break
            if scanned >= _MAX_SCANNED:
                break
        if not shown:
            return None
        return Hit(
            reason=f"matches a pattern: {', '.join(repr(p) for p in shown)}",
            matched=tuple(shown),
            evidence={"target": self._target},
        )

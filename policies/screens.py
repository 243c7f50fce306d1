"""Screen runs of rules with one search: most messages match none of their patterns.

Keyword lists and regex rules each search the message once. Where several follow each
other in a policy and search the same form of the text, their patterns are united into one
RE2 search, and the rules are asked only when it finds something. Besides the search
itself, each search lets go of Python's lock (google-re2 always does), and while another
thread waits for the lock, getting it back costs more than the search: one search in place
of several saves most of that.

A burst of messages (a busy channel, a flood) can be screened ahead with fewer searches
still: their texts are joined by line breaks and searched as lines, and a search goes on
from the line after each find. The answers are kept for the judging that follows.
"""

from __future__ import annotations

import bisect
import contextlib
import itertools
import re
from collections.abc import Iterable, Sequence
from typing import Final

from policies._recent import RecentAnswers
from policies.context import Subject, Text, TextForm
from policies.rule import Prefilter
from policies.rules.regex import PatternError, Searcher, compile_re2, searcher

__all__ = ["READ_AHEAD_CHARS", "UnitedScreen", "united_screen"]

READ_AHEAD_CHARS: Final = 1_000
"""Longer texts are not screened ahead: their own search costs little beside reading them."""
_KEPT_ANSWERS: Final = 512
"""Answers kept per generation (see ``RecentAnswers``): about a burst's; a dropped answer
costs only the search it saved."""
# What makes a match depend on more than the line it is in: the start or end of the whole
# text (\A, \z; \Z is refused by RE2 but costs nothing to check), or multi-line mode
# switched off inside a pattern. Any backslash before A, z or Z counts: a false alarm only
# costs screening ahead.
_NOT_LINEWISE: Final = re.compile(r"\\[AzZ]|\(\?[A-Za-z]*-")


class UnitedScreen:
    """One search that answers ``False`` only when no prefilter of a run matches a text.

    Args:
        prefilters: Prefilters of rules that follow each other, all on one form of the text.

    Raises:
        ValueError: If the prefilters search different forms of the text.
        PatternError: If RE2 cannot unite the patterns.
    """

    def __init__(self, prefilters: Sequence[Prefilter]) -> None:
        forms = {p.form for p in prefilters}
        if len(forms) != 1:
            raise ValueError(f"prefilters on different forms of the text: {sorted(forms)}")
        self.form: TextForm = forms.pop()
        # One set of options serves all: case is set group by group.
        union = "|".join(f"(?{'i' if p.ignorecase else ''}:{p.pattern})" for p in prefilters)
        max_mem = sum(p.max_mem for p in prefilters)
        self._search = searcher(compile_re2(union, capture=False, max_mem=max_mem))
        self._lines: Searcher | None = None
        if not any(_NOT_LINEWISE.search(p.pattern) for p in prefilters):
            # In multi-line mode ^ and $ also match at each line's start and end, so a
            # text's match stays a match when the text is one line among others.
            with contextlib.suppress(PatternError):  # then texts are screened one by one
                lines = compile_re2(f"(?m){union}", capture=False, max_mem=max_mem)
                self._lines = searcher(lines)
        self._undecided = [p.undecided for p in prefilters if p.undecided is not None]
        self._answers: RecentAnswers[str, bool] = RecentAnswers(_KEPT_ANSWERS)

    def __call__(self, subject: Subject) -> bool:
        """Return ``False`` only when none of the run's rules can match the subject."""
        text = subject.text
        for undecided in self._undecided:
            if undecided(text):
                return True
        searched = text.form(self.form)
        known = self._answers.get(searched)
        if known is not None:
            return known
        try:
            data = searched.encode("utf-8")
        except UnicodeEncodeError:
            return True  # a lone surrogate: each rule encodes it its own way
        return self._search(data, 0) is not None

    def read_ahead(self, texts: Iterable[Text]) -> None:
        """Screen many texts with one search, and one or two more for each that matches.

        The answers are kept for :meth:`__call__`. A text that matches, or that a match
        reaching over from it touches, counts as a maybe: its rules are asked, as they
        would be for a match of its own. A text that comes twice (a flood) is searched once.

        Args:
            texts: Texts about to be judged (a burst of messages).
        """
        if self._lines is None:
            return
        lines: list[str] = []
        encoded: list[bytes] = []
        for searched in dict.fromkeys(text.form(self.form) for text in texts):
            if len(searched) > READ_AHEAD_CHARS or self._answers.get(searched) is not None:
                continue
            try:
                encoded.append(searched.encode("utf-8"))
            except UnicodeEncodeError:
                continue  # judged as it comes (a maybe)
            lines.append(searched)
        if not lines:
            return
        data = b"\n".join(encoded)
        starts = list(itertools.accumulate((len(e) + 1 for e in encoded[:-1]), initial=0))
        found = [False] * len(lines)
        search = self._lines
        position = 0
        while (spans := search(data, position)) is not None:
            # The leftmost match from the start of a line: none begins between there and
            # it, so every line before the one it begins in is clear.
            begins = spans[0][0]
            line = bisect.bisect_right(starts, begins) - 1
            if line + 1 == len(lines):
                found[line] = True
                break
            position = starts[line + 1]
            # A match that begins on the line break (a pattern led by a non-word character
            # takes it) is most often the next line's: ask this line alone.
            at_break = begins == position - 1
            found[line] = not at_break or self._search(encoded[line], 0) is not None
        for searched, maybe in zip(lines, found, strict=True):
            self._answers.put(searched, maybe)


def united_screen(prefilters: Sequence[Prefilter]) -> UnitedScreen | None:
    """Return one screen for a run of rules, when it saves searches.

    A lone rule gets a screen too. Judged one message at a time it costs the rule's own
    search, and one more only when that search finds something; in a burst read ahead, it
    joins the burst's single search instead of searching every message.

    Args:
        prefilters: Prefilters of rules that follow each other, all on one form of the text.

    Returns:
        The screen, or ``None`` when there is no prefilter or RE2 cannot unite them (each
        rule then searches alone).

    Raises:
        ValueError: If the prefilters search different forms of the text.
    """
    if not prefilters:
        return None
    try:
        return UnitedScreen(prefilters)
    except PatternError:
        return None

"""Screen runs of rules with one search: most messages match none of their patterns.

Keyword lists and regex rules each search the message once. Where several follow each
other in a policy and search the same form of the text, their patterns are united into one
RE2 search, and the rules are asked only when it finds something. Besides the search
itself, each search lets go of Python's lock (google-re2 always does), and while another
thread waits for the lock, getting it back costs more than the search: one search in place
of several saves most of that.
"""

from __future__ import annotations

from collections.abc import Sequence

from policies.context import Subject
from policies.rule import Prefilter, Screen
from policies.rules.regex import PatternError, compile_re2, searcher

__all__ = ["united_screen"]


def united_screen(prefilters: Sequence[Prefilter]) -> Screen | None:
    """Return one test that answers ``False`` only when none of the prefilters matches.

    Args:
        prefilters: Prefilters of rules that follow each other, all on one form of the text.

    Returns:
        The screen, or ``None`` when there are fewer than two prefilters (a rule's own
        search costs as much) or RE2 cannot unite them (each rule then searches alone).

    Raises:
        ValueError: If the prefilters search different forms of the text.
    """
    if len(prefilters) < 2:
        return None
    forms = {p.form for p in prefilters}
    if len(forms) != 1:
        raise ValueError(f"prefilters on different forms of the text: {sorted(forms)}")
    try:
        union = compile_re2(
            # One set of options serves all: case is set group by group.
            "|".join(f"(?{'i' if p.ignorecase else ''}:{p.pattern})" for p in prefilters),
            capture=False,
            max_mem=sum(p.max_mem for p in prefilters),
        )
    except PatternError:
        return None
    search = searcher(union)
    form = forms.pop()
    undecided = [p.undecided for p in prefilters if p.undecided is not None]

    def may_match(subject: Subject) -> bool:
        text = subject.text
        if undecided and any(check(text) for check in undecided):
            return True
        try:
            data = text.form(form).encode("utf-8")
        except UnicodeEncodeError:
            return True  # a lone surrogate: each rule encodes it its own way
        return search(data, 0) is not None

    return may_match

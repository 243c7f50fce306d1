"""Count the searches that policy screens make, for tests of reading bursts ahead."""

from __future__ import annotations

import pytest

from policies import screens
from policies.rules.regex import Re2Pattern, Searcher, Spans, searcher


def count_screen_searches(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count every search of the screens built from now on: one entry (its start) a search."""
    searches: list[int] = []

    def counting(pattern: Re2Pattern) -> Searcher:
        search = searcher(pattern)

        def counted(data: bytes, position: int = 0) -> Spans | None:
            searches.append(position)
            return search(data, position)

        return counted

    monkeypatch.setattr(screens, "searcher", counting)
    return searches

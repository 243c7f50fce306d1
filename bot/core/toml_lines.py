"""Find the line of a key in a TOML text, so config errors can point at it.

``tomllib`` keeps no positions, and pydantic reports a key path only. This scanner
follows table headers, arrays of tables and dotted keys line by line, which covers how
people write configuration files; multi-line strings are skipped so their contents are
never taken for keys.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_KEY = re.compile(
    r"""^\s*((?:"[^"]*"|'[^']*'|[A-Za-z0-9_-]+)(?:\s*\.\s*(?:"[^"]*"|'[^']*'|[A-Za-z0-9_-]+))*)\s*="""
)
_PART = re.compile(r"""\s*("[^"]*"|'[^']*'|[A-Za-z0-9_-]+)\s*(?:\.|$)""")


def _split_key(text: str) -> list[str]:
    return [p.strip("\"'") for p in _PART.findall(text)]


def locate(text: str, path: Sequence[str | int]) -> int | None:
    """Return the 1-based line where ``path`` is defined, or the closest enclosing line.

    Args:
        text: The TOML document.
        path: Keys from the root, as pydantic reports them; integers index arrays of tables.

    Returns:
        The line of the key itself when found; else the line of the deepest table on the
        path that was found; ``None`` when nothing on the path appears in the text.
    """
    wanted = [str(p) for p in path]
    best_line: int | None = None
    best_depth = 0
    table: list[str] = []
    array_counts: dict[tuple[str, ...], int] = {}
    in_multiline: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if in_multiline is not None:
            if line.count(in_multiline) % 2 == 1:
                in_multiline = None
            continue
        header = _HEADER.match(line)
        if header:
            keys = _split_key(header.group(2))
            if header.group(1) == "[[":
                index = array_counts.get(tuple(keys), -1) + 1
                array_counts[tuple(keys)] = index
                keys = [*_indexed(keys[:-1], array_counts), keys[-1], str(index)]
            else:
                keys = _indexed(keys, array_counts)
            table = keys
            depth = _common(table, wanted)
            # [cogs.welcome] defines the table "cogs" too, where no [cogs] header does.
            if depth in {len(table), len(wanted)} and depth > best_depth:
                best_line, best_depth = number, depth
            continue
        key = _KEY.match(line)
        if key:
            full = table + _split_key(key.group(1))
            depth = _common(full, wanted)
            if depth == len(full) and depth > best_depth:
                best_line, best_depth = number, depth
            for quote in ('"""', "'''"):
                if line.count(quote) % 2 == 1:
                    in_multiline = quote
    return best_line


def _indexed(keys: list[str], array_counts: dict[tuple[str, ...], int]) -> list[str]:
    """Insert the current index after every prefix that names an array of tables.

    ``[rules.params]`` after the third ``[[rules]]`` is ``rules.2.params``.
    """
    out: list[str] = []
    plain: list[str] = []
    for key in keys:
        out.append(key)
        plain.append(key)
        index = array_counts.get(tuple(plain))
        if index is not None:
            out.append(str(index))
    return out


def _common(have: list[str], wanted: list[str]) -> int:
    depth = 0
    for a, b in zip(have, wanted, strict=False):
        if a != b:
            break
        depth += 1
    return depth

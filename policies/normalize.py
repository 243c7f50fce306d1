"""Normalize message text once, into the forms rules compare.

:func:`normalize` returns a :class:`~policies.context.Text` with three forms:

``original``
    The text as posted.

``folded``
    Invisible characters removed (Unicode format characters, category Cf, such as
    U+200B..U+200F, U+2060, U+FEFF and the bidi controls U+202A..U+202E and
    U+2066..U+2069, plus the other default-ignorable code points: variation selectors,
    the combining grapheme joiner, Hangul fillers), lone surrogates replaced with
    U+FFFD, runs of combining marks cut to 30 (the Unicode stream-safe limit, which
    also keeps normalization linear), then NFKC and case folding. Still readable.

``canonical``
    ``folded`` with obfuscation resolved, for keyword and duplicate matching:

    1. Combining marks go unless they sit on a letter of a script other than Latin,
       Greek or Cyrillic: ``é`` becomes ``e`` and zalgo disappears, while Japanese
       ``が`` (``か`` with a dakuten) and Hindi or Hebrew marks stay.
    2. Latin, Greek and Cyrillic letters that look like a Latin letter become it
       (Cyrillic ``а`` and ``о``, Greek ``ο`` and ``ν``, small capitals ``ᴄ``): the
       table is built once, at import, from the data that ships with the
       ``confusable_homoglyphs`` package. Fullwidth and mathematical letters are
       plain already, after NFKC.
    3. Leetspeak inside words is read as letters, by the rule in :func:`unleet`.

Repeated letters and separators are kept: collapsing them is the matcher's job, so
that ``as`` never becomes ``ass``.

Every function here is total (any ``str``: lone surrogates, NUL, bidi controls),
idempotent (``normalize(t.folded).folded == t.folded`` and
``normalize(t.canonical).canonical == t.canonical``) and linear in its input.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from collections.abc import Callable, Iterable
from importlib import resources
from typing import Any, Final

from policies.context import Text

__all__ = [
    "HOMOGLYPHS",
    "LEET_DIGITS",
    "LEET_SYMBOLS",
    "MAX_COMBINING",
    "UNSPACED_RANGES",
    "canonicalize",
    "fold",
    "has_unspaced",
    "normalize",
    "strip_marks",
    "to_latin",
    "unleet",
]

MAX_COMBINING: Final = 30
"""The most combining marks kept in a row (Unicode's stream-safe text format)."""

LEET_SYMBOLS: Final[dict[str, str]] = {"$": "s", "@": "a", "!": "i", "|": "l"}
"""Symbols read as letters inside words (see :func:`unleet`)."""

LEET_DIGITS: Final[dict[str, str]] = {
    "0": "o",
    "1": "i",
    "3": "e",
    "4": "a",
    "5": "s",
    "7": "t",
    "8": "b",
    "9": "g",
}
"""Digits read as letters inside words with at least two letters (see :func:`unleet`)."""

UNSPACED_RANGES: Final[tuple[tuple[int, int], ...]] = (
    (0x0E00, 0x0EFF),  # Thai, Lao
    (0x1000, 0x109F),  # Myanmar
    (0x1780, 0x17FF),  # Khmer
    (0x3005, 0x3007),  # ideographic iteration mark, closing mark, number zero
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3100, 0x312F),  # Bopomofo
    (0x31F0, 0x31FF),  # Katakana phonetic extensions
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xA000, 0xA4CF),  # Yi
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFF66, 0xFF9F),  # halfwidth Katakana
    (0x20000, 0x3FFFF),  # CJK extensions B and later
)
"""Scripts written without spaces between words (Chinese, Japanese, Thai...)."""

# Letters of these scripts lose their marks; the first three may be mapped to Latin.
_STRIPPED_SCRIPTS: Final = frozenset({"LATIN", "GREEK", "CYRILLIC", "COMMON", "INHERITED"})

# Default-ignorable code points that are not format characters (DerivedCoreProperties).
_IGNORABLE_NON_CF: Final = (
    (0x034F, 0x034F),  # combining grapheme joiner
    (0x115F, 0x1160),  # Hangul choseong and jungseong fillers
    (0x17B4, 0x17B5),  # Khmer inherent vowels
    (0x180B, 0x180F),  # Mongolian free variation selectors
    (0x2065, 0x2065),  # reserved in the invisible operators block
    (0x3164, 0x3164),  # Hangul filler
    (0xFE00, 0xFE0F),  # variation selectors
    (0xFFA0, 0xFFA0),  # halfwidth Hangul filler
    (0xFFF0, 0xFFF8),  # reserved specials
    (0xE0000, 0xE0FFF),  # tags, variation selectors supplement, reserved
)

# Python's re tests the supplementary-plane ranges of a character class one by one on
# every character, so the classes below are exact in the Basic Multilingual Plane and
# cover the first supplementary plane below the emoji (historic scripts, musical and
# mathematical symbols) with one range. Text holding such a character takes exact,
# slower paths. Emoji (U+1F000 and up) and CJK extensions stay on the fast paths.
_EXOTIC: Final = (0x10000, 0x1EFFF)


def _ranges(code_points: Iterable[int]) -> list[tuple[int, int]]:
    """Return code points as sorted inclusive ranges."""
    out: list[tuple[int, int]] = []
    for cp in sorted(set(code_points)):
        if out and cp == out[-1][1] + 1:
            out[-1] = (out[-1][0], cp)
        else:
            out.append((cp, cp))
    return out


def _members(ranges: Iterable[tuple[int, int]]) -> str:
    """Return the inside of a ``re`` character class for code point ranges."""
    return "".join(f"\\U{a:08x}" if a == b else f"\\U{a:08x}-\\U{b:08x}" for a, b in sorted(ranges))


def _bmp(code_points: Iterable[int]) -> list[tuple[int, int]]:
    """Return the ranges of the code points below U+10000."""
    return _ranges(cp for cp in code_points if cp < 0x10000)


def _load_package_json(name: str) -> Any:
    """Return a JSON data file shipped with the ``confusable_homoglyphs`` package."""
    data = resources.files("confusable_homoglyphs").joinpath(name).read_text(encoding="utf-8")
    return json.loads(data)


def _scan_unicode() -> tuple[frozenset[int], frozenset[int]]:
    """Return the invisible code points and the combining marks (categories Mn, Mc, Me)."""
    invisible = {cp for a, b in _IGNORABLE_NON_CF for cp in range(a, b + 1)}
    marks: set[int] = set()
    for plane in (range(0x20000), range(0xE0000, 0xE1000)):
        for cp in plane:
            category = unicodedata.category(chr(cp))
            if category == "Cf":
                invisible.add(cp)
            elif category[0] == "M":
                marks.add(cp)
    return frozenset(invisible), frozenset(marks - invisible)


def _stripped_letters() -> frozenset[str]:
    """Return the letters whose combining marks canonical text removes.

    Those of Latin, Greek, Cyrillic and of no script in particular (modifier and
    mathematical letters), by the script data of ``confusable_homoglyphs``.
    """
    data = _load_package_json("categories.json")
    aliases: list[str] = data["iso_15924_aliases"]
    letters: set[str] = set()
    for first, last, script, _category in data["code_points_ranges"]:
        if aliases[script] in _STRIPPED_SCRIPTS:
            letters.update(ch for ch in map(chr, range(first, last + 1)) if ch.isalpha())
    return frozenset(letters)


def _homoglyphs() -> dict[str, str]:
    """Return folded Latin, Greek and Cyrillic letters that look like a Latin letter.

    From the ``confusable_homoglyphs`` data, keeping single letters whose lookalike is
    an ASCII letter. A key is the letter as folding leaves it (Cyrillic ``К`` folds to
    ``к``, which then maps to ``k``). When a letter has several lookalikes, one of the
    letter itself beats one of its other case (Greek ``υ`` looks like ``u``, its
    capital like ``Y``), then lowercase beats uppercase, then the alphabet decides.
    """
    data: dict[str, list[dict[str, str]]] = _load_package_json("confusables.json")
    best: dict[str, tuple[tuple[int, int, str], str]] = {}
    for source, lookalikes in data.items():
        if len(source) != 1 or source.isascii() or not source.isalpha():
            continue
        if not unicodedata.name(source, "").startswith(("LATIN ", "GREEK ", "CYRILLIC ")):
            continue
        key = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", source).casefold())
        if len(key) != 1 or key.isascii() or not key.isalpha():
            continue
        for lookalike in lookalikes:
            target = lookalike["c"]
            if len(target) != 1 or not target.isascii() or not target.isalpha():
                continue
            rank = (0 if source == key else 1, 0 if target.islower() else 1, target.lower())
            if key not in best or rank < best[key][0]:
                best[key] = (rank, target.lower())
    return {key: target for key, (_rank, target) in sorted(best.items())}


_INVISIBLE_CPS, _MARK_CPS = _scan_unicode()
_MARKS: Final = frozenset(map(chr, _MARK_CPS))
_STRIPPED: Final = _stripped_letters()

HOMOGLYPHS: Final[dict[str, str]] = _homoglyphs()
"""Folded letter -> the Latin letter it looks like, from ``confusable_homoglyphs``."""


def _letter_map() -> dict[str, str]:
    """Return what canonical text makes of single characters of the BMP.

    Precomposed characters lose their marks unless they are letters of a script other
    than Latin, Greek and Cyrillic (``é`` -> ``e``, ``≠`` -> ``=``, ``が`` stays), then
    homoglyphs become Latin (``ӗ`` -> ``е`` -> ``e``).
    """
    table: dict[str, str] = dict(HOMOGLYPHS)
    for ch in map(chr, range(0x10000)):
        if ch.isalpha() and ch not in _STRIPPED:
            continue
        decomposed = unicodedata.normalize("NFD", ch)
        if decomposed != ch and any(c in _MARKS for c in decomposed):
            bare = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _MARKS))
            table[ch] = "".join(HOMOGLYPHS.get(c, c) for c in bare)
    return {ch: out for ch, out in sorted(table.items()) if out != ch}


_LETTERS: Final = _letter_map()
_U: Final = _members(UNSPACED_RANGES)
_M: Final = _members(_bmp(_MARK_CPS))
_X: Final = _members([_EXOTIC])

_EXOTIC_RE: Final = re.compile(f"[{_X}]")

# fold: one class finds anything to clean; then each step checks for its own.
_FOLD_TABLE: Final[dict[int, str | None]] = {
    **dict.fromkeys(_INVISIBLE_CPS),
    **dict.fromkeys(range(0xD800, 0xE000), "\ufffd"),
}
_INVISIBLE_RE: Final = re.compile(f"[{_members(_ranges(_INVISIBLE_CPS))}\\ud800-\\udfff]")
_FOLD_GATE_RE: Final = re.compile(
    f"[{_members(_bmp(_INVISIBLE_CPS))}\\ud800-\\udfff{_M}\\uff01-\\uff5e{_X}\\U000e0000-\\U000e0fff]"
)
_LONG_MARKS_RE: Final = re.compile(f"([{_M}{_X}]{{{MAX_COMBINING}}})[{_M}{_X}]+")
_FULLWIDTH_RE: Final = re.compile("[\\uff01-\\uff5e]")

# canonical: marks and letters to map.
_CANON_GATE_RE: Final = re.compile(f"[{_M}{_X}{_members(_bmp(map(ord, _LETTERS)))}]")
_MARK_RE: Final = re.compile(f"[{_M}{_X}]")
_ALL_MARKS_RE: Final = re.compile(f"[{_M}]+")
_NOT_ASCII_OR_ACCENT_RE: Final = re.compile("[^\\x00-\\x7f\\u0300-\\u036f]")
_K: Final = _members(
    _bmp(cp for cp in range(0x10000) if chr(cp).isalpha() and chr(cp) not in _STRIPPED)
)
_KEEPS_MARKS_RE: Final = re.compile(f"[{_K}{_U}{_X}]")
# A run of marks that follows neither a letter of another script nor a mark. Used on
# text without exotic characters, where the classes are exact.
_STRAY_MARKS_RE: Final = re.compile(f"[{_M}](?<![{_K}{_U}{_M}][{_M}])[{_M}]*")
_MARK_OR_EXOTIC_RUN_RE: Final = re.compile(f"[{_M}{_X}]+")

# unleet: a run is a maximal stretch of word characters of spaced scripts and the leet
# symbols. The pattern matches a character outside any run (the caller puts a space
# first) and the run after it, if that run may change: a letter somewhere, and a digit
# or ``$``, or a symbol between other characters. _unleet_run applies the exact rule.
# The pattern starts with a class, so the scan skips ahead to run starts, and its
# possessive quantifiers never backtrack: the scan is linear.
_UNSPACED_BMP: Final = frozenset(
    cp for a, b in UNSPACED_RANGES if a < 0x10000 for cp in range(a, b + 1)
)


def _spaced(test: Callable[[str], bool]) -> str:
    """Return a class (inside) of the characters of spaced scripts that pass a test.

    Exact in the BMP, covering the exotic plane-1 range. Explicit ranges compile to a
    bitmap; the classes word and digit inside a class would make ``re`` test each
    character against every other range in turn.
    """
    chosen = (cp for cp in range(0x10000) if cp not in _UNSPACED_BMP and test(chr(cp)))
    return _members([*_ranges(chosen), _EXOTIC])


_W: Final = _spaced(lambda ch: ch.isalnum() or ch == "_")  # word characters: \w
_L: Final = _spaced(  # \w but \d: letters
    lambda ch: (ch.isalnum() or ch == "_") and unicodedata.category(ch) != "Nd"
)
_WL: Final = _spaced(lambda ch: (ch.isalnum() or ch == "_") and not "0" <= ch <= "9")
_D: Final = _spaced(lambda ch: unicodedata.category(ch) == "Nd")  # \d
_LEET_RUN_RE: Final = re.compile(
    f"[^{_W}$@!|]"  # the character before the run
    f"(?=[{_D}$@!|]*+[{_L}])"  # a letter in the run
    f"[@!|]*+[{_WL}]*+(?:[0-9$]|[@!|]++[{_W}$])"  # a digit, $ or a symbol inside
    f"[{_W}$@!|]*+"  # the rest of the run
)
_EDGE_SYMBOLS: Final = "@!|"
_SYMBOL_TABLE: Final = str.maketrans(LEET_SYMBOLS)
_DIGIT_TABLE: Final = str.maketrans(LEET_DIGITS)
_NOT_LETTER_RE: Final = re.compile(r"[\W\d_]+")
# A cheap first look, on bytes: letters (and the bytes of other characters) become
# ``a``, digits and ``$`` become ``d``, ``@ ! |`` become ``!``, the rest a space.
_CLASS_BYTES: Final = bytes.maketrans(
    bytes(range(256)),
    bytes(
        ord(
            " "
            if 0xE4 <= i <= 0xE9  # leads U+4000..U+9FFF: Chinese characters end runs
            else "a"
            if i >= 0x80 or chr(i).isalpha() or chr(i) == "_"
            else "d"
            if chr(i).isdigit() or chr(i) == "$"
            else "!"
            if chr(i) in "@!|"
            else " "
        )
        for i in range(256)
    ),
)
# Symbols between run characters; the lookbehind runs only at a symbol.
_INTERIOR_RE: Final = re.compile(rb"!(?<=[ad]!)!*+[ad]")
_UNSPACED_RE: Final = re.compile(f"[{_U}]")


def has_unspaced(text: str) -> bool:
    """Return whether a text holds a character of a script written without spaces.

    Args:
        text: Any string.

    Returns:
        True for Chinese, Japanese, Thai, Lao, Khmer, Myanmar, Yi characters.
    """
    return _UNSPACED_RE.search(text) is not None


def _cut_marks(match: re.Match[str]) -> str:
    """Return a run of marks cut to :data:`MAX_COMBINING` (the class over-covers)."""
    run = match.group()
    if max(run) < "\U00010000":
        return match.group(1)
    kept: list[str] = []
    marks = 0
    for ch in run:
        marks = marks + 1 if ch in _MARKS else 0
        if marks <= MAX_COMBINING:
            kept.append(ch)
    return "".join(kept)


def _fullwidth(match: re.Match[str]) -> str:
    """Return the ASCII character a fullwidth form stands for (as NFKC does)."""
    return chr(ord(match.group()) - 0xFEE0)


def fold(text: str) -> str:
    """Return the folded form of a text: visible, NFKC, case-folded.

    Args:
        text: Any string.

    Returns:
        The folded text; ``fold(fold(t)) == fold(t)``.
    """
    if text.isascii():
        return text.lower()
    marked = False
    if _FOLD_GATE_RE.search(text) is not None:
        if _INVISIBLE_RE.search(text) is not None:
            text = text.translate(_FOLD_TABLE)
        if _MARK_RE.search(text) is not None:
            marked = True
            text = _LONG_MARKS_RE.sub(_cut_marks, text)
        if _FULLWIDTH_RE.search(text) is not None:
            # What NFKC does, without its slow path (~150 ns a character).
            text = _FULLWIDTH_RE.sub(_fullwidth, text)
    text = unicodedata.normalize("NFKC", text)
    text = unicodedata.normalize("NFKC", text.casefold())
    if marked:
        # Decomposition lengthens runs of marks (U+0344 is two): cut them again.
        text = _LONG_MARKS_RE.sub(_cut_marks, text)
    return text


def _strip_run_exact(match: re.Match[str]) -> str:
    """Return what stays of a run of marks and exotic characters."""
    text = match.string
    start = match.start()
    base = text[start - 1] if start else ""
    kept: list[str] = []
    for ch in match.group():
        if ch not in _MARKS:
            base = ch
            kept.append(ch)
        elif base.isalpha() and base not in _STRIPPED:
            kept.append(ch)
    return "".join(kept)


def strip_marks(text: str) -> str:
    """Remove combining marks but those on letters of scripts other than Latin/Greek/Cyrillic.

    Precomposed letters keep theirs: :func:`to_latin` maps them.

    Args:
        text: Folded text.

    Returns:
        The text without those marks: zalgo goes, the dakuten of ``が`` stays.
    """
    if text.isascii() or _MARK_RE.search(text) is None:
        return text
    if _EXOTIC_RE.search(text) is None:
        return _STRAY_MARKS_RE.sub("", text)
    return _MARK_OR_EXOTIC_RUN_RE.sub(_strip_run_exact, text)


@functools.lru_cache(maxsize=32)
def _latin_map(keep: str) -> tuple[dict[str, str], dict[int, str], re.Pattern[str]]:
    """Return the letter map without the letters to keep, as a dict, a table, a class."""
    letters = {ch: out for ch, out in _LETTERS.items() if ch not in keep}
    return letters, str.maketrans(letters), re.compile(f"[{_members(_bmp(map(ord, letters)))}]")


def to_latin(text: str, keep: str = "") -> str:
    """Map Latin, Greek and Cyrillic letters to the plain Latin letter they show.

    Precomposed letters lose their marks (``é`` -> ``e``, ``ё`` -> ``e``) and letters in
    :data:`HOMOGLYPHS` become the Latin letter they look like (Cyrillic ``о`` -> ``o``).

    Args:
        text: Folded text.
        keep: Letters to leave as they are: letters of their own in some alphabet,
            such as Danish ``å`` (``når`` is not ``nar``).

    Returns:
        The mapped text.
    """
    if text.isascii():
        return text
    letters, table, pattern = _latin_map(keep)
    if pattern.search(text) is None:
        return text
    # A few letters to map (French, Polish) cost less one by one; many (Greek,
    # Cyrillic) cost less with one translation of the whole text.
    if len(text.encode("utf-8", "surrogatepass")) - len(text) <= 12:
        return pattern.sub(lambda match: letters[match.group()], text)
    return text.translate(table)


def _unleet_run(match: re.Match[str]) -> str:
    """Return a separator and the run after it with its leetspeak read (see :func:`unleet`)."""
    found = match.group()
    separator, run = found[0], found[1:]
    body = run.lstrip(_EDGE_SYMBOLS)
    core = body.rstrip(_EDGE_SYMBOLS)
    read = core.translate(_SYMBOL_TABLE)
    letters = len(_NOT_LETTER_RE.sub("", read))
    if letters == 0:
        return found
    if letters >= 2:
        read = read.translate(_DIGIT_TABLE)
    return separator + run[: len(run) - len(body)] + read + body[len(core) :]


def _may_unleet(text: str) -> bool:
    """Return False when no run of a text can change (a cheap look at its bytes)."""
    classes = text.encode("utf-8", "surrogatepass").translate(_CLASS_BYTES)
    if b"d" in classes and (b"ad" in classes or b"da" in classes):
        return True
    if b"!a" in classes or b"!d" in classes:
        return _INTERIOR_RE.search(classes) is not None
    return False


def unleet(text: str) -> str:
    """Read leetspeak inside words as the letters it stands for.

    The rule applies to each *run*: a maximal stretch of word characters (letters and
    digits of scripts written with spaces, ``_``) and the symbols ``$ @ ! |``.
    Chinese, Japanese and Thai characters end runs, so ``ございます!`` keeps its ``!``.

    * A run without a letter is left alone: ``2026``, ``100%``, ``$5``, ``!!!``.
    * ``@``, ``!`` and ``|`` at either end of a run are punctuation and stay: handles
      (``@alice``), commands (``!ban``), emphasis (``idiot!!!``), Discord spoilers
      (``||text||``). Between other characters of the run they become ``a``, ``i``,
      ``l``: ``b@stard``, ``sh!t``, ``he||o``.
    * ``$`` becomes ``s`` anywhere in a run with a letter: ``$hit``, ``a$$``.
    * The digits ``0 1 3 4 5 7 8 9`` become ``o i e a s t b g`` only when the run has
      at least two letters once the symbols are read: ``sh1t``, ``4ss``, ``f4gg0t``,
      ``n00b``, ``1d10t`` change; ``A55`` (a phone), ``4k``, ``24h``, ``S23`` do not.

    Runs keep their length and their boundaries, so the rule is idempotent.

    Args:
        text: Folded text.

    Returns:
        The text with leetspeak read.
    """
    if not _may_unleet(text):
        return text
    return _LEET_RUN_RE.sub(_unleet_run, " " + text)[1:]


def canonicalize(folded: str, keep: str = "") -> str:
    """Return the canonical form of folded text.

    Args:
        folded: Text as :func:`fold` returns it.
        keep: Letters :func:`to_latin` leaves as they are; :func:`normalize` keeps none.

    Returns:
        Marks removed, letters mapped to Latin, leetspeak read.
    """
    text = folded
    if not text.isascii() and _CANON_GATE_RE.search(text) is not None:
        if keep or _KEEPS_MARKS_RE.search(text) is not None:
            text = to_latin(strip_marks(text), keep)
        else:
            # No letter of a script that keeps its marks (nor exotic character): every
            # mark goes, which decomposing does faster than the map, letter by letter.
            text = unicodedata.normalize("NFD", text)
            if _NOT_ASCII_OR_ACCENT_RE.search(text) is None:
                text = text.encode("ascii", "ignore").decode("ascii")  # French, Spanish...
            else:
                text = _ALL_MARKS_RE.sub("", text)
                text = to_latin(unicodedata.normalize("NFC", text))
    return unleet(text)


def normalize(text: str) -> Text:
    """Return a text in the three forms rules compare.

    Args:
        text: A message's text, any string.

    Returns:
        The original, folded and canonical forms.
    """
    folded = fold(text)
    return Text(original=text, folded=folded, canonical=canonicalize(folded))

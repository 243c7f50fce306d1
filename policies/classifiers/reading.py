"""The form in which the classifiers read a text: folded, links without scheme or ending.

Training, evaluation and serving all pass text through here, so a model never sees a text
in a form it did not learn from.
"""

from __future__ import annotations

import functools
import re

from policies._urls import extractor
from policies.normalize import fold

LINK_ENDINGS = "one"
"""What ``english.json`` records under ``link_endings`` when its model reads one ending."""

ONE_ENDING = "com"
"""The ending every link host is read with (see :func:`with_one_ending`)."""

LONGEST_READ = 20_000
"""The most characters of a text the classifiers read; the rest is left unread.

The English encoder reads a text's first 128 tokens and multilingual-e5 its first 1,500
characters, but the tokenizer and the lexical votes went through every character first:
a line of a million letters held the English lane for more than a second, and a bot's
whole queue behind it. The longest text of the training and evaluation data has 17,338
characters, so no measured figure depends on what lies beyond this; Slack takes messages
of up to 40,000 characters, Discord 4,000."""

RESERVED_TOP_LEVEL = frozenset({"example", "test", "invalid", "localhost"})
"""Top-level names reserved for examples and tests (RFC 2606), which no registry lists."""

RESERVED_SECOND_LEVEL = frozenset({"example.com", "example.net", "example.org"})
"""Second-level names reserved for examples: under them the whole name is the ending."""

BARE_LINK_SUFFIXES = frozenset(
    {
        "com", "net", "org", "io", "gg", "co", "xyz", "info", "biz", "ly", "ru", "tk",
        "cn", "uk", "eu", "de", "fr", "nl", "dk", "jp", "site", "online", "shop", "top",
        "club", "vip",
    }
)  # fmt: skip
"""The one-label endings that make a name with nothing after it (``lumen.net``) a link.

Many top-level names are everyday words, so a sentence missing its space after a full
stop (``tomorrow.call``, ``wife.how``, ``pain.it``, ``k.k.how``) looks like a host. Recipe
13 read 28 of the SMS collection's ham messages differently from recipe 12, nearly all
for such a name, now a spam-like ``.com`` link, and its SMS F1 at 0.5 fell from 0.966 to
0.963; recipe 14 reads one of them differently, and gets 0.965.
Such a name is read as written unless its ending is one of these, which are seldom words,
or has two labels (``co.uk``)."""

_SCHEMES = re.compile(r"\b(?:https?|ftp)://(?:www\.)?|\bwww\.", re.IGNORECASE)
_DOT_LETTER = re.compile(r"\.[a-z]")
# A host written bare (schemes are gone by now), with what follows it: a path or not.
_HOST = re.compile(
    r"(?<![\w@./-])((?:[a-z0-9-]{1,63}\.)+[a-z][a-z0-9-]{1,62})(?![\w@-]|\.\w)([/?#:])?"
)


def without_schemes(text: str) -> str:
    """Return a folded text with every link's scheme (``https://``) and ``www.`` left out.

    A scheme says nothing about whether a message is spam, but in the project's chat data
    every legitimate link was written with ``https://`` and every spam link without one,
    and the models learnt that: on recipe 10, a free-Nitro scam scored 0.94 with a bare
    ``bit.ly/...`` link and 0.04 with ``https://bit.ly/...``. Left out, the words around a
    link and in it decide; whether a link itself is bad is the link rules' job.
    """
    if "://" not in text and "www." not in text:
        return text  # most messages hold no link; the search alone costs more
    return _SCHEMES.sub("", text)


@functools.lru_cache(maxsize=8192)
def _name_before_ending(host: str, has_path: bool) -> str | None:
    """Return a host without its ending, or ``None`` when it is left as it is.

    The ending is the host's public suffix (``com``, ``co.uk``), a top-level name reserved
    for examples (``example``) or a reserved second-level name (``example.com``) that has
    a name under it. A name with no known ending is left as it is, and so is a name with
    no path whose one-label ending is not in :data:`BARE_LINK_SUFFIXES`: more likely a
    file (``main.py``) or words (``tomorrow.call``) than a link.
    """
    labels = host.split(".")
    if labels[-1] in RESERVED_TOP_LEVEL:
        return ".".join(labels[:-1])
    parts = extractor()(host)
    if not parts.suffix or not parts.domain:
        return None
    if not has_path and "." not in parts.suffix and parts.suffix not in BARE_LINK_SUFFIXES:
        return None
    name = host[: -len(parts.suffix) - 1]
    if parts.subdomain and f"{parts.domain}.{parts.suffix}" in RESERVED_SECOND_LEVEL:
        name = parts.subdomain
    return name


# A bare host with its path, port or query, for leaving whole links out.
_HOST_AND_REST = re.compile(_HOST.pattern + r"\S*")


def _one_ending(match: re.Match[str]) -> str:
    name = _name_before_ending(match[1], match[2] is not None)
    if name is None:
        return match[0]
    return f"{name}.{ONE_ENDING}{match[2] or ''}"


def with_one_ending(text: str) -> str:
    """Return a folded, scheme-less text with every link host's ending read as ``.com``.

    In the project's chat data every spam link ended in ``.example`` and the ``.com``
    links were legitimate, while in the SMS collection every link with a real ending is
    spam; the models learnt the endings, and a scam moved from ``.example`` to ``.com``
    scored lower (recipe 12: recall at the act threshold 0.58 as written, 0.36 under
    ``.com`` or ``.net``). Read with one ending, a host's own name (``steam-login``,
    ``docs.lumen``) and the words around it decide; which endings are risky is for the
    link rules to say.
    """
    if _DOT_LETTER.search(text) is None:
        return text  # most messages hold no host name
    return _HOST.sub(_one_ending, text)


def _left_out(match: re.Match[str]) -> str:
    return match[0] if _name_before_ending(match[1], match[2] is not None) is None else " "


def without_links(folded: str) -> str:
    """Return a folded text with its links left out, scheme or not, path and all.

    A link's letters carry no language, yet they pulled lingua's guess: on recipe 13,
    "check out my channel youtube.com/c/lampfan for more giveaways" was taken for Danish
    and scored on the multilingual lane, while the same line with ``youtube.example``
    was English. Hosts are recognised as :func:`with_one_ending` recognises them, so a
    file name (``main.py``) or an e-mail address stays.
    """
    text = without_schemes(folded)
    if _DOT_LETTER.search(text) is None:
        return text
    return _HOST_AND_REST.sub(_left_out, text)


def as_read(folded: str, *, one_ending: bool = True) -> str:
    """Return a folded text as a model reads it: links without scheme, and with one ending.

    Args:
        folded: A folded text (:func:`policies.normalize.fold`).
        one_ending: Read every link host with one ending (models since recipe 13, whose
            ``english.json`` says ``"link_endings": "one"``); older models read endings
            as written.

    Returns:
        The text the lanes score.
    """
    text = without_schemes(folded)
    return with_one_ending(text) if one_ending else text


def folded_start(text: str) -> str:
    """Return a text's first :data:`LONGEST_READ` characters, folded.

    Cut before folding, so that folding a hostile text costs no more than reading it.
    """
    return fold(text[:LONGEST_READ])


def readable(text: str, *, one_ending: bool = True) -> str:
    """Return a text as the classifiers read it: its start folded, then :func:`as_read`."""
    return as_read(folded_start(text), one_ending=one_ending)

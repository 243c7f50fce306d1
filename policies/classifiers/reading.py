"""The form in which the classifiers read a text: folded, with link schemes left out.

Training, evaluation and serving all pass text through here, so a model never sees a text
in a form it did not learn from.
"""

from __future__ import annotations

import re

from policies.normalize import fold

_SCHEMES = re.compile(r"\b(?:https?|ftp)://(?:www\.)?|\bwww\.", re.IGNORECASE)


def without_schemes(text: str) -> str:
    """Return a folded text with every link's scheme (``https://``) and ``www.`` left out.

    A scheme says nothing about whether a message is spam, but in the project's chat data
    every legitimate link was written with ``https://`` and every spam link without one,
    and the models learnt that: on recipe 10, a free-Nitro scam scored 0.94 with a bare
    ``bit.ly/...`` link and 0.04 with ``https://bit.ly/...``. Left out, the words around a
    link and in it decide; whether a link itself is bad is the link rules' job.
    """
    return _SCHEMES.sub("", text)


def readable(text: str) -> str:
    """Return a text as the classifiers read it: folded, then without link schemes."""
    return without_schemes(fold(text))

"""Quote what members wrote inside Steward's own posts, showing it as it was written.

Steward writes Discord-style markdown (Slack gets it translated), and a member's words
quoted in a review card, a staff summary or a modmail thread are read as markdown too. A
masked link, ``[free nitro](https://phish.example)``, would then show moderators judging
the message only "free nitro", as a link to click: the one thing they must see is where it
leads. Quoted text keeps its links' addresses in sight; the rest of its markdown renders
as the member meant it.
"""

from __future__ import annotations

import re

from bot.core.models import Attachment
from bot.core.valid_text import valid_text

_MASKED_LINK = re.compile(r"\[([^\]\n]*)\]\(")
"""The ``[label](`` that opens a markdown link; an escaped bracket makes it plain text."""


def quoted(text: str) -> str:
    r"""Return member-written text to embed in a post, its masked links shown as written.

    ``[label](url)`` becomes ``[label]\(url)``: Discord shows it as typed, with the
    address linked on its own, and the Slack renderer drops the backslash. A lone
    surrogate (see :mod:`bot.core.valid_text`), which no platform's API should be sent,
    becomes U+FFFD.
    """
    return _MASKED_LINK.sub(r"[\1]\\(", valid_text(text))


def excerpt(text: str, limit: int) -> str:
    """Return member-written text on one line, cut to ``limit`` characters with "…", quoted.

    Args:
        text: What the member wrote.
        limit: The most characters to keep before quoting (at least 1).
    """
    flat = " ".join(text.split())
    return quoted(flat if len(flat) <= limit else flat[: limit - 1] + "…")


def file_line(attachment: Attachment) -> str:
    """Return a file a member sent as staff read it: a clip, its name and its link, quoted."""
    link = f" {attachment.url}" if attachment.url else ""
    return quoted(f"📎 {attachment.filename}{link}")

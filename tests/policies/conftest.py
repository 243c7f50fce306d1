"""Helpers for policy tests: subjects built from the real models and the real normalizer.

Import them: ``from tests.policies.conftest import CTX, subject``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import count

from bot.core.models import Member, Message
from bot.core.refs import Ref
from policies.context import Context, Subject
from policies.normalize import normalize
from policies.windows import RecentWindows

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CHANNEL = Ref("local", "general")
_ids = count(1)


# The real windows, empty, are the context of a message with no history.
CTX: Context = RecentWindows().moved_to(NOW)


def subject(text: str, lang: str | None = None) -> Subject:
    """Return a subject for a message posted now in #general by ``alice``.

    Args:
        text: The message's content, normalized with :func:`policies.normalize.normalize`.
        lang: The author's language, if known.
    """
    author = Member(ref=Ref("local", "alice"), name="alice", lang=lang, joined_at=NOW)
    message = Message(
        ref=Ref("local", f"m{next(_ids)}"),
        channel=CHANNEL,
        author=author,
        content=text,
        created_at=NOW,
    )
    return Subject(message=message, member=author, text=normalize(text))

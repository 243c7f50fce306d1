"""Learn each Discord member's language from their interactions, and keep it.

Discord tells a bot which language a member reads only inside an interaction: a slash
command, a button or a form carries the language of the member's Discord client. A
message, a join or a member lookup carries none, so without this every notice on Discord
fell back to the community's language. The adapter remembers the language of each member
who interacts and gives it to the members of later events (``Member.lang``), so a French
member who once ran ``/appeal`` or pressed one of Steward's buttons reads their notices in
French.

The languages are kept in memory and in storage: a restart loads the most recently heard
ones back, and several bot processes sharing one database learn from each other's members
at their next start. A member who never interacted keeps no language, and the community's
applies to them; where the configuration leaves that unset and the server's own primary
language differs, the connection says so once the guilds are known.
"""

from __future__ import annotations

import dataclasses
import logging
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

from bot.config import Config
from bot.core.events import Event
from bot.core.language_tags import primary_subtag, standard_or_empty
from bot.core.models import Member, Message
from bot.core.protocols import CogStateRepository
from bot.core.refs import Ref

logger = logging.getLogger(__name__)

REMEMBERED = 50_000
"""How many members' languages are kept in memory (least recently heard forgotten first)."""
STATE_PLACE = Ref("discord", "member-languages")
"""Where the languages live in the cog state store: no one community owns them."""
STATE_OWNER = "discord-adapter"

_E = TypeVar("_E", bound=Event)


def _key(user_id: int) -> str:
    return f"language:{user_id}"


def locale_tag(locale: object) -> str | None:
    """Return a Discord locale (``"fr"``, ``"pt-BR"``) as a standard tag; ``None`` if none.

    Discord's locales are BCP 47 tags already; anything else it might send one day is
    ignored rather than trusted.
    """
    value = getattr(locale, "value", locale)
    if not isinstance(value, str):
        return None
    try:
        return standard_or_empty(value) or None
    except ValueError:
        return None


class MemberLanguages:
    """The language each member's Discord client speaks, as their interactions said.

    Args:
        remembered: How many members the memory holds.
        state: Where the languages are also kept; ``None`` keeps them in memory only.
    """

    def __init__(
        self, remembered: int = REMEMBERED, state: CogStateRepository | None = None
    ) -> None:
        self._remembered = remembered
        self._tags: OrderedDict[int, str] = OrderedDict()
        self.state = state

    def of(self, user_id: int) -> str | None:
        """Return a member's language, if one of their interactions told it."""
        return self._tags.get(user_id)

    def heard(self, user_id: int, tag: str | None) -> bool:
        """Note a member's language from an interaction; return whether it is news to keep."""
        if tag is None:
            return False
        changed = self._tags.get(user_id) != tag
        self._remember(user_id, tag)
        return changed and self.state is not None

    async def keep(self, user_id: int, tag: str) -> None:
        """Store a member's language; a failure is logged and memory still has it."""
        if self.state is None:
            return
        try:
            await self.state.put(STATE_PLACE, STATE_OWNER, _key(user_id), {"language": tag})
        except Exception:
            logger.warning("could not store the language of member %s", user_id, exc_info=True)

    async def load(self) -> int:
        """Read the most recently stored languages into memory; return how many were read.

        What memory heard since the start wins over what storage says, and only as many
        are read as memory has room for.
        """
        room = self._remembered - len(self._tags)
        if self.state is None or room <= 0:
            return 0
        try:
            stored = await self.state.recent(STATE_PLACE, STATE_OWNER, room)
        except Exception:
            logger.warning("could not read the members' languages", exc_info=True)
            return 0
        read = 0
        # Each goes before what memory holds, the most recently stored nearest to it: the
        # oldest stored are the first forgotten.
        for key, value in stored:
            user_id, tag = _parsed(key, value)
            if user_id is None or tag is None or user_id in self._tags:
                continue
            self._tags[user_id] = tag
            self._tags.move_to_end(user_id, last=False)
            read += 1
        self._trim()
        return read

    def applied(self, event: _E) -> _E:
        """Return ``event`` with its member's language filled in where it is known.

        The members of an event (a message's author, a command's, a joining member) come
        from payloads that never carry a language; one already set is left as it is.
        """
        if not self._tags:
            return event
        changes: dict[str, Any] = {}
        for name in ("author", "member"):
            member = getattr(event, name, None)
            if isinstance(member, Member):
                told = self.told(member)
                if told is not member:
                    changes[name] = told
        message = getattr(event, "message", None)
        if isinstance(message, Message):
            author = self.told(message.author)
            if author is not message.author:
                changes["message"] = dataclasses.replace(message, author=author)
        return dataclasses.replace(event, **changes) if changes else event

    def told(self, member: Member) -> Member:
        """Return ``member`` with their language, when it is unset and known here."""
        if member.lang is not None or not member.ref.id.isdigit():
            return member
        tag = self._tags.get(int(member.ref.id))
        return member if tag is None else dataclasses.replace(member, lang=tag)

    def _remember(self, user_id: int, tag: str) -> None:
        self._tags[user_id] = tag
        self._tags.move_to_end(user_id)
        self._trim()

    def _trim(self) -> None:
        while len(self._tags) > self._remembered:
            self._tags.popitem(last=False)


def _parsed(key: str, value: object) -> tuple[int | None, str | None]:
    """Return the member and language of a stored entry; ``None`` for what does not parse."""
    digits = key.removeprefix("language:")
    if not digits.isdigit() or not isinstance(value, dict):
        return None, None
    return int(digits), locale_tag(value.get("language"))


def unset_language_notes(config: Config, preferred_locale: Callable[[int], object]) -> list[str]:
    """Say which Discord communities may be read in the wrong language by default.

    A community whose configuration sets no ``language`` is read in English, the default;
    a server whose primary language (Discord's ``preferred_locale``) is another was most
    likely meant to have its own. The server's setting is not taken silently: it serves
    Discord's server discovery, and the configuration stays the one place that decides.

    Args:
        config: The configuration.
        preferred_locale: A guild's preferred locale by its id; ``None`` for a guild the
            connection does not know.
    """
    notes = []
    for key, section in config.communities.items():
        if section.platform != "discord" or "language" in section.model_fields_set:
            continue
        if not section.id.isdigit():
            continue
        tag = locale_tag(preferred_locale(int(section.id)))
        if tag is None or primary_subtag(tag) == primary_subtag(section.language):
            continue
        notes.append(
            f"communities.{key}: the Discord server's primary language is {tag}, but the "
            f"configuration sets no language, so {section.language} is used for members who "
            f"have not used a command or button yet and for lines too short to tell; set "
            f'language = "{tag}" (or "{section.language}" to keep it) in [communities.{key}]'
        )
    return notes

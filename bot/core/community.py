"""Describe one community as the core sees it: who moderates, which language, which zone."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from bot.core.models import Member
from bot.core.refs import Ref


class Permission(enum.IntEnum):
    """Who may run a command; each level includes the ones below it."""

    EVERYONE = 0
    MODERATOR = 1
    ADMIN = 2


@dataclass(frozen=True, slots=True, kw_only=True)
class CommunityInfo:
    """One community served by this process.

    Attributes:
        key: The community's name in the config file (``acme``), stable across platforms.
        ref: The community's platform id (guild id, team id, local name).
        name: Its display name, used in notices.
        language: The default language of notices when a member's is unknown.
        timezone: The IANA zone used for schedules and quiet hours.
        moderator_roles: Roles (or Slack user groups) whose members moderate.
        admin_roles: Roles whose members administer Steward itself.
        moderator_ids: Member ids that moderate whatever their roles (Slack has no roles).
        keep_texts_days: How many days members' words are kept (``[steward]
            keep_texts_days``); 0 keeps them. What a member is told of their data says it.
        privacy_topics: What more of members' data the community's cogs keep, by name
            (``message_log``: copies of edited and deleted messages); what a member is told
            of their data names each.
    """

    key: str
    ref: Ref
    name: str
    language: str = "en"
    timezone: str = "UTC"
    moderator_roles: frozenset[str] = frozenset({"moderator"})
    admin_roles: frozenset[str] = frozenset({"admin"})
    moderator_ids: frozenset[str] = frozenset()
    keep_texts_days: int = 0
    privacy_topics: frozenset[str] = frozenset()

    def permission_of(self, member: Member) -> Permission:
        """Return the highest permission a member holds here."""
        if member.is_owner or member.roles & self.admin_roles:
            return Permission.ADMIN
        if member.roles & self.moderator_roles or member.ref.id in self.moderator_ids:
            return Permission.MODERATOR
        return Permission.EVERYONE

    def is_staff(self, member: Member) -> bool:
        """Return whether a member moderates or administers this community."""
        return self.permission_of(member) >= Permission.MODERATOR

"""Who may act on whom: never on the owner, a bot, oneself, or someone of equal standing."""

from __future__ import annotations

from bot.core.community import CommunityInfo
from bot.core.models import Member


def refusal(actor: Member, target: Member, community: CommunityInfo) -> str | None:
    """Return why ``actor`` may not act on ``target``, or ``None`` when they may.

    Standing is the permission level first (admin above moderator above member), then,
    where the platform orders roles, the position of each one's highest role. The owner
    may act on anyone but themselves and bots.
    """
    name = target.shown_name
    if target.ref == actor.ref:
        return "You cannot act on yourself."
    if target.is_owner:
        return f"{name} owns this community; nobody can act on them."
    if target.is_bot:
        return f"{name} is a bot; moderation commands do not act on bots."
    if actor.is_owner:
        return None
    if community.permission_of(target) >= community.permission_of(actor):
        return f"{name} is staff with the same or higher standing than you; ask an admin."
    if actor.rank and target.rank >= actor.rank:
        return f"{name}'s highest role is at or above yours."
    return None

"""Who is banned now, as the community's cases keep it."""

from __future__ import annotations

from datetime import datetime

from bot.core.refs import Ref
from moderation.repositories import CaseRepository
from policies.context import BannedMember

BANS_READ = 500
"""How many of the latest cases are read for bans: a community's recent bans, not its history."""


async def still_banned(
    cases: CaseRepository, community: Ref, now: datetime, *, limit: int = BANS_READ
) -> list[BannedMember]:
    """Return the members whose latest ban or unban among the latest cases is a ban that holds.

    Latest first, one entry a member (their latest ban or unban decides). A ban lifted by
    hand on the platform is not known here (see :meth:`~moderation.cases.Case.banned_by_it`).
    """
    decided: set[Ref] = set()
    banned: list[BannedMember] = []
    for case in await cases.recent(community, limit=limit):
        standing = case.banned_by_it(now)
        if standing is None or case.member in decided:
            continue
        decided.add(case.member)
        if standing:
            name = case.member_name or case.member.id
            banned.append(
                BannedMember(
                    member=case.member,
                    name=name,
                    banned_at=case.created_at,
                    case=case.number,
                    avatar=case.member_avatar,
                )
            )
    return banned

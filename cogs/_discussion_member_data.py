"""What discussions keep about one member: replies and reactions to prompts, votes, credits.

Erasing deletes them: a prompt's engagement figures then count the member no more,
which is what forgetting them means.
"""

from __future__ import annotations

from bot.core.protocols import MemberRecords
from bot.core.refs import Ref
from bot.storage.member_data import MemberDataTables, records

_OF_POSTS = "post_id IN (SELECT id FROM discussion_posts WHERE community = ?) AND member = ?"
"""The rows of the member in the community's posts (replies, reactions, votes)."""
_QUERIES = {
    "activity": ("discussion_activity", _OF_POSTS),
    "votes": ("discussion_votes", _OF_POSTS),
    # Thanks they received, and thanks they gave.
    "credits": ("discussion_credits", "community = ? AND (member = ? OR giver = ?)"),
}


class DiscussionMemberData(MemberDataTables):
    """The member's engagement with prompts, their poll votes and the credits they got or gave."""

    section = "discussions"

    async def export_member(self, community: Ref, member: Ref) -> MemberRecords:
        """Return the member's rows of each discussions table."""
        found: MemberRecords = {}
        for name, (table, where) in _QUERIES.items():
            rows = await self._db.fetch_all(
                f"SELECT * FROM {table} WHERE {where} ORDER BY at",
                _params(where, community, member),
            )
            found[name] = records(rows)
        return found

    async def erase_member(self, community: Ref, member: Ref) -> dict[str, int]:
        """Delete the member's rows of each discussions table."""
        changed = {}
        async with self._db.transaction() as tx:
            for name, (table, where) in _QUERIES.items():
                result = await tx.execute(
                    f"DELETE FROM {table} WHERE {where}",
                    _params(where, community, member),
                )
                changed[name] = result.rowcount
        return changed


def _params(where: str, community: Ref, member: Ref) -> tuple[str, ...]:
    """Return the community, then the member as often as the condition names them."""
    return (str(community), *[str(member)] * (where.count("?") - 1))

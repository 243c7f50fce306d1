"""The names a community's staff go by, as Steward has seen them, for the impersonation rule.

Platforms give no cheap list of who holds a moderator role, and a newcomer who calls
themselves ``m0na`` passes for moderator ``mona`` only to someone who knows mona. Steward
learns the names from what staff do: the messages they write, the commands they run, the
buttons they click. The latest are kept, in memory; at load the moderators of the latest
cases (their own commands, their decisions, what they did with the platform's own tools)
are read back.
"""

from __future__ import annotations

from bot.core.models import Member
from bot.core.refs import Ref
from moderation.repositories import CaseRepository

KEPT = 200
"""How many names are kept (a community's staff, each by handle and display name)."""
CASES_READ = 200
"""How many of the latest cases are read for their moderators' names, once."""


class StaffNames:
    """Names staff were seen by, latest last.

    Args:
        cases: Where the community's cases are.
        community: Whose staff.
    """

    def __init__(self, cases: CaseRepository, community: Ref) -> None:
        self._cases = cases
        self._community = community
        self._names: dict[str, None] = {}

    def saw(self, member: Member) -> None:
        """Remember the names a staff member was just seen by."""
        for name in (member.name, member.display_name):
            self._add(name)

    async def read_back(self) -> None:
        """Learn the names of the moderators who opened the latest cases (at the cog's load).

        Read once, before any join is judged: a join waits for nothing it did not before.
        """
        recent = await self._cases.recent(self._community, limit=CASES_READ)
        seen = [c.actor_name for c in reversed(recent) if c.actor != "bot"]
        earlier = dict.fromkeys(n for n in seen if n and not n.isdigit())
        self._names = {**earlier, **self._names}

    def names(self) -> list[str]:
        """Return the names, latest last."""
        return list(self._names)

    def _add(self, name: str) -> None:
        if name and not name.isdigit():
            self._names.pop(name, None)
            self._names[name] = None
        while len(self._names) > KEPT:
            del self._names[next(iter(self._names))]

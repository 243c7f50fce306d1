"""The ``mentions`` rule: too many pings in one message, or pinging everyone.

Counts come from the message as the platform reported it: ``mentions`` (members,
counted once each, the author excluded), ``role_mentions`` (roles, counted once each)
and ``mentions_everyone`` (``@everyone``, ``@here``, ``@channel``). The total is members
plus roles; pinging everyone is judged on its own. A limit of 0 turns that limit off.

Mentions across a window: the recent messages a :class:`~policies.context.Context`
keeps (:class:`~policies.context.RecentMessage`) carry no mention counts, so the rule
cannot add up earlier messages' pings. With ``window_seconds`` and ``max_in_window``
both above 0 it therefore counts the current message only, against ``max_in_window``;
it becomes a true window once recent messages record their mentions.
"""

from __future__ import annotations

from pydantic import Field

from policies.context import Context, Subject
from policies.rule import Rule, RuleParams, rule
from policies.verdict import Hit

_MAX_LISTED = 25


class MentionsParams(RuleParams):
    """Parameters of the ``mentions`` rule.

    Attributes:
        max_users: Most distinct members one message may mention; 0 means no limit.
        max_roles: Most distinct roles one message may mention; 0 means no limit.
        max_total: Most members and roles together; 0 means no limit.
        block_everyone: Flag ``@everyone``/``@here``/``@channel`` from members who are
            not staff.
        window_seconds: The window for ``max_in_window``; 0 turns it off.
        max_in_window: Most mentions within the window (see the module docs: the
            current message only, for now); 0 turns it off.
    """

    max_users: int = Field(default=5, ge=0)
    max_roles: int = Field(default=2, ge=0)
    max_total: int = Field(default=6, ge=0)
    block_everyone: bool = True
    window_seconds: float = Field(default=0, ge=0)
    max_in_window: int = Field(default=0, ge=0)


@rule("mentions")
class MentionsRule(Rule[MentionsParams]):
    """Flag messages that ping too many members or roles, or ping everyone.

    Staff may ping everyone; the count limits apply to everyone.

    Args:
        rule_id: The rule's id in its policy.
        params: Its parameters.
    """

    Params = MentionsParams

    def evaluate(self, subject: Subject, ctx: Context) -> Hit | None:
        """Return a hit naming every limit the message exceeds, if any."""
        message = subject.message
        if not (message.mentions or message.role_mentions or message.mentions_everyone):
            return None  # most messages ping nobody
        author = subject.member.ref
        users = tuple(dict.fromkeys(ref for ref in message.mentions if ref != author))
        roles = tuple(dict.fromkeys(message.role_mentions))
        everyone = message.mentions_everyone and not subject.is_staff
        if not everyone and not users and not roles:
            return None
        p = self.params
        total = len(users) + len(roles)
        exceeded: list[str] = []
        reasons: list[str] = []
        if everyone and p.block_everyone:
            exceeded.append("everyone")
            reasons.append("pings everyone")
        if p.max_users and len(users) > p.max_users:
            exceeded.append("users")
            reasons.append(f"mentions {len(users)} members (at most {p.max_users})")
        if p.max_roles and len(roles) > p.max_roles:
            exceeded.append("roles")
            reasons.append(f"mentions {len(roles)} roles (at most {p.max_roles})")
        if p.max_total and total > p.max_total:
            exceeded.append("total")
            reasons.append(f"mentions {total} members and roles (at most {p.max_total})")
        if p.window_seconds > 0 and p.max_in_window > 0 and total > p.max_in_window:
            exceeded.append("window")
            reasons.append(
                f"mentions {total} members and roles within {p.window_seconds:g} seconds"
                f" (at most {p.max_in_window})"
            )
        if not exceeded:
            return None
        names = (
            *(("@everyone",) if "everyone" in exceeded else ()),
            *(f"@{role}" for role in roles),
            *(str(ref) for ref in users),
        )
        return Hit(
            reason="; ".join(reasons),
            matched=names[:_MAX_LISTED],
            evidence={
                "exceeded": exceeded,
                "users": len(users),
                "roles": len(roles),
                "total": total,
                "everyone": message.mentions_everyone,
            },
        )

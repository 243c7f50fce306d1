"""The ``links`` rule: denied sites, invites, shorteners, masked links, newcomers' links.

What counts as a link, and how hosts are compared, is described in
:mod:`policies._urls`: in short, anything with a scheme, and bare host names only when
they end in a known public suffix (``example.com``, ``hello.world``; not ``file.txt``
or ``v1.2.3``); e-mail addresses are not links, but a denied domain in one is flagged.

Each link is judged once, and the first of these that applies names its kind:

1. ``denied``: its host is, or is under, a ``deny`` entry and under no ``allow`` entry
   (allow beats deny: with ``allow = ["docs.evil.com"]`` and ``deny = ["evil.com"]``,
   ``docs.evil.com`` passes while ``cdn.evil.com`` does not).
2. ``invite``: with ``block_invites``, an invite to a Discord server (``discord.gg/X``,
   ``discord.com/invite/X``, ``discordapp.com/invite/X``) or a Slack workspace
   (``join.slack.com/t/NAME/...``, ``NAME.slack.com/join/...``) whose code (or Slack
   workspace name or invite token) is not in ``allowed_invites``, compared without
   regard to case. ``allow`` does not exempt invites (allowing ``discord.com`` for
   channel links must not let every invite through); an allowed invite is exempt from
   the checks below.
3. Links whose host is under an ``allow`` entry pass from here on.
4. ``shortener``: with ``block_shorteners``, a link with a path on a shortener
   (:data:`DEFAULT_SHORTENERS`, or ``shorteners`` when given).
5. ``new_member``: with ``new_member_hours > 0``, any link from a member who joined less
   than that many hours before ``ctx.now`` (a member whose join time is unknown is not
   new).
6. ``unknown``: with ``only_unknown``, any link.

``masked`` findings come from Markdown ``[label](url)`` and Slack ``<url|label>`` links
(with ``block_masked``): the label shows an address whose registrable domain differs
from the target's, or, with ``masked_any``, any label at all. A target under ``allow``
is exempt.

The hit names the most serious kind in its reason and ``evidence["kind"]`` (in the
order denied, invite, shortener, masked, new_member, unknown); ``matched`` lists the
offending links (most serious first) and ``evidence["domains"]`` their domains.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import Field

from bot.core.models import Member
from policies._urls import (
    DomainSet,
    Link,
    MaskedLink,
    find_links,
    find_masked,
    normalize_entry,
)
from policies.context import Context, Subject
from policies.rule import Rule, RuleLoadError, RuleParams, rule
from policies.verdict import Hit

DEFAULT_SHORTENERS: tuple[str, ...] = (
    "adf.ly", "bit.do", "bit.ly", "bitly.com", "bl.ink", "buff.ly", "clck.ru", "cutt.ly",
    "cutt.us", "gg.gg", "goo.gl", "is.gd", "lnkd.in", "ow.ly", "rb.gy", "rebrand.ly",
    "s.id", "shorte.st", "shorturl.at", "soo.gd", "t.co", "t.ly", "tiny.cc", "tinyurl.com",
    "trib.al", "u.to", "urlz.fr", "v.gd", "x.gd",
)  # fmt: skip
"""Link shorteners blocked by default: they hide where a link leads."""

KINDS: tuple[str, ...] = ("denied", "invite", "shortener", "masked", "new_member", "unknown")
"""Finding kinds, most serious first."""

_MAX_LISTED = 20
_DISCORD_INVITE_DOMAINS = frozenset({"discord.com", "discordapp.com"})
_INVITE_DOMAINS = _DISCORD_INVITE_DOMAINS | {"discord.gg", "slack.com"}


class LinksParams(RuleParams):
    """Parameters of the ``links`` rule.

    Attributes:
        allow: Domains always allowed, with their subdomains (the brand's own).
        deny: Domains always flagged, with their subdomains; a bare suffix (``zip``)
            denies every domain under it.
        block_invites: Flag invites to other Discord servers and Slack workspaces.
        allowed_invites: Invite codes (or Slack workspace names or invite tokens) that
            are fine; a whole invite link stands for its last path segment.
        block_shorteners: Flag links through link shorteners.
        shorteners: The shorteners to flag; ``None`` means :data:`DEFAULT_SHORTENERS`.
        block_masked: Flag masked links whose label shows another address.
        masked_any: With ``block_masked``, flag every masked link.
        new_member_hours: Flag any link not in ``allow`` from members who joined less
            than this many hours ago; 0 turns this off.
        only_unknown: Flag every link not in ``allow`` (strict allowlist mode).
    """

    allow: list[str] = Field(default_factory=list)
    deny: list[str] = Field(default_factory=list)
    block_invites: bool = True
    allowed_invites: list[str] = Field(default_factory=list)
    block_shorteners: bool = True
    shorteners: list[str] | None = None
    block_masked: bool = True
    masked_any: bool = False
    new_member_hours: float = Field(default=0, ge=0)
    only_unknown: bool = False


@dataclass(frozen=True, slots=True)
class _Finding:
    kind: int
    start: int
    text: str
    domain: str


def _domains(entries: list[str], key: str) -> DomainSet:
    canonical: list[str] = []
    for entry in entries:
        host = normalize_entry(entry)
        if host is None:
            raise RuleLoadError(f"{key}: {entry!r} is not a domain name", key=key)
        canonical.append(host)
    return DomainSet(canonical)


def _hours_since(then: datetime, now: datetime) -> float:
    if then.tzinfo is None and now.tzinfo is not None:
        then = then.replace(tzinfo=UTC)
    elif now.tzinfo is None and then.tzinfo is not None:
        now = now.replace(tzinfo=UTC)
    return (now - then).total_seconds() / 3600


def invite_codes(link: Link) -> tuple[str, ...] | None:
    """Return what identifies the server an invite link leads to, or ``None`` if none.

    Args:
        link: A link.

    Returns:
        For Discord, the invite code; for Slack, the workspace name and, when present,
        the shared-invite token. ``None`` when the link is not an invite.
    """
    if link.domain not in _INVITE_DOMAINS:
        return None
    segments = link.segments
    if link.domain == "discord.gg":
        if segments[:1] == ("invite",):
            segments = segments[1:]
        return segments[:1] or None
    if link.domain in _DISCORD_INVITE_DOMAINS:
        return segments[1:2] if len(segments) > 1 and segments[0] == "invite" else None
    if link.domain == "slack.com":
        if link.host == "join.slack.com":
            if len(segments) > 1 and segments[0] == "t":
                return (segments[1], *segments[3:4])
            return None
        workspace = link.host.removesuffix(".slack.com")
        if workspace != link.host and segments[:1] == ("join",):
            return (workspace, *segments[2:3])
    return None


@rule("links")
class LinksRule(Rule[LinksParams]):
    """Flag links to denied sites, foreign invites, shorteners and masked addresses.

    See the module documentation for what counts as a link and how each link is judged.

    Args:
        rule_id: The rule's id in its policy.
        params: Its parameters.

    Raises:
        RuleLoadError: If an ``allow``, ``deny`` or ``shorteners`` entry is not a domain.
    """

    Params = LinksParams
    editable_lists = ("deny", "allow", "allowed_invites")

    def __init__(self, rule_id: str, params: LinksParams) -> None:
        super().__init__(rule_id, params)
        self._allow = _domains(params.allow, "allow")
        self._deny = _domains(params.deny, "deny")
        shorteners = DEFAULT_SHORTENERS if params.shorteners is None else params.shorteners
        self._shorteners = _domains(list(shorteners), "shorteners")
        self._allowed_invites = frozenset(
            code.strip().rstrip("/").rsplit("/", 1)[-1].casefold()
            for code in params.allowed_invites
        )

    def evaluate(self, subject: Subject, ctx: Context) -> Hit | None:
        """Return a hit naming the most serious kind of offending link, if any."""
        content = subject.message.content
        if not content:
            return None
        links = find_links(content)
        if not content.isascii():
            folded = subject.text.folded
            if folded and folded != content:
                seen = {link.key for link in links}
                links.extend(link for link in find_links(folded) if link.key not in seen)
        masked = find_masked(content) if self.params.block_masked else []
        if not links and not masked:
            return None
        new = self._is_new(subject.member, ctx.now)
        findings = [f for link in links if (f := self._judge(link, new=new)) is not None]
        findings.extend(self._judge_masked(masked))
        if not findings:
            return None
        return self._hit(findings, subject, ctx)

    def _is_new(self, member: Member, now: datetime) -> bool:
        hours = self.params.new_member_hours
        if hours <= 0 or member.joined_at is None:
            return False
        return _hours_since(member.joined_at, now) < hours

    def _judge(self, link: Link, *, new: bool) -> _Finding | None:
        allowed = self._allow.find(link.host) is not None
        if not allowed and self._deny.find(link.host) is not None:
            return _Finding(0, link.start, link.text, link.domain)
        if link.weak:
            return None
        if self.params.block_invites:
            codes = invite_codes(link)
            if codes is not None:
                if any(code.casefold() in self._allowed_invites for code in codes):
                    return None
                return _Finding(1, link.start, link.text, link.domain)
        if allowed:
            return None
        if (
            self.params.block_shorteners
            and self._shorteners.find(link.host) is not None
            and link.segments
        ):
            return _Finding(2, link.start, link.text, link.domain)
        if new:
            return _Finding(4, link.start, link.text, link.domain)
        if self.params.only_unknown:
            return _Finding(5, link.start, link.text, link.domain)
        return None

    def _judge_masked(self, masked: list[MaskedLink]) -> list[_Finding]:
        findings: list[_Finding] = []
        for item in masked:
            target = item.target
            if self._allow.find(target.host) is not None:
                continue
            if self.params.masked_any or any(
                shown.domain != target.domain for shown in find_links(item.label, lenient=True)
            ):
                findings.append(_Finding(3, target.start, item.text, target.domain))
        return findings

    def _hit(self, findings: list[_Finding], subject: Subject, ctx: Context) -> Hit:
        findings.sort(key=lambda f: (f.kind, f.start))
        matched = tuple(dict.fromkeys(f.text for f in findings))[:_MAX_LISTED]
        domains = list(dict.fromkeys(f.domain for f in findings))[:_MAX_LISTED]
        kinds = list(dict.fromkeys(KINDS[f.kind] for f in findings))
        worst = findings[0].kind
        shown = ", ".join(dict.fromkeys(f.domain for f in findings if f.kind == worst))
        evidence: dict[str, Any] = {"kind": KINDS[worst], "kinds": kinds, "domains": domains}
        if worst == 4 and subject.member.joined_at is not None:
            hours = _hours_since(subject.member.joined_at, ctx.now)
            evidence["joined_hours_ago"] = round(hours, 2)
        return Hit(reason=self._reason(worst, shown), matched=matched, evidence=evidence)

    def _reason(self, kind: int, shown: str) -> str:
        if kind == 0:
            return f"links to a blocked site ({shown})"
        if kind == 1:
            return f"posts an invite to another server or workspace ({shown})"
        if kind == 2:
            return f"uses a link shortener that hides where the link leads ({shown})"
        if kind == 3:
            return f"a link shows a different address than where it leads ({shown})"
        if kind == 4:
            hours = f"{self.params.new_member_hours:g}"
            return f"posts a link within {hours} hours of joining ({shown})"
        return f"links to a site that is not on the allowed list ({shown})"

"""Know the workspace's members: ``users.info`` and user groups, cached and refreshed.

Slack has no roles. A member's ``roles`` are the handles of the user groups they are in,
so a community's ``moderator_roles`` can name user groups (``moderators``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.models import Member
from bot.core.refs import Ref

PLATFORM = "slack"
logger = logging.getLogger(__name__)

_FOR_NOW = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)
"""Slack's error codes for a refusal that may not hold on a later try."""

GROUPS_RETRY = 10.0
"""Seconds before the user group list is asked for again after Slack could not answer."""


class SlackUnavailable(RuntimeError):
    """Slack could not answer a lookup now (its rate limit outlasted, or its own failure)."""


def _for_now(error: SlackApiError) -> bool:
    """Return whether Slack's refusal may not hold on a later try."""
    status = getattr(error.response, "status_code", 200)
    return status == 429 or status >= 500 or error.response.get("error") in _FOR_NOW


def member_from(user: dict[str, Any], groups: frozenset[str]) -> Member:
    """Return a member from a Slack user object and their group handles."""
    profile = user.get("profile") or {}
    return Member(
        ref=Ref(PLATFORM, str(user["id"])),
        name=str(user.get("name") or user["id"]),
        display_name=str(profile.get("display_name") or user.get("real_name") or ""),
        roles=groups,
        lang=user.get("locale") or None,
        is_bot=bool(user.get("is_bot")),
        is_owner=bool(user.get("is_owner") or user.get("is_primary_owner")),
        # A deactivated account is known to Slack and in the workspace no more.
        present=not user.get("deleted"),
        # Slack's default pictures are drawn per person: only an upload is a picture chosen.
        avatar=str(profile.get("avatar_hash") or "") if profile.get("is_custom_image") else "",
    )


class MemberDirectory:
    """Look members up through the Web API, remembering answers for ``refresh`` seconds.

    Args:
        client: The bot's Web API client.
        refresh: How long a user or the group list is trusted before it is asked again.
        monotonic: Tells the time in seconds (a fake one in tests).
    """

    def __init__(
        self,
        client: AsyncWebClient,
        *,
        refresh: float = 300.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._refresh = refresh
        self._now = monotonic
        self._users: dict[str, tuple[float, dict[str, Any]]] = {}
        self._groups: dict[str, frozenset[str]] = {}
        self._group_ids: dict[str, str] = {}
        self._groups_at = float("-inf")
        self._groups_refused = False

    async def member(self, user_id: str) -> Member | None:
        """Return a member as known now, or ``None`` if Slack does not know them or cannot say.

        When Slack cannot answer now, a member seen before is returned as last seen.
        """
        try:
            return await self.member_now(user_id)
        except SlackUnavailable as error:
            logger.warning("%s", error)
            return None

    async def member_now(self, user_id: str) -> Member | None:
        """Return a member as :meth:`member` does, but fail when Slack cannot say now.

        Events read with it fail instead of going unmoderated, and Slack delivers them again.

        Raises:
            SlackUnavailable: If Slack cannot answer now and the member was never seen.
        """
        now = self._now()
        cached = self._users.get(user_id)
        if cached is None or now - cached[0] > self._refresh:
            try:
                # Slack leaves the member's language out unless asked for it.
                answer = await self._client.users_info(user=user_id, include_locale=True)
            except SlackApiError as error:
                code = error.response.get("error")
                if not _for_now(error):
                    logger.info("users.info %s refused: %s", user_id, code)
                    return None
                if cached is None:
                    raise SlackUnavailable(f"users.info {user_id} failed: {code}") from error
                logger.info("users.info %s failed (%s): the member as last seen", user_id, code)
            else:
                cached = (now, dict(answer["user"]))
                self._users[user_id] = cached
        return member_from(cached[1], await self.groups_of(user_id))

    async def known(self, user_id: str) -> Member | None:
        """Return a member as last seen, without asking Slack; ``None`` if never seen."""
        cached = self._users.get(user_id)
        if cached is None:
            return None
        return member_from(cached[1], await self.groups_of(user_id))

    def remember(self, user: dict[str, Any]) -> None:
        """Keep a user object an event carried (``team_join``, ``user_change``), saving a lookup."""
        self._users[str(user["id"])] = (self._now(), user)

    async def groups_of(self, user_id: str) -> frozenset[str]:
        """Return the handles of the user groups a user is in."""
        if self._now() - self._groups_at > self._refresh:
            await self._load_groups()
        return self._groups.get(user_id, frozenset())

    async def group_ids(self, *, fresh: bool = False) -> dict[str, str]:
        """Return user group ids by casefolded handle and by casefolded name.

        Args:
            fresh: Ask Slack now, even if the cached list is recent (a group made since).
        """
        if fresh or self._now() - self._groups_at > self._refresh:
            await self._load_groups()
        return self._group_ids

    async def _load_groups(self) -> None:
        self._groups_at = self._now()
        try:
            answer = await self._client.usergroups_list(include_users=True)
        except SlackApiError as error:
            if _for_now(error):
                # Until the list comes, moderators named by group count as members: ask
                # again soon rather than after a whole refresh.
                self._groups_at = self._now() - self._refresh + GROUPS_RETRY
                logger.warning(
                    "usergroups.list failed (%s): the groups as last seen until it answers",
                    error.response.get("error"),
                )
                return
            if not self._groups_refused:
                logger.warning(
                    "usergroups.list refused (%s): moderators can be named only by user id",
                    error.response.get("error"),
                )
                self._groups_refused = True
            return
        handles: dict[str, set[str]] = {}
        ids: dict[str, str] = {}
        for group in answer.get("usergroups") or []:
            # A handle is unique in a workspace; a display name may repeat, so it never
            # replaces a handle.
            ids.setdefault(str(group.get("name") or "").casefold(), str(group["id"]))
            ids[str(group["handle"]).casefold()] = str(group["id"])
            for user in group.get("users") or []:
                handles.setdefault(str(user), set()).add(str(group["handle"]))
        self._groups = {user: frozenset(found) for user, found in handles.items()}
        self._group_ids = ids

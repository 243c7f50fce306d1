"""Whether the ban a case applied still holds: what /unban's completion offers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.refs import Ref
from moderation.cases import ActionStatus, Case, CaseAction

OPENED = datetime(2026, 3, 2, 9, tzinfo=UTC)


def case(*actions: tuple[str, dict[str, object], ActionStatus]) -> Case:
    return Case(
        community=Ref("local", "acme"),
        member=Ref("local", "bob"),
        id=1,
        number=1,
        created_at=OPENED,
        actions=tuple(
            CaseAction(position=i, kind=kind, payload=payload, status=status)
            for i, (kind, payload, status) in enumerate(actions)
        ),
    )


APPLIED = ActionStatus.APPLIED


@pytest.mark.parametrize(
    ("found", "holds"),
    [
        (case(("delete_message", {}, APPLIED)), None),
        (case(("delete_message", {}, APPLIED), ("ban", {}, APPLIED)), True),
        (case(("ban", {}, ActionStatus.FAILED)), None),  # the platform refused it
        (case(("ban", {"duration": 86400.0}, APPLIED)), True),  # a day's ban, an hour in
        (case(("ban", {"duration": 1800.0}, APPLIED)), False),  # half an hour's, over
        (case(("unban", {}, APPLIED)), False),
    ],
)
def test_a_cases_ban_holds_until_lifted_or_over(found: Case, holds: bool | None) -> None:
    assert found.banned_by_it(OPENED + timedelta(hours=1)) is holds

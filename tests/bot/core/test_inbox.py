"""The inbox: events heard one at a time reach the app in bursts, in order, and none is lost."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from bot.core.events import Event, MemberLeft
from bot.core.inbox import MAX_BURST, EventInbox
from bot.core.refs import Ref

HOME = Ref("local", "home")
AT = datetime(2026, 1, 1, tzinfo=UTC)


def left(n: int) -> Event:
    return MemberLeft(community=HOME, at=AT, id=f"e{n}", member=Ref("local", f"u{n}"))


class Receiver:
    """Records each burst; can be told to fail once, or to hold a burst until released."""

    def __init__(self) -> None:
        self.bursts: list[list[str]] = []
        self.fail_next = False
        self.release = asyncio.Event()
        self.release.set()

    async def __call__(self, events: Sequence[Event]) -> None:
        await self.release.wait()
        if self.fail_next:
            self.fail_next = False
            raise RuntimeError("storage is down")
        self.bursts.append([e.id for e in events])


async def test_events_heard_together_go_on_together_in_order() -> None:
    receiver = Receiver()
    inbox = EventInbox(receiver)
    for n in range(5):
        inbox.put(left(n))
    assert len(inbox) == 5, "nothing goes on before the loop runs"
    await inbox.drained()
    assert receiver.bursts == [["e0", "e1", "e2", "e3", "e4"]]
    assert len(inbox) == 0


async def test_events_heard_while_a_burst_is_handed_on_follow_it() -> None:
    receiver = Receiver()
    receiver.release.clear()
    inbox = EventInbox(receiver)
    inbox.put(left(0))
    await asyncio.sleep(0)  # the first burst is taken and waits on the receiver
    inbox.put(left(1))
    inbox.put(left(2))
    receiver.release.set()
    await inbox.drained()
    assert receiver.bursts == [["e0"], ["e1", "e2"]]


async def test_a_long_backlog_goes_on_in_bounded_bursts() -> None:
    receiver = Receiver()
    inbox = EventInbox(receiver)
    for n in range(MAX_BURST + 3):
        inbox.put(left(n))
    await inbox.drained()
    assert [len(b) for b in receiver.bursts] == [MAX_BURST, 3]
    assert [i for b in receiver.bursts for i in b] == [f"e{n}" for n in range(MAX_BURST + 3)]


async def test_a_failed_burst_is_logged_and_the_next_still_goes(
    caplog: pytest.LogCaptureFixture,
) -> None:
    receiver = Receiver()
    receiver.fail_next = True
    inbox = EventInbox(receiver, name="test-inbox")
    inbox.put(left(0))
    await inbox.drained()
    inbox.put(left(1))
    await inbox.drained()
    assert receiver.bursts == [["e1"]]
    assert "test-inbox could not hand on 1 event(s)" in caplog.text


async def test_closing_says_how_many_were_not_handed_on(caplog: pytest.LogCaptureFixture) -> None:
    receiver = Receiver()
    receiver.release.clear()
    inbox = EventInbox(receiver, name="test-inbox")
    inbox.put(left(0))
    await asyncio.sleep(0)
    inbox.put(left(1))
    with caplog.at_level(logging.WARNING):
        await inbox.close()
    assert "test-inbox closed with 1 event(s) not handed on" in caplog.text
    assert receiver.bursts == []
    await inbox.drained()  # nothing left to wait for

"""A member's report through the message shortcut and its modal, and the review card it makes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.standins.slack import SlackStandin, payloads
from tests.bot.adapters.slack.conftest import ALICE, GENERAL, MILO, MODLOG, Steward

REPORTED = "dm me for cheap followers"


@dataclass(frozen=True)
class ReviewCard:
    """The review card Steward posted to #mod-log.

    Attributes:
        ts: The card's message timestamp.
        buttons: The elements of its last (actions) block.
    """

    ts: str
    buttons: list[dict[str, Any]]


async def report_alices_message(standin: SlackStandin, steward: Steward) -> tuple[str, ReviewCard]:
    """Have Milo report Alice's message through the shortcut and its modal.

    Returns:
        The reported message's timestamp and the review card posted for it.
    """
    ws = standin.workspace
    general = ws.conversations[GENERAL]
    stored = payloads.member_posts(ws, ALICE, general, REPORTED)
    shortcut = payloads.message_shortcut(ws, MILO, general, stored["ts"], "report_to_moderators")
    assert (await standin.send_interaction(shortcut)).status == 200
    opened = await standin.wait_for_call("views.open")
    submission = payloads.view_submission(
        ws,
        MILO,
        "report_to_moderators",
        {"reason": "selling followers"},
        private_metadata=opened.args["view"]["private_metadata"],
    )
    assert (await standin.send_interaction(submission)).status == 200
    await steward.settle()
    card = await standin.wait_for_call(
        "chat.postMessage", lambda c: c.args.get("channel") == MODLOG and bool(c.args.get("blocks"))
    )
    return str(stored["ts"]), ReviewCard(card.response["ts"], card.args["blocks"][-1]["elements"])


async def click(standin: SlackStandin, user: str, card: ReviewCard, choice: str) -> None:
    """Have ``user`` click the card's button for ``choice``."""
    ws = standin.workspace
    button = next(b for b in card.buttons if b["value"] == choice)
    clicked = payloads.block_action(
        ws, user, ws.conversations[MODLOG], card.ts, action_id=button["action_id"], value=choice
    )
    assert (await standin.send_interaction(clicked)).status == 200


def dm_texts(standin: SlackStandin) -> list[str]:
    """Return the text of every direct message the bot sent, in order."""
    ims = {c.id for c in standin.workspace.conversations.values() if c.is_im}
    return [
        str(c.args["text"])
        for c in standin.calls_to("chat.postMessage")
        if c.args.get("channel") in ims
    ]

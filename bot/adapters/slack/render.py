"""Render Steward's text (Discord-style markdown, the one source) as Slack mrkdwn and blocks.

Templates and notices are written once, in the markdown Discord shows as is. Slack
speaks a different dialect: ``*bold*``, ``_italic_``, ``~strike~``, ``<url|text>``
links, and ``&``, ``<``, ``>`` escaped. Buttons become a Block Kit ``actions`` block whose
``action_id`` carries the button's target and choice back on click.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from bot.core.actions import Button, ButtonStyle
from bot.core.text_pieces import pieces

_CODE = re.compile(r"(```.*?```|`[^`\n]+`)", re.DOTALL)
_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^)\s]+)\)")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_UNDERLINE = re.compile(r"__(.+?)__")
_ITALIC = re.compile(r"(?<![*\w])\*(?!\s)(.+?)(?<!\s)\*(?![*\w])")
_STRIKE = re.compile(r"~~(.+?)~~")
_HEADING = re.compile(r"^#{1,3} +(.+)$", re.MULTILINE)
_CHANNEL_ID = re.compile(r"#([CG][A-Z0-9]{6,})\b")  # templates write "#{channel}" with an id
_QUOTED_LINK = "]\\("
_BOLD_MARK = "\x00"
_MENTION_MARK = "\x02"
_SECTION_LIMIT = 3000  # characters Slack accepts in one section's text
TEXT_LIMIT = 40_000
"""Characters of a message's text Slack keeps; it cuts off the rest without a word."""
_ACTION_SEPARATOR = "#"
_QUESTION_MARKER = "#?"
_ACTION_ID_MAX = 255
_STYLES = {
    ButtonStyle.PRIMARY: "primary",
    ButtonStyle.SUCCESS: "primary",
    ButtonStyle.DANGER: "danger",
}


def escape(text: str) -> str:
    """Escape the three characters Slack reserves for its markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mrkdwn(source: str, mentions: Sequence[str] = ()) -> str:
    """Return Discord-style markdown as Slack mrkdwn.

    Code spans and blocks keep their content (escaped only); links become ``<url|text>``.
    The given ``mentions`` (``<!subteam^ID>``, ``<@U123>``) stay as written so that they
    notify; everything else is escaped, so quoted words never ping anyone.
    """
    kept = [m for m in dict.fromkeys(mentions) if m]
    for index, mention in enumerate(kept):
        source = source.replace(mention, f"{_MENTION_MARK}{index}{_MENTION_MARK}")
    parts = _CODE.split(source)
    text = "".join(escape(part) if index % 2 else _prose(part) for index, part in enumerate(parts))
    return re.sub(f"{_MENTION_MARK}(\\d+){_MENTION_MARK}", lambda m: kept[int(m.group(1))], text)


def _prose(text: str) -> str:
    links: list[str] = []

    def keep_link(found: re.Match[str]) -> str:
        links.append(f"<{found.group(2)}|{_inline(escape(found.group(1)))}>")
        return f"\x01{len(links) - 1}\x01"

    text = _inline(escape(_LINK.sub(keep_link, text)))
    # A member's masked link, quoted by Steward as ``[label]\(url)`` so that it is not a
    # link (see bot.core.quoting): Slack reads no such escape, and shows it as typed.
    text = text.replace(_QUOTED_LINK, "](")
    return re.sub("\x01(\\d+)\x01", lambda m: links[int(m.group(1))], text)


def _inline(text: str) -> str:
    text = _HEADING.sub(lambda m: f"{_BOLD_MARK}{m.group(1)}{_BOLD_MARK}", text)
    text = _BOLD.sub(lambda m: f"{_BOLD_MARK}{m.group(1)}{_BOLD_MARK}", text)
    text = _UNDERLINE.sub(r"\1", text)  # Slack has no underline
    text = _ITALIC.sub(r"_\1_", text)
    text = _STRIKE.sub(r"~\1~", text)
    text = _CHANNEL_ID.sub(r"<#\1>", text)
    return text.replace(_BOLD_MARK, "*")


def action_id(button: Button) -> str:
    """Return the ``action_id`` of a button: its target and choice (unique in its block).

    A button that asks why before acting carries its question too, cut to fit Slack's
    255 characters; with no room left for it, it asks nothing.
    """
    plain = f"{button.target}{_ACTION_SEPARATOR}{button.choice}"
    room = _ACTION_ID_MAX - len(plain) - len(_QUESTION_MARKER)
    if not button.asks_reason or room <= 0:
        return plain
    return f"{plain}{_QUESTION_MARKER}{button.asks_reason[:room]}"


def target_of(action: str) -> str:
    """Return the button target an ``action_id`` carries (``review:42``)."""
    return action.partition(_QUESTION_MARKER)[0].rsplit(_ACTION_SEPARATOR, 1)[0]


def question_of(action: str) -> str:
    """Return the question a button asks before acting, from its ``action_id`` (or ``""``)."""
    return action.partition(_QUESTION_MARKER)[2]


def texts(source: str, mentions: Sequence[str] = ()) -> list[str]:
    """Return the text as Slack mrkdwn, in as many messages as Slack keeps whole.

    A modmail transcript or a long history can run past :data:`TEXT_LIMIT`; sent as
    several messages, none of it is cut off.
    """
    return pieces(mrkdwn(source, mentions), TEXT_LIMIT) or [""]


def posts(
    source: str, buttons: tuple[Button, ...] = (), mentions: Sequence[str] = ()
) -> list[tuple[str, list[dict[str, Any]] | None]]:
    """Return the messages a post takes: each one's text, and its blocks when it has buttons.

    The buttons go on the last message, under the end of the text they answer.
    """
    parts: list[tuple[str, list[dict[str, Any]] | None]] = [
        (text, None) for text in texts(source, mentions)
    ]
    if buttons:
        last, _ = parts[-1]
        parts[-1] = (last, _blocks_of(last, buttons))
    return parts


def edited(source: str, buttons: tuple[Button, ...] = ()) -> tuple[str, list[dict[str, Any]]]:
    """Return the text and blocks that replace a message's, shortened to what Slack keeps.

    An edit replaces one message, so a text too long for it ends, at a word where it can
    (never inside an escaped ``&amp;``), in an ellipsis.
    """
    text = mrkdwn(source)
    if len(text) > TEXT_LIMIT:
        text = f"{pieces(text, TEXT_LIMIT - 1)[0]}…"
    return text, _blocks_of(text, buttons)


def blocks(
    source: str, buttons: tuple[Button, ...] = (), mentions: Sequence[str] = ()
) -> list[dict[str, Any]]:
    """Return Block Kit blocks: the text as sections, then the buttons as one actions block."""
    return _blocks_of(mrkdwn(source, mentions), buttons)


def _blocks_of(text: str, buttons: tuple[Button, ...]) -> list[dict[str, Any]]:
    chunks = pieces(text, _SECTION_LIMIT) or [" "]
    rendered: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": chunk}} for chunk in chunks
    ]
    if buttons:
        rendered.append(
            {
                "type": "actions",
                "block_id": f"steward:{buttons[0].target}",
                "elements": [_button(b) for b in buttons],
            }
        )
    return rendered


def _button(button: Button) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": button.label[:75], "emoji": True},
        "action_id": action_id(button),
        "value": button.choice,
    }
    style = _STYLES.get(button.style)
    if style is not None:
        element["style"] = style
    return element

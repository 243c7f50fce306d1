"""Ask for a reason in a modal (``views.open``) and read it back from the submission.

Slack commands are one line of text; a sanction without a reason, or a report, opens a
modal with one text box, and so does a moderator's click on a button that asks why (a
review card's Warn, Timeout or Ban). What the modal is for travels in ``private_metadata``
as JSON.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

REASON_BLOCK = "reason"
COMMAND_CALLBACK = "steward_command"
REPORT_CALLBACK = "report_to_moderators"
CLICK_CALLBACK = "steward_click"
TITLE_MAX = 24
"""The most characters Slack shows in a modal's title."""


def reason_modal(
    callback_id: str,
    title: str,
    prompt: str,
    metadata: Mapping[str, Any],
    *,
    optional: bool = False,
) -> dict[str, Any]:
    """Return a modal view with one multi-line text box for a reason (``optional``: may stay empty)."""
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": json.dumps(dict(metadata)),
        "title": {"type": "plain_text", "text": title[:TITLE_MAX]},
        "submit": {"type": "plain_text", "text": "Submit"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "input",
                "block_id": REASON_BLOCK,
                "label": {"type": "plain_text", "text": prompt[:2000]},
                "element": {"type": "plain_text_input", "action_id": "value", "multiline": True},
                "optional": optional,
            }
        ],
    }


def submitted(body: Mapping[str, Any]) -> tuple[dict[str, Any], str]:
    """Return a submitted modal's metadata and the reason typed into it."""
    view = body.get("view") or {}
    metadata = json.loads(view.get("private_metadata") or "{}")
    values = ((view.get("state") or {}).get("values") or {}).get(REASON_BLOCK) or {}
    reason = next((str(v.get("value") or "") for v in values.values()), "")
    return metadata, reason.strip()

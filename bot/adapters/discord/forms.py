"""Ask why before a click: a button that asks opens a form (a modal) with one text box.

The click is answered with the form instead of being delivered; the form's submission
arrives as its own interaction and becomes the click, with what was typed as its reason
(see :func:`bot.adapters.discord.translate.interaction_event`). Everything the form
stands for travels in its custom id, so a submission after a restart still counts.
"""

from __future__ import annotations

import discord

from bot.adapters.discord.translate import FORM_INPUT, form_id

TITLE_MAX = 45
"""The most characters Discord shows in a form's title."""
REASON_MAX = 512
"""The most characters a reason may have: what Discord's audit log keeps."""


def reason_form(target: str, choice: str, question: str) -> discord.ui.Modal | None:
    """Return the form asking why before a click, or ``None`` if its ids do not fit."""
    custom = form_id(target, choice)
    if custom is None:
        return None
    form = discord.ui.Modal(title=question[:TITLE_MAX], custom_id=custom)
    form.add_item(
        discord.ui.TextInput(
            label="Reason",
            custom_id=FORM_INPUT,
            style=discord.TextStyle.paragraph,
            required=False,
            max_length=REASON_MAX,
            placeholder="Optional",
        )
    )
    # Submissions are read from the interaction (they may come after a restart), so
    # discord.py need not keep the form waiting in its view store: a stopped form is not.
    form.stop()
    return form

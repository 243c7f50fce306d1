"""Sign requests the way Slack does (the v0 scheme), so the real verifier accepts them."""

from __future__ import annotations

import hashlib
import hmac


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """Return the ``X-Slack-Signature`` value of a request body sent at ``timestamp``."""
    base = b"v0:" + timestamp.encode() + b":" + body
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return f"v0={digest}"


def signed_headers(secret: str, timestamp: int, body: bytes) -> dict[str, str]:
    """Return the two headers that authenticate a request from Slack."""
    stamp = str(timestamp)
    return {
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature(secret, stamp, body),
    }

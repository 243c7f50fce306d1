"""A small webhook receiver on 127.0.0.1 for routing tests through the stand-ins."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class WebhookSink:
    """Where the test's webhooks point, and what they received.

    Attributes:
        base: The server's address (``http://127.0.0.1:PORT``).
        received: Each JSON body posted to ``/ok``, in order.
        refused: Each JSON body posted to ``/broken`` (answered with a 500).
    """

    base: str
    received: list[dict[str, Any]] = field(default_factory=list)
    refused: list[dict[str, Any]] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def ok_url(self) -> str:
        """Return the URL that accepts deliveries."""
        return f"{self.base}/ok"

    @property
    def broken_url(self) -> str:
        """Return the URL that answers every delivery with a server error."""
        return f"{self.base}/broken"

    async def wait(self, count: int, *, within: float = 10.0) -> None:
        """Wait until ``count`` deliveries (accepted or refused) arrived."""
        async with asyncio.timeout(within):
            while len(self.received) + len(self.refused) < count:
                self.arrived.clear()
                await self.arrived.wait()


@contextlib.asynccontextmanager
async def webhook_sink() -> AsyncIterator[WebhookSink]:
    """Serve ``/ok`` (204) and ``/broken`` (500) on a free port of 127.0.0.1."""
    sink = WebhookSink(base="")

    async def accept(request: web.Request) -> web.Response:
        sink.received.append(await request.json())
        sink.arrived.set()
        return web.Response(status=204)

    async def refuse(request: web.Request) -> web.Response:
        sink.refused.append(await request.json())
        sink.arrived.set()
        return web.Response(status=500, text="down for maintenance")

    app = web.Application()
    app.router.add_post("/ok", accept)
    app.router.add_post("/broken", refuse)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    sink.base = f"http://127.0.0.1:{port}"
    try:
        yield sink
    finally:
        await runner.cleanup()

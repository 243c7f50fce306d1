"""Serve a stand-in Slack on 127.0.0.1: the Web API, Socket Mode, and signed deliveries.

The real slack-sdk and slack-bolt talk to it unmodified: point ``AsyncWebClient`` at
:attr:`SlackStandin.api_base` (the trailing slash matters). Every Web API call is
recorded; tests wait for the calls they expect with :meth:`SlackStandin.wait_for_call`.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import ClientError, ClientSession, WSMsgType, web

from bot.standins.slack import _webapi, payloads
from bot.standins.slack._signing import signed_headers
from bot.standins.slack.workspace import Conversation, Workspace


@dataclass(frozen=True, slots=True)
class Call:
    """One Web API call the stand-in received and what it answered.

    Attributes:
        method: The method name (``chat.delete``), or ``response_url`` for a reply to a
            command or click.
        token: Which token called: ``bot``, ``user`` (the admin user token), ``app`` or
            ``invalid``; ``hook`` for a reply posted to a response URL.
        args: The arguments, from the query, a form or a JSON body.
        response: The JSON body answered.
        status: The HTTP status answered.
    """

    method: str
    token: str
    args: dict[str, Any]
    response: dict[str, Any]
    status: int = 200

    @property
    def ok(self) -> bool:
        """Return whether Slack would have done what was asked."""
        return self.status == 200 and bool(self.response.get("ok"))


@dataclass(frozen=True, slots=True)
class Delivery:
    """What the app answered to a request the stand-in sent it."""

    status: int
    body: str
    content_type: str


CallFilter = Callable[[Call], bool]


class SlackStandin:
    """A local Slack: one workspace, its Web API, Socket Mode and a signed sender.

    Args:
        workspace: The workspace to serve; a fresh one by default.
        bot_token: The bot token it accepts (``xoxb-``).
        user_token: The admin user token it accepts (``xoxp-``).
        app_token: The app-level token for Socket Mode (``xapp-``).
        signing_secret: The secret it signs deliveries with.
        echo_deletions: Tell the app of each member's message an admin token deletes
            (``message_deleted``), over its socket or to :attr:`events_url`, as Slack
            tells apps of every deletion in their channels.
    """

    def __init__(
        self,
        workspace: Workspace | None = None,
        *,
        bot_token: str = "xoxb-standin-bot",  # noqa: S107 - a stand-in's test token
        user_token: str = "xoxp-standin-admin",  # noqa: S107 - a stand-in's test token
        app_token: str = "xapp-standin-app",  # noqa: S107 - a stand-in's test token
        signing_secret: str = "standin-signing-secret",  # noqa: S107 - a stand-in's test secret
        echo_deletions: bool = True,
    ) -> None:
        self.workspace = workspace or Workspace()
        self.bot_token = bot_token
        self.user_token = user_token
        self.app_token = app_token
        self.signing_secret = signing_secret
        self.calls: list[Call] = []
        self.events_url = ""
        self._tokens = {bot_token: "bot", user_token: "user", app_token: "app"}
        self._limits: dict[str, list[int]] = {}
        self._changed = asyncio.Condition()
        self._sockets: list[web.WebSocketResponse] = []
        self.socket_connections = 0
        self._acks: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._envelopes = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._session: ClientSession | None = None
        self.host = "127.0.0.1"
        self.port = 0
        self.echo_deletions = echo_deletions
        self._echoes: set[asyncio.Task[None]] = set()

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Serve on ``host:port`` (a free port when 0)."""
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)
        app.router.add_get("/socket", self._socket)
        app.router.add_post("/hooks/{kind}/{ident}", self._hook)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        self.host = host
        self.port = int(self._runner.addresses[0][1])
        self.workspace.hooks_base = f"{self.url}/hooks"

    async def close(self) -> None:
        """Close the sockets, the sender and the server."""
        for task in list(self._echoes):
            task.cancel()
        await asyncio.gather(*self._echoes, return_exceptions=True)
        for future in self._acks.values():
            future.cancel()
        for socket in list(self._sockets):
            await socket.close()
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def url(self) -> str:
        """Return the server's base URL."""
        return f"http://{self.host}:{self.port}"

    @property
    def api_base(self) -> str:
        """Return the Web API base URL for ``AsyncWebClient(base_url=...)``."""
        return f"{self.url}/api/"

    # -- Web API ---------------------------------------------------------------------------

    def rate_limit(self, method: str, *, retry_after: int = 0, times: int = 1) -> None:
        """Answer the next ``times`` calls of ``method`` with HTTP 429 and ``Retry-After``."""
        self._limits[method] = [retry_after, times]

    async def _api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        args = await _arguments(request)
        header = request.headers.get("Authorization", "")
        presented = header.removeprefix("Bearer ").strip() or str(args.pop("token", ""))
        args.pop("token", None)
        caller = self._tokens.get(presented, "invalid")
        deleting = self._deleting(method, caller, args)
        status, body, headers = self._answer(method, caller, args)
        await self._record(Call(method, caller, args, body, status))
        if deleting is not None and body.get("ok"):
            echo = asyncio.create_task(self._echo_deletion(*deleting))
            self._echoes.add(echo)
            echo.add_done_callback(self._echoes.discard)
        return web.json_response(body, status=status, headers=headers)

    def _deleting(
        self, method: str, caller: str, args: dict[str, Any]
    ) -> tuple[Conversation, dict[str, Any]] | None:
        """Return the channel and member's message a call is about to delete, to echo it."""
        if not self.echo_deletions or method != "chat.delete" or caller != "user":
            return None
        channel = self.workspace.conversations.get(str(args.get("channel", "")))
        message = channel.messages.get(str(args.get("ts", ""))) if channel else None
        if channel is None or message is None or message.get("user") == self.workspace.bot.id:
            return None  # the bot's own: Slack echoes it, but Bolt drops the app's own events
        return channel, dict(message)

    async def _echo_deletion(self, channel: Conversation, message: dict[str, Any]) -> None:
        """Tell the app of a deletion as Slack would, however it listens.

        An app gone meanwhile (a test ending, a restart) misses it, as it would Slack's.
        """
        event = payloads.message_deleted(self.workspace, channel, message)
        with contextlib.suppress(TimeoutError, OSError, ClientError):
            if self._sockets:
                body = payloads.event_callback(self.workspace, event)
                await self.send_envelope("events_api", body)
            elif self.events_url:
                await self.send_event(event)

    async def _hook(self, request: web.Request) -> web.StreamResponse:
        """Take a reply posted to a command's or click's ``response_url``."""
        args = await _arguments(request)
        if "text" in args:  # what the member is shown, as in a posted message
            args["text"] = _webapi.shown(args["text"])
        args["response_url"] = str(request.url)
        await self._record(Call("response_url", "hook", args, {"ok": True}))
        return web.Response(text="ok")

    def _answer(
        self, method: str, caller: str, args: dict[str, Any]
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        limit = self._limits.get(method)
        if limit is not None and limit[1] > 0:
            limit[1] -= 1
            return 429, _webapi.error("ratelimited"), {"Retry-After": str(limit[0])}
        handler = _webapi.METHODS.get(method)
        if handler is None:
            return 404, _webapi.error("unknown_method"), {}
        if caller == "invalid":
            return 200, _webapi.error("invalid_auth"), {}
        if (method == "apps.connections.open") != (caller == "app"):
            return 200, _webapi.error("not_allowed_token_type"), {}
        body = handler(self.workspace, caller, args)
        if method == "apps.connections.open":
            body["url"] = f"ws://{self.host}:{self.port}/socket?ticket={next(self._envelopes)}"
        return 200, body, {}

    async def _record(self, call: Call) -> None:
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    def calls_to(self, method: str, where: CallFilter | None = None) -> list[Call]:
        """Return the recorded calls of a method, optionally filtered."""
        return [c for c in self.calls if c.method == method and (where is None or where(c))]

    async def wait_for_call(
        self, method: str, where: CallFilter | None = None, *, count: int = 1, within: float = 5.0
    ) -> Call:
        """Wait until ``count`` calls of ``method`` (matching ``where``) arrived; return the last.

        Raises:
            TimeoutError: If they did not arrive in time.
        """

        def arrived() -> bool:
            return len(self.calls_to(method, where)) >= count

        async with asyncio.timeout(within), self._changed:
            await self._changed.wait_for(arrived)
        return self.calls_to(method, where)[count - 1]

    # -- Socket Mode -----------------------------------------------------------------------

    async def _socket(self, request: web.Request) -> web.StreamResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        hello = {
            "type": "hello",
            "num_connections": len(self._sockets) + 1,
            "debug_info": {"host": "standin", "approximate_connection_time": 3600},
            "connection_info": {"app_id": payloads.APP_ID},
        }
        await socket.send_str(json.dumps(hello))
        async with self._changed:
            self._sockets.append(socket)
            self.socket_connections += 1
            self._changed.notify_all()
        try:
            async for message in socket:
                if message.type == WSMsgType.TEXT:
                    self._acknowledged(json.loads(message.data))
        finally:
            async with self._changed:
                if socket in self._sockets:
                    self._sockets.remove(socket)
                self._changed.notify_all()
        return socket

    def _acknowledged(self, ack: dict[str, Any]) -> None:
        future = self._acks.pop(str(ack.get("envelope_id", "")), None)
        if future is not None and not future.done():
            future.set_result(ack)

    async def wait_for_socket(self, connections: int = 1, *, within: float = 5.0) -> None:
        """Wait until ``connections`` Socket Mode connections were opened in all.

        Raises:
            TimeoutError: If they were not in time.
        """
        async with asyncio.timeout(within), self._changed:
            await self._changed.wait_for(
                lambda: self.socket_connections >= connections and bool(self._sockets)
            )

    async def send_envelope(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        retry_attempt: int = 0,
        within: float = 5.0,
    ) -> dict[str, Any]:
        """Send an envelope over the newest socket and return the app's acknowledgement.

        Args:
            kind: ``events_api``, ``slash_commands`` or ``interactive``.
            payload: What Slack would have posted over HTTP.
            retry_attempt: Which redelivery this is (0 for the first).
            within: How long to wait for the acknowledgement, in seconds.

        Raises:
            TimeoutError: If the app did not acknowledge in time.
        """
        await self.wait_for_socket(within=within)
        envelope_id = f"env-{next(self._envelopes)}"
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._acks[envelope_id] = future
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": kind != "events_api",
            "retry_attempt": retry_attempt,
            "retry_reason": "timeout" if retry_attempt else "",
        }
        await self._sockets[-1].send_str(json.dumps(envelope))
        async with asyncio.timeout(within):
            return await future

    async def disconnect_sockets(self, reason: str = "refresh_requested") -> None:
        """Ask every connected client to reconnect, as Slack does before it rotates hosts."""
        message = json.dumps({"type": "disconnect", "reason": reason})
        for socket in list(self._sockets):
            await socket.send_str(message)

    # -- signed deliveries over HTTP ------------------------------------------------------

    async def deliver(
        self,
        body: bytes,
        content_type: str,
        *,
        retry_num: int | None = None,
        timestamp: int | None = None,
        bad_signature: bool = False,
    ) -> Delivery:
        """Post a signed request to the app at :attr:`events_url`, as Slack does.

        Args:
            body: The raw body.
            content_type: Its media type.
            retry_num: Mark it as Slack's n-th redelivery (``X-Slack-Retry-Num``).
            timestamp: The signing time (Unix seconds); now by default.
            bad_signature: Sign with a wrong secret.
        """
        if not self.events_url:
            raise RuntimeError("set events_url to the app's request URL first")
        secret = "not-" + self.signing_secret if bad_signature else self.signing_secret
        headers = signed_headers(secret, timestamp or int(time.time()), body)
        headers["Content-Type"] = content_type
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = "http_timeout"
        if self._session is None:
            self._session = ClientSession()
        async with self._session.post(self.events_url, data=body, headers=headers) as response:
            return Delivery(response.status, await response.text(), response.content_type)

    async def send_event(
        self, event: dict[str, Any], *, event_id: str | None = None, **options: Any
    ) -> Delivery:
        """Deliver an inner event in its ``event_callback`` envelope; see :meth:`deliver`."""
        body = payloads.json_body(payloads.event_callback(self.workspace, event, event_id=event_id))
        return await self.deliver(body, "application/json", **options)

    async def send_command(self, fields: dict[str, str], **options: Any) -> Delivery:
        """Deliver a slash command's form; see :meth:`deliver`."""
        return await self.deliver(
            payloads.form_body(fields), "application/x-www-form-urlencoded", **options
        )

    async def send_interaction(self, payload: dict[str, Any], **options: Any) -> Delivery:
        """Deliver an interactive payload as its ``payload`` form field; see :meth:`deliver`."""
        return await self.deliver(
            payloads.interactive_body(payload), "application/x-www-form-urlencoded", **options
        )


async def _arguments(request: web.Request) -> dict[str, Any]:
    args: dict[str, Any] = dict(request.query)
    if request.method != "POST" or not request.can_read_body:
        return args
    if request.content_type == "application/json":
        with contextlib.suppress(ValueError):
            data = await request.json()
            if isinstance(data, dict):
                args.update(data)
        return args
    form = await request.post()
    args.update({key: value for key, value in form.items() if isinstance(value, str)})
    return args

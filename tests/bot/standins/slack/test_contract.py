"""The real slack-sdk and slack-bolt against the stand-in: a library upgrade that needs
new fields or behaviour fails here first."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.standins.slack import SlackStandin, payloads


@pytest.fixture
async def standin() -> AsyncIterator[SlackStandin]:
    server = SlackStandin()
    ws = server.workspace
    ws.add_user("U0ALICE", "alice")
    ws.add_channel("general", members=("U0ALICE", "U0ADMIN"))
    await server.start()
    yield server
    await server.close()


def client_for(standin: SlackStandin, token: str) -> AsyncWebClient:
    client = AsyncWebClient(token=token, base_url=standin.api_base)
    client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=2))
    return client


async def test_web_api_answers_like_slack(standin: SlackStandin) -> None:
    bot = client_for(standin, standin.bot_token)
    admin = client_for(standin, standin.user_token)
    general = standin.workspace.channel_named("general")
    auth = await bot.auth_test()
    assert auth["user_id"] == "U0BOT"
    assert auth["bot_id"] == standin.workspace.bot_id
    posted = await bot.chat_postMessage(channel=general.id, text="hello", thread_ts=None)
    assert posted["ts"] in general.messages
    member = payloads.member_posts(standin.workspace, "U0ALICE", general, "spam")
    with pytest.raises(SlackApiError) as refused:
        await bot.chat_delete(channel=general.id, ts=member["ts"])
    assert refused.value.response["error"] == "cant_delete_message"
    await admin.chat_delete(channel=general.id, ts=member["ts"])
    assert member["ts"] not in general.messages
    await bot.chat_delete(channel=general.id, ts=posted["ts"])
    im = await bot.conversations_open(users="U0ALICE")
    assert im["channel"]["is_im"]
    info = await bot.users_info(user="U0ALICE")
    assert info["user"]["name"] == "alice"
    standin.workspace.add_usergroup("mods", ("U0ALICE",))
    groups = await bot.usergroups_list(include_users=True)
    assert groups["usergroups"][0]["users"] == ["U0ALICE"]
    call = await standin.wait_for_call("chat.delete", lambda c: c.token == "user")
    assert call.ok
    with pytest.raises(SlackApiError):
        await AsyncWebClient(token="xoxb-wrong", base_url=standin.api_base).auth_test()


async def test_conversations_list_pages_with_the_sdks_cursor(standin: SlackStandin) -> None:
    ws = standin.workspace
    for number in range(5):
        ws.add_channel(f"room-{number}")
    secret = ws.add_channel("secret", private=True)
    ws.add_channel("elsewhere", private=True).members.discard(ws.bot.id)
    bot = client_for(standin, standin.bot_token)
    first = await bot.conversations_list(types="public_channel,private_channel", limit=2)
    names = [c["name"] async for page in first for c in page["channels"]]
    assert names == ["general", "room-0", "room-1", "room-2", "room-3", "room-4", "secret"], (
        "slack-sdk follows next_cursor; a private channel is listed only to its members"
    )
    public = await bot.conversations_list()
    assert secret.id not in {c["id"] for c in public["channels"]}
    assert public["response_metadata"]["next_cursor"] == ""


async def test_a_rate_limited_call_is_retried_after_the_pause(standin: SlackStandin) -> None:
    standin.rate_limit("chat.postMessage", retry_after=0)
    bot = client_for(standin, standin.bot_token)
    general = standin.workspace.channel_named("general")
    await bot.chat_postMessage(channel=general.id, text="after a pause")
    statuses = [c.status for c in standin.calls_to("chat.postMessage")]
    assert statuses == [429, 200]


class BoltOverHttp:
    """A plain bolt app served over aiohttp, recording what its listeners saw."""

    def __init__(self, standin: SlackStandin) -> None:
        self.seen: list[dict[str, Any]] = []
        self.app = AsyncApp(
            client=client_for(standin, standin.bot_token),
            signing_secret=standin.signing_secret,
            process_before_response=True,
        )

        async def on_message(body: dict[str, Any]) -> None:
            self.seen.append(body)

        async def on_command(ack: AsyncAck, body: dict[str, Any]) -> None:
            await ack("got it")
            self.seen.append(body)

        async def on_action(ack: AsyncAck, body: dict[str, Any]) -> None:
            await ack()
            self.seen.append(body)

        self.app.event("message")(on_message)
        self.app.command("/steward")(on_command)
        self.app.action("review:1#remove")(on_action)
        self.runner: web.AppRunner | None = None

    async def start(self, standin: SlackStandin) -> None:
        async def handle(request: web.Request) -> web.Response:
            return await to_aiohttp_response(
                await self.app.async_dispatch(await to_bolt_request(request))
            )

        server = web.Application()
        server.router.add_post("/slack/events", handle)
        self.runner = web.AppRunner(server, handle_signals=False)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = self.runner.addresses[0][1]
        standin.events_url = f"http://127.0.0.1:{port}/slack/events"

    async def close(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()


@pytest.fixture
async def bolt(standin: SlackStandin) -> AsyncIterator[BoltOverHttp]:
    app = BoltOverHttp(standin)
    await app.start(standin)
    yield app
    await app.close()


async def test_signed_deliveries_reach_bolt_and_forgeries_do_not(
    standin: SlackStandin, bolt: BoltOverHttp
) -> None:
    ws = standin.workspace
    general = ws.channel_named("general")
    event = payloads.member_posts(ws, "U0ALICE", general, "hello")
    assert (await standin.send_event(event, event_id="Ev1")).status == 200
    assert bolt.seen[-1]["event_id"] == "Ev1"
    forged = await standin.send_event(event, event_id="Ev2", bad_signature=True)
    stale = await standin.send_event(event, event_id="Ev3", timestamp=int(time.time()) - 6 * 60)
    assert (forged.status, stale.status) == (401, 401)
    command = await standin.send_command(payloads.slash_command(ws, "U0ALICE", general, "help"))
    assert (command.status, command.body) == (200, "got it")
    bot_post = await client_for(standin, standin.bot_token).chat_postMessage(
        channel=general.id,
        text="card",
        blocks=[{"type": "actions", "block_id": "b", "elements": []}],
    )
    click = payloads.block_action(
        ws, "U0ALICE", general, bot_post["ts"], action_id="review:1#remove", value="remove"
    )
    assert (await standin.send_interaction(click)).status == 200
    assert [b.get("type") for b in bolt.seen] == ["event_callback", None, "block_actions"]


async def test_socket_mode_acknowledges_and_reconnects_when_asked(standin: SlackStandin) -> None:
    seen: list[str] = []
    both = asyncio.Event()
    app = AsyncApp(client=client_for(standin, standin.bot_token))

    async def on_message(event: dict[str, Any]) -> None:
        seen.append(event["text"])
        if len(seen) == 2:
            both.set()

    app.event("message")(on_message)
    handler = AsyncSocketModeHandler(
        app, standin.app_token, web_client=client_for(standin, standin.app_token)
    )
    await handler.connect_async()  # type: ignore[no-untyped-call]
    try:
        general = standin.workspace.channel_named("general")
        event = payloads.member_posts(standin.workspace, "U0ALICE", general, "over the socket")
        body = payloads.event_callback(standin.workspace, event)
        ack = await standin.send_envelope("events_api", body)
        assert "envelope_id" in ack
        await standin.disconnect_sockets()
        await standin.wait_for_socket(2)
        await standin.send_envelope("events_api", payloads.event_callback(standin.workspace, event))
        async with asyncio.timeout(5):
            await both.wait()
        assert seen == ["over the socket", "over the socket"]
        opened = standin.calls_to("apps.connections.open")
        assert len(opened) >= 2
        assert all(c.token == "app" for c in opened)
    finally:
        await handler.close_async()  # type: ignore[no-untyped-call]

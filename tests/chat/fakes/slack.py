"""A local stand-in for Slack: Web API methods, Socket Mode websocket and response_url hooks.

Real slack_sdk / slack-bolt clients talk to it over 127.0.0.1. Every request is recorded; one it
does not understand lands in `unhandled`, which every test asserts is empty.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import WSMsgType, web

from fakes import payload
from fakes.server import LocalServer

BOT_USER_ID = "U0NEWSBRF"
TEAM_ID = "T0TEAM001"


@dataclass
class Call:
    path: str  # "/api/chat.postMessage", "/hooks/<id>"
    data: dict[str, Any]
    auth: str


def sign(secret: str, body: str, timestamp: int | None = None) -> dict[str, str]:
    """Slack's v0 request signature headers for `body`."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    mac = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={mac}"}


class FakeSlack(LocalServer):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[Call] = []
        self.acks: dict[str, dict[str, Any]] = {}  # Socket Mode envelope id -> ack
        # Web API method -> how many of its next calls get Slack's 429 "ratelimited" answer.
        self.rate_limited: dict[str, int] = {}
        self.private_channels: set[str] = set()  # what conversations.info calls private
        self.missing_channels: set[str] = set()  # chat.postMessage answers channel_not_found
        self.expired_hooks = False  # response_url posts answer 404 expired_url

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"  # the trailing slash matters to slack_sdk

    def hook_url(self) -> str:
        return f"{self.url}/hooks/{uuid.uuid4().hex}"

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)  # slack_sdk reads some methods by GET
        app.router.add_post("/hooks/{hook}", self._hook)
        app.router.add_get("/link", self._link)

    async def _record(self, call: Call) -> None:
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    @staticmethod
    async def _body(request: web.Request) -> dict[str, Any]:
        if request.method == "GET":
            return dict(request.query)
        raw = await request.text()
        if not raw:
            return {}
        if request.content_type == "application/json":
            return json.loads(raw)
        return dict(parse_qsl(raw))

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        auth = request.headers.get("Authorization", "")
        data = await self._body(request)
        await self._record(Call(f"/api/{method}", data, auth))
        wanted = "Bearer xapp-" if method == "apps.connections.open" else "Bearer xoxb-"
        if not auth.startswith(wanted):
            return web.json_response({"ok": False, "error": "invalid_auth"})
        if self.rate_limited.get(method, 0) > 0:
            self.rate_limited[method] -= 1
            return web.json_response({"ok": False, "error": "ratelimited"}, status=429,
                                     headers={"Retry-After": "1"})
        ts = f"{time.time():.6f}"
        if method == "auth.test":
            return web.json_response({
                "ok": True, "url": "https://newsroom.slack.com/", "team": "Newsroom",
                "user": "newsbrief", "team_id": TEAM_ID, "user_id": BOT_USER_ID,
                "bot_id": "B0NEWSBRF", "is_enterprise_install": False,
            })
        if method == "chat.postMessage":
            if data.get("channel") in self.missing_channels:
                return web.json_response({"ok": False, "error": "channel_not_found"})
            return web.json_response(
                {"ok": True, "channel": data.get("channel"), "ts": ts, "message": {"ts": ts}}
            )
        if method == "conversations.info":
            channel = data.get("channel", "")
            return web.json_response({"ok": True, "channel": {
                "id": channel, "is_channel": True, "is_im": False, "is_mpim": False,
                "is_private": channel in self.private_channels,
            }})
        if method == "chat.postEphemeral":
            return web.json_response({"ok": True, "message_ts": ts})
        if method == "apps.connections.open":
            return web.json_response({"ok": True, "url": f"ws://127.0.0.1:{self.port}/link"})
        self.unhandled.append(f"{request.method} /api/{method}")
        return web.json_response({"ok": False, "error": "unknown_method"}, status=404)

    async def _hook(self, request: web.Request) -> web.Response:
        await self._record(Call(request.path, await self._body(request), ""))
        if self.expired_hooks:  # as Slack answers a response_url past its 30 minutes
            return web.Response(status=404, text="expired_url")
        return web.Response(text="ok")

    # -- Socket Mode ---------------------------------------------------------------------------

    async def _link(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        await ws.send_json(payload("slack_socket_hello.json"))
        async with self._changed:
            self._ws = ws
            self._changed.notify_all()
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            ack = json.loads(msg.data)
            async with self._changed:
                self.acks[ack.get("envelope_id", "")] = ack
                self._changed.notify_all()
        return ws

    async def wait_connected(self, timeout: float = 10) -> None:
        await self.wait(lambda: self._ws is not None and not self._ws.closed, timeout)

    async def send_envelope(self, kind: str, payload: dict[str, Any]) -> str:
        """Push an events_api or slash_commands envelope; returns its id for `wait_ack`."""
        assert self._ws is not None, "no Socket Mode connection"
        envelope_id = str(uuid.uuid4())
        await self._ws.send_json({
            "envelope_id": envelope_id, "type": kind, "payload": payload,
            "accepts_response_payload": kind != "events_api",
            **({"retry_attempt": 0, "retry_reason": ""} if kind == "events_api" else {}),
        })
        return envelope_id

    async def wait_ack(self, envelope_id: str, timeout: float = 10) -> dict[str, Any]:
        await self.wait(lambda: envelope_id in self.acks, timeout)
        return self.acks[envelope_id]

    # -- waiting -------------------------------------------------------------------------------

    async def wait_call(self, path: str, timeout: float = 60, after: int = 0) -> Call:
        """The first call to `path` (a method path or "/hooks/") among calls[after:]."""

        def find() -> Call | None:
            return next((c for c in self.calls[after:] if c.path.startswith(path)), None)

        await self.wait(lambda: find() is not None, timeout)
        found = find()
        assert found is not None
        return found

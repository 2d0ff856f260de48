"""A local stand-in for Discord: the REST routes newsbrief uses and a gateway websocket.

A real discord.py Client logs in, syncs its commands, receives dispatches and calls back here over
127.0.0.1. Requests are recorded; one it does not understand lands in `unhandled`.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiohttp import WSMsgType, web

from fakes.server import LocalServer

APP_ID = "1190000000000000001"  # the bot user has the application's id, as on Discord
GUILD_ID = "1190000000000000100"
CHANNEL_ID = "1190000000000000200"
BOT_USER = {
    "id": APP_ID, "username": "newsbrief", "discriminator": "0", "global_name": "newsbrief",
    "avatar": None, "bot": True, "flags": 0,
}
JSON = "application/json"  # exactly: discord.py fails its login on "; charset=utf-8"
_ids = itertools.count(1190000000000100000)


def snowflake() -> str:
    return str(next(_ids))


def _json(data: Any, status: int = 200) -> web.Response:
    return web.Response(body=json.dumps(data).encode(), status=status,
                        headers={"Content-Type": JSON})


@dataclass
class Request:
    method: str
    path: str  # without the /api/v10 prefix, e.g. "/webhooks/<app>/<token>"
    query: dict[str, str]
    data: Any


def message_object(channel_id: str, body: dict[str, Any], author: dict[str, Any]) -> dict:
    """A message as Discord returns it after a send."""
    return {
        "id": snowflake(), "channel_id": channel_id, "guild_id": GUILD_ID, "author": author,
        "content": body.get("content") or "", "timestamp": datetime.now(UTC).isoformat(),
        "edited_timestamp": None, "tts": False, "mention_everyone": False, "mentions": [],
        "mention_roles": [], "attachments": [], "embeds": body.get("embeds") or [],
        "pinned": False, "type": 0 if "message_reference" not in body else 19,
        "flags": body.get("flags") or 0, "components": [],
    }


class FakeDiscord(LocalServer):
    def __init__(self, guild_create: dict[str, Any]) -> None:
        super().__init__()
        self.guild_create = guild_create  # the GUILD_CREATE dispatch data sent after READY
        # GET /channels/{id} answers these (the guild's, and any a test adds); others are 404.
        self.channels: dict[str, dict[str, Any]] = {
            c["id"]: c for c in guild_create.get("channels", [])}
        self.requests: list[Request] = []
        self.identified: dict[str, Any] | None = None
        self._seq = 0

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    def routes(self, app: web.Application) -> None:
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)

    # -- REST ----------------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        raw = await request.read()
        data = json.loads(raw) if raw and request.content_type == JSON else None
        if raw and data is None and request.content_type.startswith("multipart/"):
            data = {"multipart": raw.decode("utf-8", "replace")}
        req = Request(request.method, path, dict(request.query), data)
        async with self._changed:
            self.requests.append(req)
            self._changed.notify_all()
        if request.headers.get("Authorization") != "Bot test-discord-token" and not (
            path.startswith("/webhooks/") or path.startswith("/interactions/")
        ):
            return _json({"message": "401: Unauthorized", "code": 0}, 401)
        parts = path.strip("/").split("/")
        m = request.method
        if m == "GET" and path == "/users/@me":
            return _json(BOT_USER)
        if m == "GET" and path == "/oauth2/applications/@me":
            return _json({
                "id": APP_ID, "name": "newsbrief", "icon": None, "description": "",
                "bot_public": True, "bot_require_code_grant": False, "owner": BOT_USER,
                "verify_key": "0" * 64, "flags": 0, "team": None, "summary": "",
            })
        if m == "PUT" and parts[:1] == ["applications"] and parts[-1] == "commands":
            return _json([
                {**c, "id": snowflake(), "application_id": APP_ID, "version": snowflake(),
                 "type": c.get("type", 1), "default_member_permissions": None}
                for c in data or []
            ])
        if m == "POST" and parts[0] == "interactions" and parts[-1] == "callback":
            kind = (data or {}).get("type")
            resource: dict[str, Any] = {"type": kind}
            if kind == 4:
                resource["message"] = message_object(CHANNEL_ID, data["data"], BOT_USER)
            return _json({
                "interaction": {
                    "id": parts[1], "type": 2, "response_message_id": snowflake(),
                    "response_message_loading": kind == 5,
                    "response_message_ephemeral": bool((data.get("data") or {}).get("flags")),
                },
                "resource": resource,
            })
        if m == "POST" and parts[0] == "webhooks" and len(parts) == 3:
            return _json(message_object(CHANNEL_ID, data or {}, BOT_USER))
        if m == "DELETE" and parts[0] == "webhooks" and parts[-1] == "@original":
            return web.Response(status=204)
        if m == "GET" and parts[0] == "channels" and len(parts) == 2:
            if parts[1] in self.channels:
                return _json(self.channels[parts[1]])
            return _json({"message": "Unknown Channel", "code": 10003}, 404)
        if m == "POST" and parts[0] == "channels" and parts[-1] == "typing":
            return web.Response(status=204)
        if m == "POST" and parts[0] == "channels" and parts[-1] == "messages":
            return _json(message_object(parts[1], data or {}, BOT_USER))
        self.unhandled.append(f"{m} {path}")
        return _json({"message": "404: Not Found", "code": 0}, 404)

    # -- gateway -------------------------------------------------------------------------------

    async def _send(self, op: int, d: Any, t: str | None = None) -> None:
        assert self._ws is not None
        frame: dict[str, Any] = {"op": op, "d": d, "s": None, "t": t}
        if op == 0:
            self._seq += 1
            frame["s"] = self._seq
        await self._ws.send_str(json.dumps(frame))

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._ws = ws
        await self._send(10, {"heartbeat_interval": 41250})
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            frame = json.loads(msg.data)
            if frame["op"] == 1:  # heartbeat
                await self._send(11, None)
            elif frame["op"] == 2:  # identify
                async with self._changed:
                    self.identified = frame["d"]
                    self._changed.notify_all()
                await self._send(0, {
                    "v": 10, "user": BOT_USER, "guilds": [{"id": GUILD_ID, "unavailable": True}],
                    "session_id": "fake-session", "resume_gateway_url": self.gateway_url,
                    "application": {"id": APP_ID, "flags": 0}, "private_channels": [],
                }, "READY")
                await self._send(0, self.guild_create, "GUILD_CREATE")
            else:
                self.unhandled.append(f"gateway op {frame['op']}")
        return ws

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        await self._send(0, data, event)

    # -- waiting -------------------------------------------------------------------------------

    async def wait_identified(self, timeout: float = 60) -> dict[str, Any]:
        await self.wait(lambda: self.identified is not None, timeout)
        assert self.identified is not None
        return self.identified

    async def wait_request(self, method: str, prefix: str, timeout: float = 60,
                           after: int = 0) -> Request:
        def find() -> Request | None:
            return next((r for r in self.requests[after:]
                         if r.method == method and r.path.startswith(prefix)), None)

        await self.wait(lambda: find() is not None, timeout)
        found = find()
        assert found is not None
        return found

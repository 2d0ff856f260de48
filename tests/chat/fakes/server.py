"""What the Slack and Discord stand-ins share: an aiohttp server on 127.0.0.1 (a free port), a
record of requests nobody handles, and waiting until a condition on the recorded state holds."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from aiohttp import web


class LocalServer:
    """Subclasses add their routes in `routes`; anything else lands in `unhandled` as a 404.

    They notify `_changed` (under its lock) whenever state a test may wait for changes.
    """

    def __init__(self) -> None:
        self.unhandled: list[str] = []
        self._changed = asyncio.Condition()
        self._ws: web.WebSocketResponse | None = None  # the client's websocket, once connected
        self._runner: web.AppRunner | None = None
        self.port = 0

    def routes(self, app: web.Application) -> None:
        """Add the stand-in's own routes; the catch-all for unknown requests comes after them."""

    async def start(self) -> None:
        app = web.Application()
        self.routes(app)
        app.router.add_route("*", "/{tail:.*}", self._unknown)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _unknown(self, request: web.Request) -> web.Response:
        self.unhandled.append(f"{request.method} {request.path}")
        return web.Response(status=404)

    async def wait(self, predicate: Callable[[], object], timeout: float) -> None:
        """Wait until `predicate()` is true, checked each time `_changed` is notified."""

        async def _wait() -> None:
            async with self._changed:
                await self._changed.wait_for(predicate)

        await asyncio.wait_for(_wait(), timeout)

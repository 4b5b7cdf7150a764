"""``/healthz``: 200 when every source is up and the loop runs, 503 with the reasons otherwise.

Off unless ``[health] http_port`` is set; aiohttp is imported only when the endpoint
is started, so ``import bot`` stays light.
"""

from __future__ import annotations

from typing import Any

from .status import Reporting


class Endpoint(Reporting):
    """The monitor's HTTP face (a part of ``HealthMonitor``)."""

    _runner: Any

    def healthz(self) -> tuple[int, dict[str, Any]]:
        """Status code and body. The body names sources and reasons only: no ids, no member data, no URLs."""
        snap = self.snapshot()
        body = {
            "status": snap["status"],
            "checked_at": snap["checked_at"],
            "reasons": [p["title"] for p in snap["problems"] if p["unhealthy"]],
            "sources": {name: ("ok" if s["ok"] else f"failing since {s['since']}") for name, s in snap["sources"].items()},
            "last_tick": snap["scheduler"]["last_tick"],
        }
        return (200 if snap["status"] == "ok" else 503), body

    async def _serve(self, host: str, port: int) -> int:
        from aiohttp import web  # only when the endpoint is wanted: `import bot` stays light

        async def handle(request: web.Request) -> web.Response:
            try:
                code, body = self.healthz()
            except Exception as exc:  # e.g. the store is unreadable: that is unhealthy, not a crash
                code, body = 503, {"status": "failing", "reasons": [f"self-check failed: {type(exc).__name__}"]}
            return web.json_response(body, status=code)

        app = web.Application()
        app.router.add_get("/healthz", handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, host, port).start()
        self._runner = runner
        return int(runner.addresses[0][1])

    async def _stop_serving(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

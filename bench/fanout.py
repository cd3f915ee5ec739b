"""Benchmark: the daily fan-out through the pacer, against a bare asyncio.gather.

Usage:  python bench/fanout.py [--sizes 1000 10000] [--seconds 4]

A local HTTP server on 127.0.0.1 (a separate process) answers
``POST /api/v10/channels/{id}/messages`` the way Discord does: a global limit
of L requests per second (fixed one-second windows) and 5 per 5 s per
channel, with 429 responses carrying ``retry_after``, ``global`` and the
X-RateLimit headers, and a Via header as Discord sends. The real discord.py
HTTP client points at it. For N channels due at the same minute, L is scaled
so the ideal run (N / L) lasts about ``--seconds`` (L at most 300). Reported: wall time
÷ (N / L), 429s ÷ N, lost and duplicated posts, for the project's pacer
(``bot.pacer``) and for a bare ``asyncio.gather`` in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import resource
import subprocess
import sys
import time
from collections import Counter, deque
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FIRST_CHANNEL = 1_000_000_000_000_000
BOT_USER = {"id": "999", "username": "kindness-bot", "discriminator": "0", "avatar": None, "bot": True}
PACER_SHARE = 0.95  # the pacer's rate as a share of the server's limit (production: 45 of Discord's 50)
CONCURRENCY = 16
MAX_LIMIT = 300


# -- the server ----------------------------------------------------------------


def serve(port: int) -> None:
    """Run the Discord-like server until killed."""
    from aiohttp import web

    state: dict = {}

    def reset(limit: int) -> None:
        state.update(
            limit=limit, window=0, used=0, requests=0, global_429=0, route_429=0, created=Counter(), channel_hits={}
        )

    reset(50)

    def reply(body: dict, headers: dict | None = None, status: int = 200) -> web.Response:
        # discord.py decodes JSON only for exactly "application/json" (no charset).
        headers = {"Via": "1.1 google", "Content-Type": "application/json", **(headers or {})}
        return web.Response(status=status, body=json.dumps(body).encode(), headers=headers)

    def limited(body: dict, headers: dict) -> web.Response:
        return reply(body, headers, status=429)

    async def me(_request: web.Request) -> web.Response:
        return reply(BOT_USER)

    async def application(_request: web.Request) -> web.Response:
        return reply(
            {
                "id": "999",
                "name": "kindness-bot",
                "icon": None,
                "description": "",
                "bot_public": True,
                "bot_require_code_grant": False,
                "verify_key": "0" * 64,
                "owner": BOT_USER,
                "flags": 0,
            }
        )

    async def create_message(request: web.Request) -> web.Response:
        state["requests"] += 1
        now = time.monotonic()
        window = math.floor(now)
        if window != state["window"]:
            state["window"], state["used"] = window, 0
        if state["used"] >= state["limit"]:
            state["global_429"] += 1
            retry = round(window + 1 - now, 3)
            return limited(
                {"message": "You are being rate limited.", "retry_after": retry, "global": True},
                {"Retry-After": str(math.ceil(retry)), "X-RateLimit-Global": "true", "X-RateLimit-Scope": "global"},
            )
        state["used"] += 1
        channel = request.match_info["channel_id"]
        hits = state["channel_hits"].setdefault(channel, deque())
        while hits and now - hits[0] >= 5:
            hits.popleft()
        if len(hits) >= 5:
            state["route_429"] += 1
            retry = round(5 - (now - hits[0]), 3)
            return limited(
                {"message": "You are being rate limited.", "retry_after": retry, "global": False},
                {
                    "Retry-After": str(math.ceil(retry)),
                    "X-RateLimit-Limit": "5",
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset-After": str(retry),
                    "X-RateLimit-Bucket": "messages",
                    "X-RateLimit-Scope": "user",
                },
            )
        hits.append(now)
        payload = await request.json()
        state["created"][channel] += 1
        message = {
            "id": str(10**17 + state["requests"]),
            "channel_id": channel,
            "author": BOT_USER,
            "content": payload.get("content", ""),
            "timestamp": "2026-11-21T09:00:00+00:00",
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": payload.get("embeds", []),
            "pinned": False,
            "type": 0,
        }
        remaining = 5 - len(hits)
        return reply(
            message,
            {
                "X-RateLimit-Limit": "5",
                "X-RateLimit-Remaining": str(remaining),
                "X-RateLimit-Reset-After": "5.000",
                "X-RateLimit-Reset": f"{time.time() + 5:.3f}",
                "X-RateLimit-Bucket": "messages",
            },
        )

    async def control(request: web.Request) -> web.Response:
        if request.method == "POST":
            reset(int((await request.json())["limit"]))
            return web.json_response({})
        return web.json_response(
            {
                "requests": state["requests"],
                "global_429": state["global_429"],
                "route_429": state["route_429"],
                "created": dict(state["created"]),
            }
        )

    app = web.Application()
    app.add_routes(
        [
            web.get("/api/v10/users/@me", me),
            web.get("/api/v10/oauth2/applications/@me", application),
            web.post("/api/v10/channels/{channel_id}/messages", create_message),
            web.get("/control", control),
            web.post("/control", control),
        ]
    )
    print("ready", flush=True)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


# -- the client ------------------------------------------------------------------


async def run(port: int, size: int, limit: int) -> dict[str, dict[str, float]]:
    import aiohttp
    import discord

    from bot.content import Quote, Story
    from bot.embeds import story_embed
    from bot.pacer import Pacer, fan_out

    discord.http.Route.BASE = f"http://127.0.0.1:{port}/api/v10"
    control = f"http://127.0.0.1:{port}/control"
    embed = story_embed(Story("bench", "A benchmark story", "Someone was kind. " * 20), Quote("Be kind.", "Someone"))
    results = {}
    async with aiohttp.ClientSession() as session:
        for method in ("pacer", "gather"):
            await session.post(control, json={"limit": limit})
            client = discord.Client(intents=discord.Intents.none())
            await client.login("bench-token")
            channels = [client.get_partial_messageable(FIRST_CHANNEL + i) for i in range(size)]
            started = time.perf_counter()
            if method == "pacer":
                pacer = Pacer(limit * PACER_SHARE, CONCURRENCY)

                async def send(channel: discord.PartialMessageable, pacer: Pacer = pacer) -> discord.Message:
                    async with pacer.slot():
                        return await channel.send(embed=embed)

                outcomes = await fan_out(channels, send, CONCURRENCY)
            else:
                outcomes = await asyncio.gather(*(c.send(embed=embed) for c in channels), return_exceptions=True)
            wall = time.perf_counter() - started
            await client.close()
            stats = await (await session.get(control)).json()
            created = stats["created"]
            failures = Counter(type(o).__name__ for o in outcomes if isinstance(o, BaseException))
            results[method] = {
                "wall_s": wall,
                "wall_ratio": wall / (size / limit),
                "requests": stats["requests"],
                "429s": stats["global_429"] + stats["route_429"],
                "lost": size - len(created),
                "duplicated": sum(n - 1 for n in created.values() if n > 1),
                "errors": dict(failures),
            }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000])
    parser.add_argument("--seconds", type=float, default=4.0, help="how long the ideal run of each size lasts")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.port)
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # a bare gather opens a connection per send
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", "--port", str(args.port)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None and server.stdout.readline().strip() == "ready"
        print(f"kindness-bot fan-out benchmark: pacer at {PACER_SHARE:.0%} of the limit, {CONCURRENCY} in flight")
        print(
            f"{'N':>7} {'L/s':>6}  {'method':<7}{'wall s':>8}{'wall÷(N/L)':>12}{'429s':>7}{'429s÷N':>9}"
            f"{'lost':>6}{'dup':>5}"
        )
        for size in args.sizes:
            # Scaled up from Discord's 50/s to keep runs short, but not past what one
            # Python client sends comfortably (about 450 requests/s here): else the client is measured.
            limit = min(max(50, round(size / args.seconds)), MAX_LIMIT)
            result = asyncio.run(run(args.port, size, limit))
            for method, r in result.items():
                print(
                    f"{size:>7} {limit:>6}  {method:<7}{r['wall_s']:>8.2f}{r['wall_ratio']:>12.3f}{r['429s']:>7}"
                    f"{r['429s'] / size:>9.2%}{r['lost']:>6}{r['duplicated']:>5}"
                    + (f"  errors: {r['errors']}" if r["errors"] else "")
                )
            pacer, gather = result["pacer"], result["gather"]
            fewer = gather["429s"] / max(pacer["429s"], 1)
            ok = (
                pacer["wall_ratio"] <= 1.10
                and pacer["429s"] <= 0.005 * size
                and pacer["lost"] == 0
                and pacer["duplicated"] == 0
                and fewer >= 5
            )
            comparison = (
                f"{fewer:.0f}x fewer 429s than gather" if pacer["429s"] else f"no 429s (gather: {gather['429s']})"
            )
            print(f"{'':>16}pacer: {comparison}  {'ok' if ok else 'MISSED'}")
        print("targets: wall <= 1.10 x N/L, 429s <= 0.5% of N, 0 lost, 0 duplicated, >= 5x fewer 429s than gather")
    finally:
        server.terminate()
        server.wait()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


if __name__ == "__main__":
    main()

"""Headers on every page, the session cookie and CSRF tokens."""

from __future__ import annotations

import hmac
import time
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.typedefs import Middleware

COOKIE = "thonso_ops"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: {tiles}; "
       "connect-src 'self'; media-src 'self'; object-src 'none'; base-uri 'none'; "
       "frame-ancestors 'none'; form-action 'self'")
HEADERS = {"X-Frame-Options": "DENY", "Referrer-Policy": "same-origin",
           "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def headers_middleware(tiles_origin: str) -> Middleware:
    csp = CSP.format(tiles=tiles_origin)

    @web.middleware
    async def add_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
        started = time.perf_counter()
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            _apply(exc, csp)
            raise
        _apply(response, csp)
        if not response.prepared:  # what bench/ops_pages.py reads: the server's own time
            response.headers["Server-Timing"] = \
                f"app;dur={(time.perf_counter() - started) * 1000:.2f}"
        return response

    return add_headers


def _apply(response: web.StreamResponse, csp: str) -> None:
    if response.prepared:
        return
    response.headers.setdefault("Content-Security-Policy", csp)
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)


def same_token(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), (given or "").encode())


def set_cookie(response: web.StreamResponse, value: str, *, secure: bool, path: str) -> None:
    response.set_cookie(COOKIE, value, httponly=True, samesite="Lax", secure=secure, path=path,
                        max_age=12 * 3600)


def clear_cookie(response: web.StreamResponse, *, path: str) -> None:
    response.del_cookie(COOKIE, path=path)

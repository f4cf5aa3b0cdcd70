"""The operations room's aiohttp application: sign-in, the session on every page, CSRF on
every change, and the pages (`ops.desk` for feedback)."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp_jinja2
import jinja2
from aiohttp import web

from locales import LANGUAGES, Translator, normalise_language
from ops import admin, desk, notices, province, reports, surveys
from ops.context import OpsConfig, Page, PageHandler, UploadHandler, redirect
from ops.live import LiveFeed
from ops.security import COOKIE, clear_cookie, headers_middleware, same_token, set_cookie
from ops.uploads import TooLarge, read_posted
from services.db import Database, utcnow
from services.documents.extract import MAX_BYTES as MAX_DOCUMENT
from services.ops.signin import SignIn, SignInError

HERE = Path(__file__).parent
MAX_FORM = 64 * 1024
"""A form larger than this is refused before it is read (a reply is at most 4,000 chars)."""
MAX_UPLOAD = 512 * 1024
"""A village CSV may be larger: the import itself then says what is wrong with the file."""

DB_KEY = web.AppKey("db", Database)
CONFIG_KEY = web.AppKey("config", OpsConfig)
LIVE_KEY = web.AppKey("live", LiveFeed)


def build(db: Database, config: OpsConfig, live: LiveFeed) -> web.Application:
    tiles = urlsplit(config.tiles_url)
    app = web.Application(client_max_size=MAX_UPLOAD,
                          middlewares=[headers_middleware(f"{tiles.scheme}://{tiles.netloc}")])
    app[DB_KEY], app[CONFIG_KEY], app[LIVE_KEY] = db, config, live
    aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(HERE / "templates"),
                         autoescape=True, undefined=jinja2.StrictUndefined)
    app.router.add_static("/static", HERE / "static", name="static")
    app.router.add_get("/", page(desk.dashboard))
    app.router.add_get("/signin", signin_form)
    app.router.add_post("/signin", signin)
    app.router.add_post("/signout", change(signout))
    app.router.add_post("/language", change(set_language))
    app.router.add_post("/commune", change(desk.choose_commune))
    desk.install(app, page, change)
    notices.install(app, page, change, upload)
    surveys.install(app, page, change)
    reports.install(app, page, change)
    province.install(app, page, change, functools.partial(change, limit=MAX_UPLOAD))
    admin.install(app, page, change)
    return app


@contextlib.asynccontextmanager
async def _page(request: web.Request) -> AsyncIterator[Page | None]:
    """The signed-in page context in a unit of work, or None when there is no session."""
    db, config = request.app[DB_KEY], request.app[CONFIG_KEY]
    token = request.cookies.get(COOKIE)
    async with db.transaction() as session:
        now = utcnow()
        found = await SignIn(session).current(token, now) if token else None
        if found is None:
            yield None
            return
        web_session, user = found
        yield Page(request, session, web_session, user, config, now)


def page(handler: PageHandler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """A page that needs a signed-in official; without one, the sign-in help."""
    async def handle(request: web.Request) -> web.StreamResponse:
        async with _page(request) as ctx:
            if ctx is None:
                return signed_out(request)
            return await handler(ctx)
    return handle


def change(handler: PageHandler, limit: int = MAX_FORM
           ) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """A state-changing POST: a session, and the session's CSRF token in the form."""
    async def handle(request: web.Request) -> web.StreamResponse:
        if request.content_length is not None and request.content_length > limit:
            return error_page(request, 413, "ops.too_large")
        async with _page(request) as ctx:
            if ctx is None:
                return signed_out(request)
            form = await request.post()
            given = form.get("csrf")
            if not same_token(ctx.web_session.csrf, given if isinstance(given, str) else None):
                return error_page(request, 403, "ops.csrf", language=ctx.web_session.language)
            return await handler(ctx)
    return handle


def upload(handler: UploadHandler, file_limit: int = MAX_DOCUMENT
           ) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """A state-changing POST that may carry a file, CSRF-checked as `change`. The body is
    read, and the handler's own slow work done (reading a document), between two units of
    work, so that neither an upload over a slow line nor an OCR holds a transaction (on
    SQLite, the one writer)."""
    async def handle(request: web.Request) -> web.StreamResponse:
        async with _page(request) as ctx:
            if ctx is None:
                return signed_out(request)
            csrf, language = ctx.web_session.csrf, ctx.web_session.language
        try:
            posted = await read_posted(request, file_limit)
        except TooLarge:
            return error_page(request, 413, "ops.too_large", language=language)
        if not same_token(csrf, posted.fields.get("csrf")):
            return error_page(request, 403, "ops.csrf", language=language)
        then = await handler(posted)
        async with _page(request) as ctx:
            if ctx is None:
                return signed_out(request)
            return await then(ctx)
    return handle


def error_page(request: web.Request, status: int, key: str, *,
               language: str | None = None) -> web.Response:
    t = Translator(language or request.app[CONFIG_KEY].default_language)
    return aiohttp_jinja2.render_template("plain.html", request, {
        "t": t, "lang": t.language, "title": t(f"{key}.title"), "message": t(f"{key}.text"),
        "root": request.app[CONFIG_KEY].root}, status=status)


def signed_out(request: web.Request) -> web.Response:
    return error_page(request, 401 if request.method == "POST" else 200, "ops.signed_out")


async def signin_form(request: web.Request) -> web.Response:
    """The link from chat lands here; spending it takes a press of the button, so a chat
    app fetching the link for its preview does not use it up."""
    token = request.query.get("t", "")
    t = Translator(request.app[CONFIG_KEY].default_language)
    return aiohttp_jinja2.render_template("signin.html", request, {
        "t": t, "lang": t.language, "token": token[:100],
        "root": request.app[CONFIG_KEY].root})


async def signin(request: web.Request) -> web.StreamResponse:
    db, config = request.app[DB_KEY], request.app[CONFIG_KEY]
    form = await request.post()
    token = form.get("t")
    if not isinstance(token, str) or not token or len(token) > 100:
        return error_page(request, 403, "ops.signin.unknown")
    try:
        async with db.transaction() as session:
            opened = await SignIn(session).redeem(token, utcnow())
    except SignInError as error:
        return error_page(request, 403, error.key)
    response = redirect(config.root + "/")
    old = request.cookies.get(COOKIE)
    if old:
        async with db.transaction() as session:
            await SignIn(session).end(old)
    set_cookie(response, opened.token, secure=config.secure, path=config.root)
    return response


async def signout(ctx: Page) -> web.StreamResponse:
    token = ctx.request.cookies.get(COOKIE)
    if token:
        await SignIn(ctx.session).end(token)
    response = error_page(ctx.request, 200, "ops.signed_out_now", language=ctx.web_session.language)
    clear_cookie(response, path=ctx.config.root)
    return response


async def set_language(ctx: Page) -> web.StreamResponse:
    form = await ctx.request.post()
    wanted = form.get("language")
    if isinstance(wanted, str) and wanted in LANGUAGES:
        ctx.web_session.language = normalise_language(wanted)
    back = form.get("back")
    target = back if isinstance(back, str) and back.startswith(ctx.config.root + "/") \
        and "//" not in back else None
    return redirect(target or ctx.url("/"))

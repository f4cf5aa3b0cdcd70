"""What a page handler works with: the signed-in official, the unit of work, the language,
the commune in view; and the answers every page may give (a page, a redirect, a refusal)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from locales import Translator
from ops.uploads import Posted
from services.audit import AuditEntries
from services.communes import Communes
from services.feedback.service import fmt_datetime
from services.models import Commune, User
from services.ops.models import WebSession
from services.update_path import record_update
from services.users import can_act_in, is_admin

PageHandler = Callable[["Page"], Awaitable[web.StreamResponse]]
"""A page of the workspace, given the signed-in official's `Page`."""
Wrap = Callable[[PageHandler], Callable[[web.Request], Awaitable[web.StreamResponse]]]
"""`ops.app.page` or `ops.app.change`: a page handler as an aiohttp route."""
UploadHandler = Callable[[Posted], Awaitable[PageHandler]]
"""A form that may carry a file: given what was posted (outside the unit of work, where a
file may be read at length), the page handler to run in the unit of work."""
UploadWrap = Callable[[UploadHandler], Callable[[web.Request], Awaitable[web.StreamResponse]]]
"""`ops.app.upload`: a form with a file as an aiohttp route."""


@dataclass(frozen=True)
class OpsConfig:
    root: str
    """The workspace's path as the browser sees it (with the gateway's prefix): `/ops`."""
    secure: bool
    """Cookies only over https (the public URL is https)."""
    timezone: str
    tiles_url: str
    default_language: str = "vi"
    """The language of the pages before sign-in (the installation's; then the official's)."""
    bot_username: str | None = None
    """For invite links (`https://t.me/<bot>?start=…`); without it the page shows the
    `/start` command to send."""


@dataclass
class Page:
    request: web.Request
    session: AsyncSession
    web_session: WebSession
    user: User
    config: OpsConfig
    now: datetime

    @property
    def t(self) -> Translator:
        return Translator(self.web_session.language)

    @property
    def is_admin(self) -> bool:
        return is_admin(self.user)

    @property
    def commune_id(self) -> int | None:
        """The commune in view: the official's own; an admin's chosen one, or None (all)."""
        return self.web_session.commune_id if self.is_admin else self.user.official_commune_id

    async def commune(self) -> Commune | None:
        return await Communes(self.session).get(self.commune_id) if self.commune_id else None

    def url(self, path: str = "/", **query: Any) -> str:
        clean = {k: v for k, v in query.items() if v not in (None, "")}
        return self.config.root + path + (f"?{urlencode(clean)}" if clean else "")

    def when(self, moment: datetime | None) -> str:
        """A time as the commune reads it: 14:05 07/12/2026."""
        return fmt_datetime(moment, self.config.timezone) if moment else "—"

    def may_act_in(self, commune_id: int) -> bool:
        return can_act_in(self.user, commune_id)

    def render(self, template: str, status: int = 200, **values: Any) -> web.Response:
        values.update(page=self, t=self.t, url=self.url, csrf=self.web_session.csrf,
                      user=self.user, lang=self.web_session.language, when=self.when)
        return aiohttp_jinja2.render_template(template, self.request, values, status=status)

    async def refuse(self, action: str, *, commune_id: int | None = None,
                     target: str | None = None) -> web.Response:
        """A polite 403 page, and the refusal in the audit log."""
        await AuditEntries(self.session).record(self.user, f"ops.{action}", commune_id=commune_id,
                                         target=target, outcome="denied")
        return self.render("error.html", status=403, title=self.t("ops.forbidden.title"),
                           message=self.t("ops.forbidden.text"))

    async def form(self) -> dict[str, str]:
        """The posted form's text fields (files and repeated names left out)."""
        return {k: v for k, v in (await self.request.post()).items() if isinstance(v, str)}

    async def pressed_twice(self, action: str, nonce: str) -> bool:
        """The per-form nonce: a second press of the same form (a double click, a reload of
        the POST) does nothing. The nonce is recorded like a chat update (channel `ops`)."""
        key = f"{self.web_session.digest[:16]}:{action}:{nonce[:32]}"
        return bool(nonce) and not await record_update(self.session, "ops", key)

    def not_found(self) -> web.Response:
        return self.render("error.html", status=404, title=self.t("ops.not_found.title"),
                           message=self.t("ops.not_found.text"))

    def back(self, path: str, notice: str | None = None, **query: Any) -> web.Response:
        """After a change: back to a page (POST, redirect, GET), with a one-line notice.
        Returned, not raised: raising would roll the change back."""
        if notice:
            query["notice"] = notice
        return redirect(self.url(path, **query))


def redirect(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location})

"""`/web`: an official's one-time link to the operations room (the web workspace)."""

from __future__ import annotations

from handlers.context import Context
from handlers.router import Router
from handlers.types import Incoming
from services.callbacks import Button
from services.ops.signin import SignIn


async def on_web(inc: Incoming, ctx: Context) -> None:
    if not ctx.config.ops_url:
        ctx.say("ops.web.off")
        return
    token = await SignIn(ctx.session).issue_link(ctx.user, ctx.now)
    url = f"{ctx.config.ops_url}/signin?t={token}"
    await ctx.audit.record(ctx.user, "ops.link", commune_id=ctx.user.official_commune_id)
    ctx.reply(ctx.t("ops.web.link", url=url), [[Button(ctx.t("ops.web.button"), url=url)]])


def register(router: Router) -> None:
    router.command("web", role="official", help_key="ops.help_web")(on_web)

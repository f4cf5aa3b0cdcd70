"""What the bot keeps about the user; export it as a file or erase it."""

from __future__ import annotations

import json

from handlers.context import Context
from handlers.format import local_date
from handlers.router import Router
from handlers.types import Attachment, Button, Incoming, callback_parts
from services import privacy


async def show(inc: Incoming, ctx: Context) -> None:
    user = ctx.user
    if not user.has_consented:
        ctx.reply(ctx.t("privacy.nothing_kept"), [[Button(ctx.t("privacy.erase"), "pv:erase")]])
        return
    commune = await ctx.communes.get(user.commune_id) if user.commune_id else None
    village = await ctx.communes.village(user.village_id) if user.village_id else None
    ctx.reply(
        ctx.t("privacy.summary", name=user.display_name or "—",
              commune=commune.name if commune else "—", village=village.name if village else "—",
              consent_at=local_date(ctx, user.consent_at)),
        [[Button(ctx.t("privacy.export"), "pv:export")],
         [Button(ctx.t("privacy.erase"), "pv:erase")]],
    )


async def on_button(inc: Incoming, ctx: Context) -> None:
    _, action = callback_parts(inc, 2)
    if action == "show":
        await show(inc, ctx)
    elif action == "export":
        data = await privacy.export(ctx.session, ctx.user)
        body = json.dumps(data, ensure_ascii=False, indent=2, default=str).encode()
        ctx.reply(ctx.t("privacy.export_caption"),
                  document=Attachment(data=body, filename="thonso-du-lieu-ca-nhan.json",
                                      mime="application/json"))
    elif action == "erase":
        ctx.reply(ctx.t("privacy.erase_confirm"), [[
            Button(ctx.t("privacy.erase_yes"), "pv:erase_yes"),
            Button(ctx.t("common.no"), "pv:erase_no"),
        ]])
    elif action == "erase_yes":
        await privacy.erase(ctx.session, ctx.user)
        ctx.state.clear()
        ctx.say("privacy.erased")
    elif action == "erase_no":
        ctx.say("privacy.erase_cancelled")
    else:
        ctx.say("errors.stale_button")


def register(router: Router) -> None:
    router.command("privacy")(show)
    router.callback("pv")(on_button)

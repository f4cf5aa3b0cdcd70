"""Invite links in chat: `/start of_<token>` asks the admin who made the link, whose
confirm / refuse buttons make the person an official of the commune, or not."""

from __future__ import annotations

from handlers.context import Context
from handlers.router import Router
from handlers.types import Incoming
from services.invites import PAYLOAD_PREFIX, InviteError, Invites
from services.invites.actions import DecideInvite


async def on_invite(inc: Incoming, ctx: Context) -> None:
    try:
        await Invites(ctx.session).claim(inc.args.strip(), ctx.user, ctx.now)
    except InviteError as error:
        ctx.say(error.key)
        return
    ctx.say("invites.claimed")


async def on_decision(inc: Incoming, ctx: Context, data: DecideInvite) -> None:
    invites = Invites(ctx.session)
    invite = await invites.get(data.invite_id)
    if invite is None:
        ctx.say("errors.stale_button")
        return
    try:
        person = await invites.decide(invite, ctx.user, data.accept, ctx.now)
    except InviteError as error:
        ctx.say(error.key)
        return
    ctx.say("invites.accepted" if data.accept else "invites.refused_admin",
            who=person.display_name or ctx.t("invites.someone"))


def register(router: Router) -> None:
    router.deep_link(PAYLOAD_PREFIX)(on_invite)
    router.button(DecideInvite, role="admin")(on_decision)

"""Village group chats: the bot joins or leaves, an official links the group to a village
(or the whole commune) with /link, unlinks it with /unlink, and lists them with /groups."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.context import Context
from handlers.router import Router
from handlers.types import Incoming
from services.callbacks import Button, CallbackData
from services.models import Chat, Commune
from services.users import can_act_in, is_admin


@dataclass(frozen=True)
class LinkCommune(CallbackData, prefix="grp.commune"):
    """A province admin picks the commune a group belongs to."""

    commune_id: int


@dataclass(frozen=True)
class LinkVillage(CallbackData, prefix="grp.village"):
    commune_id: int
    village_id: int | None
    """None: the whole commune."""


async def on_member_added(inc: Incoming, ctx: Context) -> None:
    ctx.chat.active, ctx.chat.inactive_reason = True, None
    if not ctx.is_private:
        ctx.say("groups.hello")


async def on_member_removed(inc: Incoming, ctx: Context) -> None:
    ctx.chat.active, ctx.chat.inactive_reason = False, "removed from the chat"
    if not ctx.is_private and ctx.chat.commune_id is not None:
        await ctx.audit.record(ctx.user, "group_removed", commune_id=ctx.chat.commune_id,
                               target=_target(ctx.chat))


async def link(inc: Incoming, ctx: Context) -> None:
    commune_id = ctx.user.official_commune_id
    if commune_id is None and is_admin(ctx.user):
        communes = await ctx.communes.all()
        ctx.reply(ctx.t("groups.pick_commune"),
                  [[Button(c.name, LinkCommune(c.id))] for c in communes[:20]])
        return
    await _ask_village(ctx, commune_id)


async def _ask_village(ctx: Context, commune_id: int | None) -> None:
    commune = await ctx.communes.get(commune_id) if commune_id is not None else None
    if commune is None or not _may_link(ctx, commune.id):
        await _deny(ctx, "link", commune_id)
        return
    rows = [[Button(ctx.t("groups.whole_commune", commune=commune.name),
                    LinkVillage(commune.id, None))]]
    rows += [[Button(v.name, LinkVillage(commune.id, v.id))] for v in commune.villages]
    ctx.reply(ctx.t("groups.pick_village", commune=commune.name), rows)


def _may_link(ctx: Context, commune_id: int) -> bool:
    """An official of the commune, and the group is not another commune's."""
    linked = ctx.chat.commune_id
    return can_act_in(ctx.user, commune_id) and (linked is None or linked == commune_id
                                                 or can_act_in(ctx.user, linked))


def in_group(ctx: Context) -> bool:
    """Link buttons act on the chat they are pressed in: a group."""
    if ctx.is_private:
        ctx.say("errors.stale_button")
    return not ctx.is_private


async def on_commune(inc: Incoming, ctx: Context, data: LinkCommune) -> None:
    if in_group(ctx):
        await _ask_village(ctx, data.commune_id)


async def on_village(inc: Incoming, ctx: Context, data: LinkVillage) -> None:
    if not in_group(ctx):
        return
    commune = await ctx.communes.get(data.commune_id)
    if commune is None or not _may_link(ctx, data.commune_id):
        await _deny(ctx, "link", data.commune_id)
        return
    village_id = data.village_id
    if village_id is not None and commune.village_name(village_id) is None:
        ctx.say("groups.unknown_village")
        return
    ctx.chat.commune_id, ctx.chat.village_id = commune.id, village_id
    ctx.chat.active, ctx.chat.inactive_reason = True, None
    await ctx.audit.record(ctx.user, "group_link", commune_id=commune.id,
                           target=_target(ctx.chat), village_id=village_id)
    ctx.reply(ctx.t("groups.linked", place=_place(ctx, commune, village_id)), edit=True)


async def unlink(inc: Incoming, ctx: Context) -> None:
    commune_id = ctx.chat.commune_id
    if commune_id is None:
        ctx.say("groups.not_linked")
        return
    if not can_act_in(ctx.user, commune_id):
        await _deny(ctx, "unlink", commune_id)
        return
    ctx.chat.commune_id, ctx.chat.village_id = None, None
    await ctx.audit.record(ctx.user, "group_unlink", commune_id=commune_id,
                           target=_target(ctx.chat))
    ctx.say("groups.unlinked")


async def list_groups(inc: Incoming, ctx: Context) -> None:
    commune_id = ctx.user.official_commune_id
    if commune_id is None:
        ctx.say("groups.no_commune")
        return
    commune = await ctx.communes.get(commune_id)
    groups = await ctx.chats.groups_of(commune_id, active_only=False)
    if commune is None or not groups:
        ctx.say("groups.none")
        return
    lines = [ctx.t("groups.list_title", commune=commune.name, count=len(groups))]
    for chat in groups:
        mark = "✅" if chat.active else "⛔"
        lines.append(f"{mark} {chat.title or chat.chat_id} — "
                     f"{_place(ctx, commune, chat.village_id)}")
    if any(not chat.active for chat in groups):
        lines.append(ctx.t("groups.inactive_note"))
    ctx.reply("\n".join(lines))


async def _deny(ctx: Context, action: str, commune_id: int | None) -> None:
    await ctx.audit.record(ctx.user, f"group_{action}", commune_id=commune_id,
                           target=_target(ctx.chat), outcome="denied")
    ctx.say("groups.not_your_commune")


def _place(ctx: Context, commune: Commune, village_id: int | None) -> str:
    if village_id is None:
        return ctx.t("groups.whole_commune", commune=commune.name)
    return f"{commune.village_name(village_id) or '?'} ({commune.name})"


def _target(chat: Chat) -> str:
    return f"{chat.channel}:{chat.chat_id}"


def register(router: Router) -> None:
    router.event("member_added")(on_member_added)
    router.event("member_removed")(on_member_removed)
    router.command("link", role="official", where="group", help_key="groups.help_link")(link)
    router.command("unlink", role="official", where="group",
                   help_key="groups.help_unlink")(unlink)
    router.command("groups", role="official", help_key="groups.help_groups")(list_groups)
    router.button(LinkCommune, role="official")(on_commune)
    router.button(LinkVillage, role="official")(on_village)

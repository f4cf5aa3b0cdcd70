"""Role administration in chat for province admins, and `/whoami` for everyone."""

from __future__ import annotations

from handlers.context import Context
from handlers.format import local_datetime
from handlers.router import Router
from handlers.types import Incoming
from services.models import User


async def whoami(inc: Incoming, ctx: Context) -> None:
    user = ctx.user
    commune = await ctx.communes.get(user.official_commune_id) \
        if user.official_commune_id else None
    ctx.say("admin.whoami", channel=user.channel, id=user.external_id,
            role=ctx.t(f"roles.{user.role}"), commune=commune.name if commune else "—")


async def _target(ctx: Context, ref: str) -> User | None:
    channel, _, external_id = ref.rpartition(":")
    user, _ = await ctx.users.get_or_create(channel or ctx.user.channel, external_id)
    return user if external_id else None


async def grant(inc: Incoming, ctx: Context) -> None:
    """/grant official <user> <commune code> | /grant admin <user>"""
    parts = inc.args.split()
    if len(parts) < 2 or parts[0] not in ("official", "admin") \
            or (parts[0] == "official" and len(parts) != 3):
        ctx.say("admin.grant_usage")
        return
    user = await _target(ctx, parts[1])
    if user is None:
        ctx.say("admin.grant_usage")
        return
    if parts[0] == "admin":
        await ctx.users.grant_admin(user)
        await ctx.audit.record(ctx.user, "grant_admin", target=parts[1])
        ctx.say("admin.granted_admin", user=parts[1])
        return
    commune = await ctx.communes.by_code(parts[2])
    if commune is None:
        ctx.say("admin.unknown_commune", code=parts[2])
        return
    await ctx.users.grant_official(user, commune.id)
    await ctx.audit.record(ctx.user, "grant_official", commune_id=commune.id, target=parts[1])
    ctx.say("admin.granted_official", user=parts[1], commune=commune.name)


async def revoke(inc: Incoming, ctx: Context) -> None:
    ref = inc.args.strip()
    user = await _target(ctx, ref) if ref else None
    if user is None:
        ctx.say("admin.revoke_usage")
        return
    await ctx.users.revoke(user)
    await ctx.audit.record(ctx.user, "revoke", target=ref)
    ctx.say("admin.revoked", user=ref)


async def audit_log(inc: Incoming, ctx: Context) -> None:
    entries = await ctx.audit.recent(15)
    if not entries:
        ctx.say("admin.audit_empty")
        return
    lines = [ctx.t("admin.audit_title")]
    for e in entries:
        mark = "✓" if e.outcome == "ok" else "✗"
        lines.append(f"{mark} {local_datetime(ctx, e.at)} {e.actor} {e.action} {e.target or ''}")
    ctx.reply("\n".join(lines))


def register(router: Router) -> None:
    router.command("whoami", where="any")(whoami)
    router.command("grant", role="admin", help_key="admin.help_grant")(grant)
    router.command("revoke", role="admin", help_key="admin.help_revoke")(revoke)
    router.command("audit", role="admin", help_key="admin.help_audit")(audit_log)

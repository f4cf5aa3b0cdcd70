"""Role administration in chat for province admins, and `/whoami` for everyone."""

from __future__ import annotations

from handlers.context import Context
from handlers.format import local_datetime
from handlers.router import Router
from handlers.types import Incoming
from services.audit import USER_REF, action_key
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
    """The latest audit entries in words: who (by name), what, on what, refused or not."""
    entries = await ctx.audit.recent(15)
    if not entries:
        ctx.say("admin.audit_empty")
        return
    lines = [ctx.t("admin.audit_title")]
    for e in entries:
        lines.append(ctx.t(
            "officials.audit.line", mark="✓" if e.outcome == "ok" else "✗",
            at=local_datetime(ctx, e.at), who=await _person(ctx, e.actor_id, e.actor),
            action=action_label(ctx, e.action),
            target=f" · {await _target_label(ctx, e.target)}" if e.target else "",
            refused=ctx.t("officials.audit.refused") if e.outcome != "ok" else ""))
    ctx.reply("\n".join(lines))


def action_label(ctx: Context, action: str) -> str:
    """An audited action in the reader's words (`feedback.status` → "Đổi trạng thái phản
    ánh"; a refused command by its name)."""
    key = action_key(action)
    if ctx.t.has(key):
        return ctx.t(key, command=action)
    return ctx.t("officials.audit.other")


async def _person(ctx: Context, user_id: int | None, label: str) -> str:
    """A person by name, never by channel id; the command line as itself."""
    if label == "cli":
        return ctx.t("officials.audit.cli")
    user = await ctx.users.get(user_id) if user_id else None
    if user is not None and user.display_name:
        return user.display_name
    return ctx.t("officials.audit.unnamed")


async def _target_label(ctx: Context, target: str) -> str:
    channel, _, external_id = target.partition(":")
    if not USER_REF.match(target):
        return target
    user = await ctx.users.find(channel, external_id)
    return await _person(ctx, user.id if user else None, target)


def register(router: Router) -> None:
    router.command("whoami", where="any")(whoami)
    router.command("grant", role="admin", help_key="admin.help_grant")(grant)
    router.command("revoke", role="admin", help_key="admin.help_revoke")(revoke)
    router.command("audit", role="admin", help_key="admin.help_audit")(audit_log)

"""What the bot keeps about the user; export it as a file or erase it."""

from __future__ import annotations

import json
from dataclasses import dataclass

from handlers import onboarding
from handlers.context import Context
from handlers.format import local_date
from handlers.router import Router
from handlers.types import Attachment, Incoming
from services import privacy
from services.callbacks import Button, CallbackData


@dataclass(frozen=True)
class ShowPrivacy(CallbackData, prefix="pv.show"):
    pass


@dataclass(frozen=True)
class AgreeToKeep(CallbackData, prefix="pv.agree"):
    """Consent given later, from the privacy page."""


@dataclass(frozen=True)
class ExportData(CallbackData, prefix="pv.export"):
    pass


@dataclass(frozen=True)
class AskErase(CallbackData, prefix="pv.erase"):
    pass


@dataclass(frozen=True)
class ConfirmErase(CallbackData, prefix="pv.confirm"):
    erase: bool


def erase_row(ctx: Context) -> list[Button]:
    return [Button(ctx.t("privacy.erase"), AskErase())]


async def show(inc: Incoming, ctx: Context) -> None:
    user = ctx.user
    if not user.has_consented:
        ctx.reply(ctx.t("privacy.nothing_kept"),
                  [[Button(ctx.t("privacy.agree"), AgreeToKeep())], erase_row(ctx)])
        return
    commune = await ctx.communes.get(user.commune_id) if user.commune_id else None
    village = await ctx.communes.village(user.village_id) if user.village_id else None
    ctx.reply(
        ctx.t("privacy.summary", name=user.display_name or "—",
              commune=commune.name if commune else "—", village=village.name if village else "—",
              consent_at=local_date(ctx, user.consent_at)),
        [[Button(ctx.t("privacy.export"), ExportData())], erase_row(ctx)],
    )


async def on_show(inc: Incoming, ctx: Context, data: ShowPrivacy) -> None:
    await show(inc, ctx)


async def on_agree(inc: Incoming, ctx: Context, data: AgreeToKeep) -> None:
    await onboarding.agree_later(inc, ctx)


async def on_export(inc: Incoming, ctx: Context, data: ExportData) -> None:
    kept = await privacy.export(ctx.session, ctx.user)
    body = json.dumps(kept, ensure_ascii=False, indent=2, default=str).encode()
    ctx.reply(ctx.t("privacy.export_caption"),
              document=Attachment(data=body, filename="thonso-du-lieu-ca-nhan.json",
                                  mime="application/json"))


async def on_ask_erase(inc: Incoming, ctx: Context, data: AskErase) -> None:
    ctx.reply(ctx.t("privacy.erase_confirm"), [[
        Button(ctx.t("privacy.erase_yes"), ConfirmErase(True)),
        Button(ctx.t("common.no"), ConfirmErase(False)),
    ]])


async def on_confirm_erase(inc: Incoming, ctx: Context, data: ConfirmErase) -> None:
    if not data.erase:
        ctx.say("privacy.erase_cancelled")
        return
    await privacy.erase(ctx.session, ctx.user)
    ctx.state.clear()
    ctx.say("privacy.erased")


def register(router: Router) -> None:
    router.command("privacy")(show)
    router.button(ShowPrivacy)(on_show)
    router.button(AgreeToKeep)(on_agree)
    router.button(ExportData)(on_export)
    router.button(AskErase)(on_ask_erase)
    router.button(ConfirmErase)(on_confirm_erase)

"""The main menu's entries and its message: shown by the menu's commands and at the end of
onboarding (its own module, so that those two import it and not each other)."""

from __future__ import annotations

from handlers.context import Context
from handlers.types import Button

MENU_ENTRIES = ("feedback", "procedures", "filing", "my_feedback", "settings")


def menu_buttons(ctx: Context) -> list[list[Button]]:
    return [[Button(ctx.t(f"menu.{name}"), f"menu:{name}")] for name in MENU_ENTRIES]


async def show_menu(ctx: Context, *, edit: bool = False) -> None:
    ctx.reply(ctx.t("menu.title"), menu_buttons(ctx), edit=edit)

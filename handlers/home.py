"""The main menu's entries, its buttons and its message: shown by the menu's commands and
at the end of onboarding (its own module, so that those two import it and not each other)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from handlers.context import Context
from locales import Language
from services.callbacks import Button, CallbackData, Keyboard


class MenuEntry(StrEnum):
    FEEDBACK = "feedback"
    PROCEDURES = "procedures"
    FILING = "filing"
    MY_FEEDBACK = "my_feedback"
    SETTINGS = "settings"
    HOME = "home"
    """The menu itself ("back to the menu")."""


MENU_ENTRIES = tuple(entry for entry in MenuEntry if entry is not MenuEntry.HOME)
LANGUAGE_NAMES: dict[Language, str] = {"vi": "Tiếng Việt", "en": "English"}
"""Each language by its own name, whatever the user's language."""


@dataclass(frozen=True)
class OpenMenu(CallbackData, prefix="menu"):
    """A main-menu entry. Its data (`menu:feedback`) is what menus sent before typed buttons
    carried, so a menu message still in a chat keeps working."""

    entry: MenuEntry


def menu_buttons(ctx: Context) -> Keyboard:
    return [[Button(ctx.t(f"menu.{entry}"), OpenMenu(entry))] for entry in MENU_ENTRIES]


def back_to_menu(ctx: Context) -> list[Button]:
    return [Button(ctx.t("common.back_to_menu"), OpenMenu(MenuEntry.HOME))]


def home_row(ctx: Context) -> Keyboard:
    """The "back to the main menu" button, as a keyboard of its own."""
    return [back_to_menu(ctx)]


def language_row(choose: Callable[[Language], CallbackData]) -> list[Button]:
    return [Button(name, choose(language)) for language, name in LANGUAGE_NAMES.items()]


async def show_menu(ctx: Context, *, edit: bool = False) -> None:
    ctx.reply(ctx.t("menu.title"), menu_buttons(ctx), edit=edit)

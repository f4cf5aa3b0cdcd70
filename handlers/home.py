"""The main menu's entries, its buttons and its message: shown by the menu's commands and
at the end of onboarding (its own module, so that those two import it and not each other)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from handlers.context import Context
from locales import Language
from services.callbacks import Button, CallbackData, Keyboard
from services.notices.service import Notices
from services.users import is_official


class MenuEntry(StrEnum):
    FEEDBACK = "feedback"
    PROCEDURES = "procedures"
    FILING = "filing"
    MY_FEEDBACK = "my_feedback"
    SETTINGS = "settings"
    HOME = "home"
    """The menu itself ("back to the menu"): an official's own menu for an official."""
    CITIZEN = "citizen"
    """The citizen's menu, which an official opens from theirs."""


MENU_ENTRIES = tuple(entry for entry in MenuEntry
                     if entry not in (MenuEntry.HOME, MenuEntry.CITIZEN))
LANGUAGE_NAMES: dict[Language, str] = {"vi": "Tiếng Việt", "en": "English"}
"""Each language by its own name, whatever the user's language."""


@dataclass(frozen=True)
class OpenMenu(CallbackData, prefix="menu"):
    """A main-menu entry. Its data (`menu:feedback`) is what menus sent before typed buttons
    carried, so a menu message still in a chat keeps working."""

    entry: MenuEntry


class DeskEntry(StrEnum):
    """The official's menu: each entry is the command of the same name."""

    INBOX = "inbox"
    ANNOUNCE = "announce"
    SURVEYS = "survey"
    STATS = "stats"
    FILINGS = "filings"
    WEB = "web"


@dataclass(frozen=True)
class OpenDesk(CallbackData, prefix="om"):
    """An entry of the official's menu."""

    entry: DeskEntry


def desk_buttons(ctx: Context) -> Keyboard:
    entries = list(DeskEntry)
    rows = [[Button(ctx.t(f"officials.menu.{e}"), OpenDesk(e)) for e in entries[i:i + 2]]
            for i in range(0, len(entries), 2)]
    rows.append([Button(ctx.t("officials.menu.citizen"), OpenMenu(MenuEntry.CITIZEN))])
    return rows


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
    """The official's menu for an official, the citizen's for everyone else."""
    if is_official(ctx.user):
        await show_official_menu(ctx, ctx.t("officials.menu.title"), edit=edit)
        return
    show_citizen_menu(ctx, edit=edit)


async def show_official_menu(ctx: Context, title: str, *, edit: bool = False) -> None:
    waiting = await Notices(ctx.session).awaiting_confirmation(ctx.user.id)
    if waiting:  # a notice left at its preview is not forgotten by going back to the menu
        title = ctx.t("officials.menu.notices_waiting", first=waiting[0],
                      ids=", ".join(f"#{notice_id}" for notice_id in waiting)) + "\n\n" + title
    ctx.reply(title, desk_buttons(ctx), edit=edit)


def show_citizen_menu(ctx: Context, *, edit: bool = False) -> None:
    ctx.reply(ctx.t("menu.title"), menu_buttons(ctx), edit=edit)

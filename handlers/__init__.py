"""Conversation logic, channel-agnostic: flows take an `Incoming` and a `Context` and
produce `Reply` objects. Nothing here imports a messaging API or `bot`."""

from __future__ import annotations

from handlers import (
    admin,
    feedback,
    feedback_admin,
    filing,
    groups,
    invites,
    menu,
    notices,
    onboarding,
    privacy,
    procedures,
    stats,
    surveys,
    understand,
    workspace,
)
from handlers.router import Router

# menu comes last: its fallback answers only what no other module understood.
MODULES = (onboarding, privacy, admin, invites, procedures, feedback, feedback_admin, groups,
           notices, surveys, stats, filing, workspace, understand, menu)


def build_router() -> Router:
    router = Router()
    for module in MODULES:
        module.register(router)
    return router

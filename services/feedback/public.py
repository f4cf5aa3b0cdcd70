"""What of a report may be shown in public (Decree 13/2023/NĐ-CP): its category, village,
status and dates, an official's public summary, and coordinates rounded to about 100 m; for
a sensitive category, neither place nor text. Every public output goes through `public_view`.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.feedback.categories import is_sensitive
from services.feedback.models import FeedbackReport
from services.models import Commune

COORDINATE_DECIMALS = 3
"""0.001° is about 110 m of latitude (and about 100 m of longitude in Vietnam)."""


@dataclass(frozen=True)
class PublicView:
    summary: str | None
    place: str | None
    """The village and commune (never the citizen's own address words)."""
    latitude: float | None
    longitude: float | None


def rounded(value: float | None) -> float | None:
    return None if value is None else round(value, COORDINATE_DECIMALS)


def public_view(report: FeedbackReport, commune: Commune) -> PublicView:
    if is_sensitive(commune, report.category):
        return PublicView(summary=None, place=commune.name, latitude=None, longitude=None)
    village = next((v.name for v in commune.villages if v.id == report.village_id), None)
    place = ", ".join(part for part in (village, commune.name) if part)
    return PublicView(summary=report.public_summary, place=place or None,
                      latitude=rounded(report.latitude), longitude=rounded(report.longitude))

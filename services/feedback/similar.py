"""Open reports that look like the one being written: same village and category in the last
30 days, or within about 300 m when both have a location."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.feedback.models import OPEN_STATUSES, FeedbackReport

WINDOW = timedelta(days=30)
RADIUS_M = 300.0
EARTH_M = 6_371_000.0


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine) in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_M * math.asin(math.sqrt(a))


async def find_similar(session: AsyncSession, *, commune_id: int, category: str,
                       village_id: int | None, latitude: float | None,
                       longitude: float | None, now: datetime,
                       exclude_reporter: int | None = None, limit: int = 3
                       ) -> list[FeedbackReport]:
    near = []
    if village_id is not None:
        near.append(FeedbackReport.village_id == village_id)
    if latitude is not None and longitude is not None:
        dlat = RADIUS_M / 111_000
        dlon = dlat / max(math.cos(math.radians(latitude)), 0.01)
        near.append(and_(FeedbackReport.latitude.between(latitude - dlat, latitude + dlat),
                         FeedbackReport.longitude.between(longitude - dlon, longitude + dlon)))
    if not near:
        return []
    query = (
        select(FeedbackReport)
        .where(FeedbackReport.commune_id == commune_id, FeedbackReport.category == category,
               FeedbackReport.status.in_(OPEN_STATUSES),
               FeedbackReport.created_at >= now - WINDOW, or_(*near))
        .order_by(FeedbackReport.created_at.desc()).limit(20)
    )
    if exclude_reporter is not None:
        query = query.where(or_(FeedbackReport.reporter_id.is_(None),
                                FeedbackReport.reporter_id != exclude_reporter))
    found = []
    for report in await session.scalars(query):
        same_village = village_id is not None and report.village_id == village_id
        close = (latitude is not None and longitude is not None
                 and report.latitude is not None and report.longitude is not None
                 and distance_m(latitude, longitude, report.latitude, report.longitude)
                 <= RADIUS_M)
        if same_village or close:
            found.append(report)
    return found[:limit]

"""A report's photos and voice note on the web, through short-lived links signed with the
viewer's session: a link copied out of the page stops working in ten minutes and never works
in another browser. The bytes come from the blob store."""

from __future__ import annotations

import hmac
import time

from aiohttp import web

from ops.context import Page
from services.feedback.media import MediaFile, file_of
from services.feedback.models import FeedbackReport
from services.outbox import Outbox
from services.text import whole_number

TTL_S = 600


def _signature(ctx: Page, report_id: int, media: MediaFile, expires: int) -> str:
    message = f"{report_id}.{media.kind}.{media.index}.{expires}".encode()
    return hmac.new(ctx.web_session.csrf.encode(), message, "sha256").hexdigest()


def media_url(ctx: Page, report: FeedbackReport, media: MediaFile) -> str:
    expires = int(time.time()) + TTL_S
    return ctx.url(f"/reports/{report.id}/media/{media.kind}/{media.index}", exp=expires,
                   sig=_signature(ctx, report.id, media, expires))


async def serve(ctx: Page, report: FeedbackReport) -> web.StreamResponse:
    kind = ctx.request.match_info["kind"]
    index = whole_number(ctx.request.match_info["n"])
    media = file_of(report, kind, index) if index is not None else None
    expires = whole_number(ctx.request.query.get("exp", ""))
    if media is None or media.sha256 is None or expires is None or expires < time.time() \
            or not hmac.compare_digest(_signature(ctx, report.id, media, expires),
                                       ctx.request.query.get("sig", "")):
        return ctx.not_found()
    data = await Outbox(ctx.session).blob(media.sha256)
    if data is None:
        return ctx.not_found()
    return bytes_response(ctx.request, data, media.entry.get("mime") or (
        "audio/ogg" if kind == "voice" else "image/jpeg"))


def bytes_response(request: web.Request, data: bytes, mime: str) -> web.Response:
    """Stored bytes, with byte ranges: a browser's player learns an OGG's length and seeks
    only when it may ask for the end of the file."""
    headers = {"Cache-Control": "private, max-age=600", "Accept-Ranges": "bytes"}
    try:
        wanted = request.http_range if request.headers.get("Range") else None
    except ValueError:  # a malformed Range: the whole file
        wanted = None
    if wanted is None or (wanted.start is None and wanted.stop is None):
        return web.Response(body=data, content_type=mime, headers=headers)
    start, stop, _ = wanted.indices(len(data))
    if start >= stop:
        return web.Response(status=416, headers={"Content-Range": f"bytes */{len(data)}"})
    headers["Content-Range"] = f"bytes {start}-{stop - 1}/{len(data)}"
    return web.Response(status=206, body=data[start:stop], content_type=mime, headers=headers)

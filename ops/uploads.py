"""A posted form that may carry a file, read with bounds of its own: the text fields up to
`MAX_FIELDS` bytes, the file's first `file_limit + 1` bytes (enough for the reader to tell
it is too large and say so on the form, with the other fields kept), the rest counted and
dropped. The web server's `client_max_size` (1 MB for the webhooks) does not apply to a
multipart body read part by part, so these bounds are the only ones."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import BodyPartReader, web
from multidict import MultiDict

from services.text import at_the_door

MAX_FIELDS = 64 * 1024
"""The text fields together, as any other form of the workspace."""
MAX_BODY = 64 * 1024 * 1024
"""A body longer than this is not read at all (a file of 20 MB and more is refused from
its first 20 MB; past this, the connection is not worth holding)."""
CHUNK = 64 * 1024


class TooLarge(Exception):
    """The fields, or the whole body, are over their bound."""


@dataclass(frozen=True)
class Uploaded:
    name: str
    mime: str | None
    data: bytes
    """The first `file_limit + 1` bytes at most."""


@dataclass(frozen=True)
class Posted:
    fields: MultiDict[str]
    file: Uploaded | None
    """The first file chosen; None when the form had no file, or the field was left empty."""

    def get(self, name: str, default: str = "") -> str:
        return self.fields.get(name, default)


async def read_posted(request: web.Request, file_limit: int) -> Posted:
    """The form as posted, url-encoded or multipart; raises `TooLarge`."""
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise TooLarge
    if request.content_type != "multipart/form-data":
        if request.content_length is not None and request.content_length > MAX_FIELDS:
            raise TooLarge
        try:
            form = await request.clone(client_max_size=MAX_FIELDS).post()
        except web.HTTPRequestEntityTooLarge as error:
            raise TooLarge from error
        return Posted(MultiDict((k, at_the_door(v)) for k, v in form.items() if isinstance(v, str)),
                      None)
    fields: MultiDict[str] = MultiDict()
    file: Uploaded | None = None
    size = 0
    reader = await request.multipart()
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader) or part.name is None:
            raise TooLarge  # nested multipart: no browser form sends one
        if part.filename is not None:
            data, total = await _bounded(part, file_limit + 1)
            size += total
            if (part.filename or data) and file is None:  # no file chosen: filename=""
                file = Uploaded(part.filename, part.headers.get("Content-Type"), data)
        else:
            data, total = await _bounded(part, MAX_FIELDS - size + 1)
            size += total
            if size > MAX_FIELDS:
                raise TooLarge
            fields.add(part.name, at_the_door(data.decode(part.get_charset("utf-8"), "replace")))
        if size > MAX_BODY:
            raise TooLarge
    return Posted(fields, file)


async def _bounded(part: BodyPartReader, keep: int) -> tuple[bytes, int]:
    """The part's first `keep` bytes, and how long it was (read to its end, up to
    `MAX_BODY`)."""
    kept = bytearray()
    total = 0
    while chunk := await part.read_chunk(CHUNK):
        total += len(chunk)
        if len(kept) < keep:
            kept += chunk[:keep - len(kept)]
        if total > MAX_BODY:
            raise TooLarge
    return bytes(kept), total


"""Google Translate's text-to-speech through gTTS: chunked, concurrent, retried, time-boxed.

gTTS builds its endpoint from a top-level domain only (``https://translate.google.<tld>/``, see
``gtts.utils._translate_url``). ``GTTSEngine(base_url=...)`` moves every request to another origin
(a gateway, or a fake on 127.0.0.1 in tests) while the path, body and response parsing stay
gTTS's own.
"""

from __future__ import annotations

import asyncio
import io
import logging
from urllib.parse import urlsplit, urlunsplit

import requests
from gtts import gTTS, gTTSError
from gtts.lang import tts_langs

from services.audio.chunks import split_chunks
from services.audio.engines import TTSError

log = logging.getLogger(__name__)


class _RoutedGTTS(gTTS):  # type: ignore[misc]  # gTTS ships no type information
    """gTTS whose requests go to `base_url` instead of translate.google.<tld>."""

    def __init__(self, text: str, *, base_url: str | None, **kwargs: object) -> None:
        super().__init__(text, **kwargs)
        self._base = urlsplit(base_url) if base_url else None

    def _prepare_requests(self) -> list[requests.PreparedRequest]:
        prepared: list[requests.PreparedRequest] = super()._prepare_requests()
        if self._base is not None:
            for request in prepared:
                url = urlsplit(str(request.url))
                path = self._base.path.rstrip("/") + url.path
                request.prepare_url(
                    urlunsplit((self._base.scheme, self._base.netloc, path, url.query, "")), None
                )
        return prepared


class GTTSEngine:
    """Vietnamese speech from Google, one request per chunk of at most 100 characters.

    A chunk answered 429 or 5xx is retried with exponential backoff (`backoff`, doubling, at most
    `retries` times); any other failure, or `timeout` seconds in all, raises `TTSError`.
    """

    name = "gtts"

    def __init__(
        self,
        *,
        lang: str = "vi",
        tld: str = "com",
        base_url: str | None = None,
        timeout: float = 45.0,
        request_timeout: tuple[float, float] = (5.0, 15.0),
        retries: int = 3,
        backoff: float = 0.5,
        concurrency: int = 3,
    ) -> None:
        if lang not in tts_langs():
            raise ValueError(f"gTTS does not speak {lang!r}")
        self.lang = lang
        self.tld = tld
        self.base_url = base_url
        self.timeout = timeout
        self.request_timeout = request_timeout
        self.retries = retries
        self.backoff = backoff
        self.concurrency = concurrency

    async def synthesise(self, text: str) -> bytes:
        """MP3 for `text`: the chunks' MP3 streams, concatenated."""
        chunks = split_chunks(text)
        if not chunks:
            raise TTSError("nothing to say")
        try:
            async with asyncio.timeout(self.timeout):
                parts = await self._fetch_all(chunks)
        except TimeoutError as exc:
            raise TTSError(f"no audio from gTTS within {self.timeout:g} s") from exc
        return b"".join(parts)

    async def _fetch_all(self, chunks: list[str]) -> list[bytes]:
        gate = asyncio.Semaphore(self.concurrency)

        async def fetch(chunk: str) -> bytes:
            async with gate:
                return await self._fetch_with_retries(chunk)

        tasks = [asyncio.create_task(fetch(chunk)) for chunk in chunks]
        try:
            return await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()

    async def _fetch_with_retries(self, chunk: str) -> bytes:
        attempt = 0
        while True:
            try:
                return await asyncio.to_thread(self._fetch, chunk)
            except gTTSError as exc:
                status = exc.rsp.status_code if exc.rsp is not None else None
                if not _retryable(status) or attempt >= self.retries:
                    tries = f"{attempt + 1} attempt{'s' if attempt else ''}"
                    raise TTSError(f"gTTS failed after {tries}: {exc}") from exc
                delay = self.backoff * 2**attempt
                attempt += 1
                log.warning("gTTS answered %s; retry %d in %.2f s", status, attempt, delay)
                await asyncio.sleep(delay)
            except (requests.RequestException, ValueError) as exc:
                raise TTSError(f"gTTS failed: {exc!r}") from exc

    def _fetch(self, chunk: str) -> bytes:
        """One chunk through gTTS's own request and response handling (blocking)."""
        tts = _RoutedGTTS(
            chunk,
            base_url=self.base_url,
            lang=self.lang,
            tld=self.tld,
            lang_check=False,
            pre_processor_funcs=[],  # its English abbreviation rules would damage Vietnamese
            timeout=self.request_timeout,
        )
        buffer = io.BytesIO()
        tts.write_to_fp(buffer)
        if not buffer.getvalue():
            raise TTSError("gTTS answered without audio")
        return buffer.getvalue()


def _retryable(status: int | None) -> bool:
    return status is not None and (status == 429 or status >= 500)

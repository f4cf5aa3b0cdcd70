"""Speech audio (MP3, WAV: whatever PyAV reads) to OGG/Opus mono, as Telegram's sendVoice wants."""

from __future__ import annotations

import io
import logging
import struct
from collections.abc import Iterator
from typing import TYPE_CHECKING

from services.audio.engines import TTSError

if TYPE_CHECKING:
    import av

log = logging.getLogger(__name__)

OPUS_RATE = 48_000
BITRATE = 32_000


def to_ogg_opus(audio: bytes, *, bitrate: int = BITRATE) -> bytes:
    """`audio` re-encoded as OGG/Opus, mono, 48 kHz, VoIP application, about `bitrate` bit/s.

    Packets the decoder rejects (an ID3 tag between concatenated MP3s, say) are skipped; raises
    `TTSError` when nothing in `audio` decodes.
    """
    import av  # PyAV loads FFmpeg's libraries: only when audio is made
    import av.error

    out = io.BytesIO()
    try:
        with av.open(io.BytesIO(audio), "r") as source, av.open(out, "w", format="ogg") as sink:
            options = {"application": "voip", "vbr": "constrained"}
            stream = sink.add_stream("libopus", rate=OPUS_RATE, layout="mono", options=options)
            stream.bit_rate = bitrate
            frames = 0
            for frame in _decoded(source):
                frame.pts = None
                frames += 1
                sink.mux(stream.encode(frame))
            if not frames:
                raise TTSError("the audio holds no sound")
            sink.mux(stream.encode(None))
    except (av.error.FFmpegError, IndexError) as exc:
        raise TTSError(f"the audio could not be converted: {exc}") from exc
    return out.getvalue()


def _decoded(source: av.container.InputContainer) -> Iterator[av.AudioFrame]:
    import av.error

    for packet in source.demux(source.streams.audio[0]):
        try:
            yield from packet.decode()
        except av.error.InvalidDataError:
            log.debug("skipped an undecodable audio packet")


def ogg_duration(ogg: bytes) -> float:
    """Playing time in seconds of an OGG/Opus file: last granule position minus pre-skip.

    Reads the Ogg page headers only (RFC 3533, RFC 7845); raises `ValueError` on anything else.
    """
    pre_skip: int | None = None
    granule = offset = 0
    while offset < len(ogg):
        if ogg[offset : offset + 4] != b"OggS" or offset + 27 > len(ogg):
            raise ValueError("not an Ogg stream")
        header_end = offset + 27 + ogg[offset + 26]
        page_end = header_end + sum(ogg[offset + 27 : header_end])
        if page_end > len(ogg):
            raise ValueError("truncated Ogg stream")
        if pre_skip is None:
            if ogg[header_end : header_end + 8] != b"OpusHead":
                raise ValueError("not an Ogg/Opus stream")
            (pre_skip,) = struct.unpack_from("<H", ogg, header_end + 10)
        (position,) = struct.unpack_from("<q", ogg, offset + 6)
        granule = position if position >= 0 else granule  # -1: no packet ends on this page
        offset = page_end
    if pre_skip is None:
        raise ValueError("empty Ogg stream")
    return max(granule - pre_skip, 0) / OPUS_RATE

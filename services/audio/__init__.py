"""Audio bulletins: notices read aloud in Vietnamese and delivered as voice messages."""

from services.audio.bulletin import VoiceResult, make_bulletin, make_voice
from services.audio.cache import AudioCache, FileAudioCache, MemoryAudioCache, audio_key
from services.audio.chunks import split_chunks, split_parts
from services.audio.engines import SpeechEngine, TTSError, TTSUnavailable
from services.audio.espeak import EspeakEngine
from services.audio.google import GTTSEngine
from services.audio.opus import ogg_duration, to_ogg_opus
from services.audio.speech import normalise_for_speech

__all__ = [
    "AudioCache",
    "EspeakEngine",
    "FileAudioCache",
    "GTTSEngine",
    "MemoryAudioCache",
    "SpeechEngine",
    "TTSError",
    "TTSUnavailable",
    "VoiceResult",
    "audio_key",
    "make_bulletin",
    "make_voice",
    "normalise_for_speech",
    "ogg_duration",
    "split_chunks",
    "split_parts",
    "to_ogg_opus",
]

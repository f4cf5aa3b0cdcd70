"""Log records without secrets: a filter on the root logger's handlers that redacts the
message, the traceback and the stack of every record they emit."""

from __future__ import annotations

import logging

from bot.settings import Settings
from services.redaction import redact, register_secret

_TRACEBACKS = logging.Formatter()


class RedactingFilter(logging.Filter):
    """Rewrites a record carrying a secret; never drops one."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = _TRACEBACKS.formatException(record.exc_info)
        if record.exc_text:
            clean = redact(record.exc_text)
            if clean != record.exc_text:  # the exception itself still holds the secret
                record.exc_text, record.exc_info = clean, None
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def keep_secrets_out_of_logs(settings: Settings) -> None:
    """Register the bots' tokens and the webhook secrets for redaction, and filter every
    handler of the root logger (once each)."""
    for secret in (settings.token(), settings.zalo_token(), settings.secret(),
                   settings.zalo_secret()):
        register_secret(secret)
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())

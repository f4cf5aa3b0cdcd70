"""The one registry of the columns that can hold a person's personal data, and what erasure
(`services.privacy.erase`) does to each.

`tests/test_privacy_registry.py` checks that every text, JSON and binary column of every
table is either here or in `NO_PERSONAL_DATA`, so a new column cannot be forgotten, and
`tests/test_privacy_erasure.py` files everything a citizen can, erases, and searches every
such column for what they wrote.
"""

from __future__ import annotations

PERSONAL: dict[str, dict[str, str]] = {
    "users": {
        "display_name": "nulled",
        "external_id": "kept: the bare account (the chat can go on); no name, place or consent",
    },
    "chats": {
        "title": "nulled for the person's private chat",
        "chat_id": "kept: a private chat's id is the account's id",
    },
    "conversations": {
        "data": "row deleted (drafts in progress)",
        "choices": "row deleted",
        "user_external_id": "row deleted",
        "chat_id": "row deleted",
    },
    "outbox": {
        "payload": "to the person, or carrying their traces (words, names, file ids): "
                   "row deleted if unsent, blanked to {} if sent",
        "last_error": "nulled with the payload",
        "chat_id": "kept on blanked rows: the account's id, for delivery counts",
    },
    "blobs": {
        "data": "deleted when only the person's erased messages named it (their export)",
    },
    "channel_files": {
        "file_id": "deleted with its blob (ON DELETE CASCADE)",
    },
    "audit_log": {
        "detail": "blanked to {} for the person's own actions (a refused command's words)",
        "actor": "kept: who acted is the audit trail; it is the kept account's id",
        "target": "nulled where it is one of the person's traces (their dossier code)",
    },
    "feedback_reports": {
        "description": "blanked to '—'; the report stays as an anonymous row for statistics",
        "voice": "nulled (platform file id)",
        "photos": "blanked to [] (platform file ids)",
        "address": "nulled",
        "rating_comment": "nulled",
        "status_note": "nulled (what officials wrote to the person)",
    },
    "feedback_events": {
        "text": "nulled on the person's reports and on their own events",
    },
    "filings": {
        "dossier_code": "nulled",
        "dossier_note": "nulled",
        "checklist": "blanked to []",
    },
    "survey_answers": {
        "text": "nulled; the answer's value stays, unlinked, for statistics",
    },
}
"""table → column → what erasure does to it. Coordinates (feedback latitude and longitude)
are nulled too; numbers are outside this text-and-JSON registry."""

NO_PERSONAL_DATA: dict[str, tuple[tuple[str, ...], str]] = {
    "blobs": (("sha256", "mime"), "a content hash and a media type"),
    "channel_files": (("channel", "sha256"), "keys"),
    "communes": (("code", "name", "district", "province", "timezone", "settings",
                  "office_address", "office_hours", "office_phone", "desk_location"),
                 "public administrative units, their configuration and their office"),
    "calendar_days": (("note",), "an operator's note on a national or commune day off"),
    "ops_sessions": (("digest", "csrf", "language"),
                     "digests of random tokens and a language code"),
    "ops_signin_links": (("digest",), "a digest of a random token"),
    "villages": (("code", "name"), "public administrative units"),
    "official_invites": (("digest", "status"),
                         "the SHA-256 of an invite token and a code; who claimed it is a user id"),
    "users": (("channel", "language", "role"), "codes"),
    "chats": (("channel", "type", "inactive_reason"), "codes and platform errors"),
    "conversations": (("channel", "flow", "step"), "codes (the rows go anyway)"),
    "outbox": (("channel", "kind", "status", "claimed_by", "dedupe_key", "group_key",
                "sent_message_id"), "codes, worker names and platform ids"),
    "processed_updates": (("channel", "update_key"),
                          "platform update ids, pruned by retention after 7 days"),
    "audit_log": (("action", "outcome"), "codes"),
    "feedback_reports": (("code", "channel", "category", "status", "public_summary"),
                         "codes, and the summary an official wrote for the public"),
    "feedback_events": (("kind", "status"), "codes"),
    "feedback_digests": (("day",), "a date"),
    "filings": (("procedure_code", "procedure_name", "skipped", "status", "dossier_status"),
                "the public procedure and the walk's progress"),
    "filing_ratings": (("aspect",), "a code"),
    "notices": (("text", "recording", "village_ids", "priority", "mode", "schedule", "cron",
                 "status", "audio", "audio_engine", "audio_error", "source_document",
                 "document_sha256"),
                "the commune's own announcements to its groups"),
    "notice_runs": (("status", "progress_text"), "delivery counts"),
    "notice_documents": (("channel", "file_id", "file_name", "mime", "status", "reason", "kind",
                          "text", "original_sha256"),
                         "the commune's own documents an official turned into notices"),
    "notice_audio_cache": (("key", "sha256"), "hashes of announcements' spoken audio"),
    "procedures": (("code", "name", "field", "applicants", "documents", "fees", "agency",
                    "legal_basis", "aliases", "steps", "result", "source", "checksum"),
                   "the public procedure catalogue"),
    "surveys": (("template", "title", "target", "context", "status"),
                "an official's survey: texts, audience and the ids it is about"),
    "survey_questions": (("kind", "text", "options", "aspect"), "an official's questions"),
    "survey_answers": (("via",), "a code"),
    "survey_polls": (("channel", "chat_id", "status", "poll_id", "message_id", "counts",
                      "error"), "group polls and their anonymous totals"),
}
"""table → (columns, why they hold no personal data)."""

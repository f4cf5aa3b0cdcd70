"""Notices to village group chats: composed by officials, scheduled, read aloud, delivered once."""

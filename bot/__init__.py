"""Thôn Số's composition root and transports: settings, app, CLI, web, channels, sender."""

"""The operations room ("phòng điều hành"): the commune's web workspace for officials.

A second entry point beside `handlers/`: aiohttp routes under `/ops/`, Jinja2 templates and
vendored static assets. It calls `services/` only; `bot/` composes it into the web server.
"""

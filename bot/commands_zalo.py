"""`python -m bot zalo info`: what the Zalo Bot API knows of this bot and its webhook."""

from __future__ import annotations

import argparse
import sys

import aiohttp

from bot.channels.zalo import ZaloApiError, ZaloClient
from bot.settings import Settings


async def zalo(args: argparse.Namespace, settings: Settings) -> int:
    token = settings.zalo_token()
    if not token:
        print("Configuration error: ZALO_BOT_TOKEN is not set", file=sys.stderr)
        return 2
    client = ZaloClient(token, settings.zalo_api_base_url)
    try:
        me = await client.get_me() or {}
        webhook = await client.get_webhook_info() or {}
    except ZaloApiError as error:
        print(f"Zalo Bot API refused {error.method}: {error.code} {error.description}",
              file=sys.stderr)
        return 1
    except (aiohttp.ClientError, TimeoutError) as error:
        print(f"Zalo Bot API unreachable at {settings.zalo_api_base_url}: {error!r}",
              file=sys.stderr)
        return 1
    finally:
        await client.close()
    print(f"bot id: {me.get('id', '-')}\n"
          f"account: {me.get('account_name') or me.get('display_name') or '-'} "
          f"({me.get('account_type', '-')})\n"
          f"webhook url: {webhook.get('url') or '(none: polling)'}")
    for key, value in sorted(webhook.items()):
        if key != "url":
            print(f"webhook {key}: {value}")
    return 0

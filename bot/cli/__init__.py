"""The command line: ask, pool, kb and serve share the answer path with Telegram."""

from bot.cli.main import main

__all__ = ["main"]

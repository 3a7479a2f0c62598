"""A chat's life as the store sees it: the bot removed (or blocked), and a group become a supergroup.

Settings are kept until the chat is gone for the bot: the bot left or was removed from a group, or a user
blocked it in a private chat (my_chat_member says so, with the new status "left" or "kicked"). When a group
becomes a supergroup, Telegram sends a service message with migrate_to_chat_id in the old chat (and one with
migrate_from_chat_id in the new one); either moves the chat's row to the new id.
"""

from __future__ import annotations

import logging

from telegram import ChatMember, Update
from telegram.ext import ContextTypes

from bot.telegram.delivery import deps_of

log = logging.getLogger("bot.telegram")

GONE = (ChatMember.LEFT, ChatMember.BANNED)


async def my_chat_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    change = update.my_chat_member
    if change is None:
        return
    status = change.new_chat_member.status
    if status in GONE:
        deps_of(context).store.forget(change.chat.id)
        log.info("chat gone (%s, %s): its settings are deleted", change.chat.type, status)


async def migrated(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None:
        return
    if message.migrate_to_chat_id:
        old, new = message.chat.id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id:
        old, new = message.migrate_from_chat_id, message.chat.id
    else:
        return
    deps_of(context).store.migrate(old, new)
    log.info("group became a supergroup: its settings moved")

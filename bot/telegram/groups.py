"""Messages in private chats and groups: a group message is answered only when it addresses the bot."""

from __future__ import annotations

import html

from telegram import Message, MessageEntity, Update
from telegram.ext import ContextTypes

from bot.answers.wording import EXAMPLES
from bot.telegram.delivery import Target, send_note
from bot.telegram.questions import answer_question


def _from_inline_card(message: Message, bot_id: int) -> bool:
    return message.via_bot is not None and message.via_bot.id == bot_id


async def private_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None or _from_inline_card(message, context.bot.id):
        return
    await answer_question(update, context, message.text or "", Target.of(message))


def addressed_text(message: Message, bot_id: int, username: str | None) -> str | None:
    """The question in a group message addressed to the bot (mention removed), or None when not addressed."""
    text = message.text or ""
    reply = message.reply_to_message
    addressed = bool(reply and reply.from_user and reply.from_user.id == bot_id)
    cuts: list[tuple[int, int]] = []
    for entity in message.entities or ():
        if entity.type == MessageEntity.MENTION and username:
            mention = message.parse_entity(entity)
            if mention.lower() == f"@{username.lower()}":
                addressed = True
                cuts.append((entity.offset, entity.length))
        elif entity.type == MessageEntity.TEXT_MENTION and entity.user and entity.user.id == bot_id:
            addressed = True
    if not addressed:
        return None
    if cuts:  # entity offsets count UTF-16 code units
        encoded = text.encode("utf-16-le")
        for offset, length in sorted(cuts, reverse=True):
            encoded = encoded[: offset * 2] + b" " + b"\x00" + encoded[(offset + length) * 2:]
        text = encoded.decode("utf-16-le")
    return " ".join(text.split())


async def group_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None or _from_inline_card(message, context.bot.id):
        return
    question = addressed_text(message, context.bot.id, context.bot.username)
    if question is None:
        return  # not for us: stay quiet
    target = Target.of(message)
    if not question:
        await send_note(context, target, "Yes? Ask me about the trials I hold, for example: "
                                         f"<i>{html.escape(EXAMPLES[0])}</i>")
        return
    await answer_question(update, context, question, target)

"""Messages in private chats and groups: a group message is answered only when it addresses the bot.

A caption (of a photo, a document, a video…) is a question under the same rules as text: any caption in a private
chat; in a group one that mentions the bot, replies to it, or starts with /ask. Only the caption is read, never
the file. Other commands in a caption get a hint in a private chat and silence in a group.
"""

from __future__ import annotations

import html

from telegram import Message, MessageEntity, Update
from telegram.ext import ContextTypes

from bot.answers.wording import EXAMPLES
from bot.telegram.delivery import Target, flood_ok, send_note
from bot.telegram.questions import answer_question


def _from_inline_card(message: Message, bot_id: int) -> bool:
    return message.via_bot is not None and message.via_bot.id == bot_id


async def private_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None or _from_inline_card(message, context.bot.id):
        return
    await answer_question(update, context, message.text or "", Target.of(message))


def addressed_text(message: Message, bot_id: int, username: str | None, caption: bool = False) -> str | None:
    """The question in a group message addressed to the bot (mention removed), or None when not addressed.

    ``caption`` reads the caption of a photo, document or other media instead of the text.
    """
    text = (message.caption if caption else message.text) or ""
    entities = message.caption_entities if caption else message.entities
    parse_entity = message.parse_caption_entity if caption else message.parse_entity
    reply = message.reply_to_message
    addressed = bool(reply and reply.from_user and reply.from_user.id == bot_id)
    cuts: list[tuple[int, int]] = []
    for entity in entities or ():
        if entity.type == MessageEntity.MENTION and username:
            mention = parse_entity(entity)
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
    await _answer_addressed(update, context, addressed_text(message, context.bot.id, context.bot.username))


async def _answer_addressed(update: Update, context: ContextTypes.DEFAULT_TYPE, question: str | None) -> None:
    """Answer a group message's question; None (not addressed to the bot) stays quiet."""
    if question is None:
        return  # not for us: stay quiet
    target = Target.of(update.effective_message)
    if not question:
        await send_note(context, target, "Yes? Ask me about the trials I hold, for example: "
                                         f"<i>{html.escape(EXAMPLES[0])}</i>")
        return
    await answer_question(update, context, question, target)


ASK_COMMAND = "ask"
CAPTION_COMMAND_NOTE = ("In a caption I only understand /ask followed by a question (or just the question). "
                        "Send other commands as a message of their own, for example /help.")


def caption_command(message: Message, username: str | None) -> tuple[str | None, str] | None:
    """A caption that starts with a command: (the command, what follows), the command None when it names
    another bot; None when the caption does not start with a command."""
    caption = message.caption or ""
    for entity in message.caption_entities or ():
        if entity.type == MessageEntity.BOT_COMMAND and entity.offset == 0:
            name, _, addressee = message.parse_caption_entity(entity)[1:].partition("@")
            parts = caption.split(maxsplit=1)
            rest = parts[1].strip() if len(parts) > 1 else ""
            if addressee and (not username or addressee.lower() != username.lower()):
                return None, rest
            return name.lower(), rest
    return None


async def private_caption(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A caption in a private chat is a question, like a text message; the photo or file is not looked at."""
    message = update.effective_message
    if message is None or _from_inline_card(message, context.bot.id):
        return
    target = Target.of(message)
    command = caption_command(message, context.bot.username)
    if command is None:
        await answer_question(update, context, " ".join((message.caption or "").split()), target)
        return
    name, rest = command
    if name == ASK_COMMAND and rest:
        await answer_question(update, context, rest, target)
        return
    user = update.effective_user
    if not await flood_ok(context, user.id if user else None, target):
        return
    await send_note(context, target, CAPTION_COMMAND_NOTE)


async def group_caption(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A caption in a group is answered only when it addresses the bot: /ask, a mention, or a reply to it."""
    message = update.effective_message
    if message is None or _from_inline_card(message, context.bot.id):
        return
    command = caption_command(message, context.bot.username)
    if command is not None:
        name, rest = command
        if name != ASK_COMMAND:
            return  # another bot's command, or one of ours that only works as text: stay quiet
        target = Target.of(message)
        if rest:
            await answer_question(update, context, rest, target)
            return
        user = update.effective_user
        if await flood_ok(context, user.id if user else None, target):
            await send_note(context, target, "Put the question after the command, for example:\n"
                                             f"<code>/ask {html.escape(EXAMPLES[2])}</code>")
        return
    await _answer_addressed(update, context, addressed_text(message, context.bot.id, context.bot.username,
                                                            caption=True))

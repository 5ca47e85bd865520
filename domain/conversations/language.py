"""Which language a conversation is held in, and how it carries over to the client.

The order of precedence: a language the client asks for; one recognised with certainty in
their message; the conversation's; the client's from earlier conversations; the channel's
hint (Telegram's language_code, the browser's Accept-Language); the practice's first.
Only languages the practice offers are ever chosen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session

from domain.kernel.errors import NotFound
from domain.kernel.languages import DEFAULT, offered
from domain.kernel.uow import UnitOfWork
from domain.models import PRACTICE_ROW_ID, Client, Conversation, Practice


@dataclass(frozen=True)
class Heard:
    """What a client's message tells about their language.

    `language` is what it is written in, when that is clear enough to start a conversation
    in; `decisive` when it is clear enough to switch one already under way (a name or "ok"
    is neither).
    """

    language: str | None = None
    decisive: bool = False
    asked_for: str | None = None


def practice_languages(*, uow: UnitOfWork) -> list[str]:
    """Return the languages the practice answers in, its default first."""
    with uow.reading() as reader:
        return list(_languages(reader.session))


def hint_language(*, uow: UnitOfWork, conversation_id: str, hints: Sequence[str]) -> None:
    """Take a channel's hint of the language when the conversation and client have none.

    `hints` are the channel's, preferred first (Accept-Language in order of quality): the
    first the practice offers is taken.
    """
    with uow:
        conversation = uow.session.get(Conversation, conversation_id)
        if conversation is None or conversation.language:
            return
        client = uow.session.get(Client, conversation.client_id) if conversation.client_id else None
        if client is not None and client.language:
            return
        languages = _languages(uow.session)
        language = next((code for hint in hints if (code := offered(hint, languages))), None)
        if language is None:
            return
        conversation.language = language
        uow.commit()


def settle_language(*, uow: UnitOfWork, conversation_id: str, heard: Heard, under_way: bool) -> str:
    """Decide the language to answer this message in, and keep it on the conversation and client.

    An asked-for language sticks on both. The first message of a conversation, when its
    language is recognised, sets it (over the client's from before and the channel's hint);
    once under way, only a message recognised with certainty switches it. A message that
    tells nothing keeps the language the conversation already has.
    """
    with uow:
        conversation = uow.session.get(Conversation, conversation_id)
        if conversation is None:
            raise NotFound(f"No conversation {conversation_id}.")
        client = uow.session.get(Client, conversation.client_id) if conversation.client_id else None
        languages = _languages(uow.session)
        known = offered(conversation.language, languages) or offered(
            client.language if client else None, languages
        )
        asked = offered(heard.asked_for, languages)
        recognised = offered(heard.language, languages)
        if asked:
            language = asked
        elif recognised and (known is None or not under_way or heard.decisive):
            language = recognised
        else:
            language = known or languages[0]
        conversation.language = language
        if client is not None and (client.language is None or asked or recognised == language):
            client.language = language
        uow.commit()
        return language


def conversation_language(*, uow: UnitOfWork, conversation_id: str) -> str:
    """Return the language the conversation is held in (the practice's default if none yet)."""
    with uow.reading() as reader:
        session = reader.session
        conversation = session.get(Conversation, conversation_id)
        languages = _languages(session)
        if conversation is not None and conversation.language in languages:
            return str(conversation.language)
        client = (
            session.get(Client, conversation.client_id)
            if conversation is not None and conversation.client_id
            else None
        )
        if client is not None and client.language in languages:
            return str(client.language)
        return languages[0]


def client_language(*, uow: UnitOfWork, client_id: str | None) -> str:
    """Return the language a client is written to in (notifications): theirs, else the default."""
    with uow.reading() as reader:
        languages = _languages(reader.session)
        client = reader.session.get(Client, client_id) if client_id else None
        if client is not None and client.language in languages:
            return str(client.language)
        return languages[0]


def _languages(session: Session) -> list[str]:
    row = session.get(Practice, PRACTICE_ROW_ID)
    return list(row.languages) if row is not None and row.languages else [DEFAULT]

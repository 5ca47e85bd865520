"""After a person held the conversation, the agent goes on with what was said in its context."""

from __future__ import annotations

import json

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.runnables import RunnableConfig

from agent.runner import Said
from domain.models import BookingStatus
from tests.integration.test_offline_conversations import (
    Chat,
    StartChat,
    sample_index,
    start_chat,
)
from tests.integration.test_offline_conversations_booking import derm_summary

__all__ = ["sample_index", "start_chat"]  # fixtures shared with the other conversation tests


def messages(chat: Chat) -> list[BaseMessage]:
    config: RunnableConfig = {"configurable": {"thread_id": chat.conversation_id}}
    return list(chat.agent.graph.get_state(config).values["messages"])


def catch_up(chat: Chat, *said: Said) -> None:
    chat.agent.catch_up(conversation_id=chat.conversation_id, said=said)


def test_what_a_provider_said_joins_the_agents_context(start_chat: StartChat) -> None:
    chat = start_chat("ana")
    chat.say("Hello")
    catch_up(
        chat,
        Said(by_client=True, text="Can Dr. Weber see my rash?"),
        Said(by_client=False, text="Yes, book a dermatology visit.", name="Dr. Anna Weber"),
    )
    *_, question, answer = messages(chat)
    assert isinstance(question, HumanMessage)
    assert question.content == "Can Dr. Weber see my rash?"
    assert isinstance(answer, AIMessage)
    assert (answer.content, answer.name) == ("Yes, book a dermatology visit.", "Dr__Anna_Weber")
    turn = chat.say("I'd like to see a dermatologist on Tuesday")
    assert "check_slots" in [c["name"] for c in turn.tool_calls]


def test_a_summary_waiting_for_confirmation_is_closed_when_a_person_took_over(
    start_chat: StartChat,
) -> None:
    chat = start_chat("ana")
    derm_summary(chat)
    catch_up(chat, Said(by_client=False, text="I will leave the booking to the assistant."))
    closing = [m for m in messages(chat) if isinstance(m, ToolMessage)][-1]
    assert closing.name == "confirm_booking"
    assert json.loads(str(closing.content))["done"] is False
    # The next message starts afresh instead of answering the old question with a "yes".
    turn = chat.say("yes")
    assert turn.question is None
    assert chat.bookings(BookingStatus.CONFIRMED)[-1].service_id != "derm-consult"


def test_what_is_caught_up_again_takes_its_own_place_not_a_second_one(
    start_chat: StartChat,
) -> None:
    chat = start_chat("ana")
    chat.say("Hello")
    said = (
        Said(by_client=True, text="Can Dr. Weber see my rash?", entry_id=7),
        Said(by_client=False, text="Yes, on Tuesday.", name="Dr. Anna Weber", entry_id=8),
    )
    catch_up(chat, *said)
    before = [m.content for m in messages(chat)]
    catch_up(chat, *said)  # a turn that failed after catching up is tried again
    assert [m.content for m in messages(chat)] == before
    assert before.count("Can Dr. Weber see my rash?") == 1

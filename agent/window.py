"""Which messages of the transcript the OpenAI path sends the model: the last few, kept valid.

The checkpoint keeps the whole transcript; only what is sent is cut. What older turns
established reaches the model through the dialogue state instead (agent/dialogue_state.py).
"""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.messages import BaseMessage, HumanMessage, ToolMessage

# Enough for the client's last exchange or two with the tool results behind them.
RECENT_MESSAGES = 6


def window_start(messages: Sequence[BaseMessage], keep: int = RECENT_MESSAGES) -> int:
    """The index of the first of the last `keep` messages, moved back off any tool result.

    OpenAI refuses a tool message that does not follow the assistant message whose call it
    answers, so the window reaches back to that message.
    """
    start = max(len(messages) - keep, 0)
    while start > 0 and isinstance(messages[start], ToolMessage):
        start -= 1
    return start


def recent_messages(
    messages: Sequence[BaseMessage], keep: int = RECENT_MESSAGES
) -> list[BaseMessage]:
    """Return the messages from `window_start` on, after the client's latest message.

    The client's latest message always goes first, so the model sees what it is answering,
    even when a long turn (a search, a hold, a confirmation and what follows a booking) has
    pushed it out of the last few.
    """
    window = list(messages[window_start(messages, keep) :])
    latest_human = next((m for m in reversed(messages) if isinstance(m, HumanMessage)), None)
    if latest_human is not None and all(m is not latest_human for m in window):
        window.insert(0, latest_human)
    return window

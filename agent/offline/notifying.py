"""Hear what a client wants to be told and where: "stop the reminders", "text me instead".

A wish names a change (on or off), a channel (email, text, Telegram) or what to be told
(reminders, confirmations), or asks how we notify them. Only a message that says both what to
do and what about counts: "I need a reminder of my appointment time" asks for a booking's time,
not for reminders.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from agent.offline.text import fold

Change = dict[str, Any]  # {"event": name | None, "via": channel name | None, "enabled": bool}

_CHANNEL = r"(?:e-?mails?|e-?mailing|texts?|texting|sms|text\s+messages?|telegram)"
_ABOUT = (
    r"(?:reminders?|notifications?|confirmations?|messages?|alerts?|updates?|e-?mails?|texts?"
    r"|sms|telegram)"
)
_READ = re.compile(
    r"\bhow\s+(?:will|would|do|are|can)\s+you\s+(?:going\s+to\s+)?(?:notify|contact|reach|remind"
    r"|inform|tell|message|let)\s+me\b"
    r"|\bwhat\s+(?:notifications?|messages?|reminders?|alerts?|updates?)\s+(?:do|will|would)\s+i"
    r"\s+(?:get|receive)\b"
    r"|\b(?:my|which|what)\s+notification\s+(?:settings|preferences|options)\b"
    r"|\bhow\s+(?:do|will)\s+i\s+(?:get|receive)\s+(?:my\s+|the\s+)?(?:reminders|notifications)\b"
)
_INSTEAD = re.compile(
    rf"\b(?:(?P<verb>text|sms|e-?mail|message)\s+me|(?:by|via|on|through|over|use)\s+(?P<noun>"
    rf"{_CHANNEL}))\b.{{0,30}}?\binstead\s+of\s+(?:by\s+|via\s+|on\s+)?(?P<off>{_CHANNEL})\b"
)
# Words between "stop" and "reminders", but no "by", "on" …: "can I stop by email?" is not it.
_FILLER_WORDS = r"(?:(?!(?:by|via|on|through|over|to|in|at)\b)\w+\s+){0,3}?"
_OFF = re.compile(
    r"\b(?:stop(?:\s+sending(?:\s+me)?)?|no\s+more|no\s+longer\s+(?:want|need|send)|(?:don't"
    r"|do\s+not|dont)\s+(?:want|need|send(?:\s+me)?)|turn\s+off|switch\s+off|disable"
    rf"|unsubscribe(?:\s+me)?(?:\s+from)?|opt\s+(?:me\s+)?out\s+of)\s+{_FILLER_WORDS}"
    rf"(?P<about>{_ABOUT})\b"
    r"|\b(?:turn|switch)\s+(?:the\s+|my\s+|all\s+)?(?P<about_off>reminders?|notifications?|"
    r"e-?mails?|texts?)\s+off\b"
    r"|\bcancel\s+(?:the\s+|my\s+|all\s+|these\s+)?(?P<cancelled>reminders|notifications|alerts)"
)
_VIA_AFTER = re.compile(rf"\s+(?:by|via|on|over|through|per)\s+(?P<channel>{_CHANNEL})\b")
_DONT_CONTACT = re.compile(
    r"\b(?:don't|do\s+not|dont|stop|never|no\s+need\s+to)\s+(?P<verb>e-?mail(?:ing)?|text(?:ing)?"
    r"|sms)\s+me\b"
)
_BACK_ON = re.compile(
    r"\b(?:turn|switch|put)\s+(?:the\s+|my\s+)?(?P<a>reminders?|notifications?)\s+(?:back\s+)?on\b"
    r"|\b(?:turn|switch)\s+(?:back\s+)?on\s+(?:the\s+|my\s+)?(?P<b>reminders?|notifications?)\b"
    r"|\b(?:resume|restart|reactivate|enable)\s+(?:the\s+|my\s+)?(?P<c>reminders?|notifications?)\b"
    r"|\b(?P<d>reminders?|notifications?)\s+back(?:\s+on)?\b"
    r"|\bstart\s+(?:sending\s+(?:me\s+)?)?(?:the\s+|my\s+)?(?P<e>reminders?|notifications?)\s+again"
)
_SEND_ON = re.compile(
    r"\b(?:send|give|remind|notify|contact|message|want|like|prefer|get)\b.{0,40}?"
    r"\b(?:by|via|on|through|over|per)\s+(?P<channel>e-?mail|texts?|sms|text\s+messages?"
    r"|telegram)\b"
)

# "Switch those off", "stop them": the notifications a message spoke of a sentence before.
_OFF_REFERRED = re.compile(
    r"\b(?:(?:turn|switch)\s+(?:those|these|them|it)\s+off|(?:turn|switch)\s+off\s+(?:those|these"
    r"|them)|stop\s+(?:those|these|them)|(?:don't|do\s+not|dont)\s+(?:send|want)\s+(?:those|these"
    r"|them))\b"
)
# "Could you send me text messages instead?": a channel wanted over the one the message names.
_INSTEAD_REFERRED = re.compile(
    rf"\b(?:send|give|use)\s+(?:me\s+)?(?P<channel>{_CHANNEL})\b.{{0,40}}?\binstead\b"
    rf"|\b(?P<verb>text|sms|e-?mail|message)\s+me\b.{{0,40}}?\binstead\b"
)
_NOTIFICATION_NOUN = re.compile(r"\b(?:reminders?|notifications?|confirmations?|alerts?)\b")


@dataclass(frozen=True)
class NotificationWish:
    """Read how we notify the client (no changes), or change it as `changes` say."""

    changes: tuple[Change, ...] = ()

    @property
    def reads(self) -> bool:
        return not self.changes


def read_notification_wish(text: str) -> NotificationWish | None:
    """Return what the client wants of their notifications; None when the message is not that."""
    folded = fold(text)
    event = _event(folded)
    instead = _INSTEAD.search(folded)
    if instead:
        wanted = _channel(instead.group("verb") or instead.group("noun"))
        unwanted = _channel(instead.group("off"))
        return _wish(_change(event, wanted, True), _change(event, unwanted, False))
    back = _BACK_ON.search(folded)
    if back:
        about = next(group for group in back.groups() if group)
        return _wish(_change(_event(about), _channel_in(folded), True))
    stop = _OFF.search(folded)
    if stop:
        about = stop.group("about") or stop.group("about_off") or stop.group("cancelled")
        # "stop the reminders by email, texts are enough": the channel right after is the one.
        via = _VIA_AFTER.match(folded, stop.end())
        channel = _channel(about) or _channel(via and via.group("channel")) or _channel_in(folded)
        return _wish(_change(event, channel, False))
    dont = _DONT_CONTACT.search(folded)
    if dont:
        return _wish(_change(event, _channel(dont.group("verb")), False))
    send = _SEND_ON.search(folded)
    if send and (event or re.search(r"\b(?:notify|notifications?|updates?)\b", folded)):
        return _wish(_change(event, _channel(send.group("channel")), True))
    if _READ.search(folded):
        return NotificationWish()
    return _referred_wish(folded, event)


def _referred_wish(folded: str, event: str | None) -> NotificationWish | None:
    """Read a wish whose object is named elsewhere in the message ("... switch those off")."""
    spoken_of = _NOTIFICATION_NOUN.search(folded) is not None or _channel_in(folded) is not None
    if _OFF_REFERRED.search(folded) and spoken_of:
        return _wish(_change(event, _channel_in(folded), False))
    instead = _INSTEAD_REFERRED.search(folded)
    if instead:
        wanted = _channel(instead.group("channel") or instead.group("verb"))
        others = {
            channel
            for word in re.findall(_CHANNEL, folded)
            if (channel := _channel(word)) not in (None, wanted)
        }
        if wanted and len(others) == 1:
            return _wish(_change(event, wanted, True), _change(event, others.pop(), False))
    return None


def _wish(*changes: Change) -> NotificationWish:
    return NotificationWish(changes=changes)


def _change(event: str | None, channel: str | None, enabled: bool) -> Change:
    return {"event": event, "via": channel, "enabled": enabled}


def _event(folded: str) -> str | None:
    if re.search(r"\b(?:reminders?|remind)\b", folded):
        return "booking.reminder"
    if re.search(r"\bconfirmations?\b", folded):
        return "booking.confirmed"
    return None


def _channel(word: str | None) -> str | None:
    word = word or ""
    if re.match(r"e-?mail", word):
        return "email"
    if re.match(r"text|sms", word):
        return "sms"
    if word.startswith("telegram"):
        return "telegram"
    return None


def _channel_in(folded: str) -> str | None:
    """The one channel a message names ("the email reminders"), if it names exactly one."""
    named = {
        channel for word in re.findall(_CHANNEL, folded) if (channel := _channel(word)) is not None
    }
    return named.pop() if len(named) == 1 else None

"""Notification wording per event and channel: built in, changed by admins, checked on save."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import col, select

from domain.kernel.errors import Forbidden, InvalidInput, NotFound
from domain.kernel.uow import UnitOfWork
from domain.kernel.versioning import StaleVersion
from domain.models import AuditEvent, StaffRole, StaffUser
from domain.notifications.events import CHANNELS, EVENTS, Channel
from domain.notifications.rendering import built_in_wording, problems_with, sms_size
from domain.notifications.templates import (
    get_notification_template,
    page_notification_templates,
    preview_notification_template,
    render_notification,
    reset_notification_template,
    save_notification_template,
)

SIGNED_UP = datetime(2026, 1, 5, tzinfo=UTC)
ADMIN_STAFF = StaffUser(
    id="admin", email="a@example.org", name="Admin", role=StaffRole.ADMIN, created_at=SIGNED_UP
)
PROVIDER_STAFF = StaffUser(
    id="weber", email="w@example.org", name="Weber", provider_id="dr-weber", created_at=SIGNED_UP
)
CONFIRMED = EVENTS["booking.confirmed"].sample()


def save(
    uow: UnitOfWork, event: str, channel: str, body: str, *, subject: str = "", version: int = 0
) -> int:
    saved = save_notification_template(
        uow=uow,
        staff=ADMIN_STAFF,
        event=event,
        channel=channel,
        expected_version=version,
        subject=subject,
        body=body,
    )
    return saved.version


def refusal(uow: UnitOfWork, channel: str, body: str, *, subject: str = "") -> InvalidInput:
    with pytest.raises(InvalidInput) as refused:
        save(uow, "booking.confirmed", channel, body, subject=subject)
    return refused.value


class TestBuiltIn:
    @pytest.mark.parametrize("event", EVENTS)
    @pytest.mark.parametrize("channel", CHANNELS)
    def test_every_built_in_template_passes_the_checks_admins_face(
        self, event: str, channel: Channel
    ) -> None:
        assert problems_with(EVENTS[event], channel, built_in_wording(event, channel)) == []

    @pytest.mark.parametrize("event", EVENTS)
    def test_built_in_texts_fit_one_sms_with_sample_data(self, uow: UnitOfWork, event: str) -> None:
        preview = preview_notification_template(
            uow=uow, staff=PROVIDER_STAFF, event=event, channel="sms", subject=None, body=None
        )
        assert preview.sms is not None
        assert (preview.sms.encoding, preview.sms.segments) == ("GSM-7", 1)

    def test_every_event_and_channel_starts_built_in_at_version_0(self, uow: UnitOfWork) -> None:
        found, total = page_notification_templates(
            uow=uow, event=None, channel=None, limit=50, offset=0
        )
        assert total == len(EVENTS) * len(CHANNELS) == 15
        assert {(t.customised, t.version) for t in found} == {(False, 0)}

    def test_the_reminder_says_how_long_before(self, uow: UnitOfWork) -> None:
        sample = EVENTS["booking.reminder"].sample()
        tomorrow = render_notification(
            uow=uow, event="booking.reminder", channel="email", context=sample
        )
        soon = render_notification(
            uow=uow,
            event="booking.reminder",
            channel="email",
            context={**sample, "hours_before": 1},
        )
        assert "tomorrow" in tomorrow.subject
        assert "in 1 hour," in soon.subject


class TestSaving:
    def test_an_admins_wording_is_used_until_it_is_reset(self, uow: UnitOfWork) -> None:
        version = save(uow, "booking.confirmed", "sms", "See you {{ start }}, {{ client_name }}!")
        sent = render_notification(
            uow=uow, event="booking.confirmed", channel="sms", context=CONFIRMED
        )
        assert (version, sent.body) == (1, "See you Tue 3 Mar 2026, 14:30, Ana Silva!")

        reset = reset_notification_template(
            uow=uow, staff=ADMIN_STAFF, event="booking.confirmed", channel="sms", expected_version=1
        )
        assert (reset.customised, reset.version) == (False, 2)
        sent = render_notification(
            uow=uow, event="booking.confirmed", channel="sms", context=CONFIRMED
        )
        assert sent.body.startswith("Confirmed: Dermatology consultation with Dr. Anna Weber")

    def test_an_etag_read_before_a_reset_never_matches_again(self, uow: UnitOfWork) -> None:
        save(uow, "booking.cancelled", "telegram", "First")
        reset_notification_template(
            uow=uow,
            staff=ADMIN_STAFF,
            event="booking.cancelled",
            channel="telegram",
            expected_version=1,
        )
        with pytest.raises(StaleVersion):
            save(uow, "booking.cancelled", "telegram", "Late", version=1)
        assert save(uow, "booking.cancelled", "telegram", "Fresh", version=2) == 3

    def test_a_change_from_an_old_version_is_refused(self, uow: UnitOfWork) -> None:
        save(uow, "booking.changed", "sms", "One {{ start }}")
        with pytest.raises(StaleVersion, match="you sent version 0; it is now version 1"):
            save(uow, "booking.changed", "sms", "Two {{ start }}")
        current = get_notification_template(uow=uow, event="booking.changed", channel="sms")
        assert current.body == "One {{ start }}"

    def test_changes_are_audited(self, uow: UnitOfWork) -> None:
        save(uow, "booking.changed", "sms", "Moved to {{ start }}")
        reset_notification_template(
            uow=uow, staff=ADMIN_STAFF, event="booking.changed", channel="sms", expected_version=1
        )
        with uow.reading() as reader:
            actions = reader.session.exec(
                select(AuditEvent.action).where(col(AuditEvent.subject_id) == "booking.changed/sms")
            ).all()
        assert actions == ["notification_template.updated", "notification_template.reset"]

    def test_only_an_admin_saves_or_resets_wording(self, uow: UnitOfWork) -> None:
        with pytest.raises(Forbidden, match="Only an admin"):
            save_notification_template(
                uow=uow,
                staff=PROVIDER_STAFF,
                event="booking.confirmed",
                channel="sms",
                expected_version=0,
                subject="",
                body="Mine now",
            )
        save(uow, "booking.confirmed", "sms", "The admin's wording")
        with pytest.raises(Forbidden, match="Only an admin"):
            reset_notification_template(
                uow=uow,
                staff=PROVIDER_STAFF,
                event="booking.confirmed",
                channel="sms",
                expected_version=1,
            )
        current = get_notification_template(uow=uow, event="booking.confirmed", channel="sms")
        assert (current.body, current.version) == ("The admin's wording", 1)

    def test_an_unknown_event_or_channel_is_not_found(self, uow: UnitOfWork) -> None:
        with pytest.raises(NotFound, match=r"No notification event 'booking\.lost'"):
            get_notification_template(uow=uow, event="booking.lost", channel="sms")
        with pytest.raises(NotFound, match="No notification channel 'fax'"):
            save(uow, "booking.confirmed", "fax", "Hello")


class TestChecks:
    def test_unknown_variables_are_named(self, uow: UnitOfWork) -> None:
        refused = refusal(uow, "sms", "Hi {{ client_name }}, bring {{ shoe_size }} {{ pet }}")
        assert refused.field == "body"
        assert refused.message.startswith(
            "body: unknown variables pet, shoe_size; booking.confirmed offers client_name, end, "
        )

    def test_a_syntax_error_is_reported_with_its_line(self, uow: UnitOfWork) -> None:
        refused = refusal(uow, "telegram", "Hello\n{% if reason %}\nno end")
        assert refused.message.startswith("body: line 3: Unexpected end of template.")

    def test_an_email_needs_a_subject_and_other_channels_have_none(self, uow: UnitOfWork) -> None:
        assert refusal(uow, "email", "<p>Hi</p>").message == ("subject: an email needs a subject.")
        refused = refusal(uow, "sms", "Hi", subject="Hello")
        assert (refused.field, refused.message) == (
            "subject",
            "subject: only email has a subject; leave it empty for sms.",
        )

    def test_every_reason_is_given_at_once(self, uow: UnitOfWork) -> None:
        refused = refusal(uow, "email", "{{ nope }}", subject="{{ start ")
        assert refused.field == "subject"
        assert refused.message.startswith("subject: line 1: unexpected end of template")
        assert "; body: unknown variables nope;" in refused.message

    def test_a_template_must_fill_in_with_sample_data(self, uow: UnitOfWork) -> None:
        refused = refusal(uow, "sms", "{{ start.weekday }}")
        assert refused.message == (
            "body: it fails with sample data: 'str object' has no attribute 'weekday'"
        )
        assert "by zero" in refusal(uow, "sms", "{{ 1 // 0 }}").message

    def test_a_template_cannot_reach_python_internals(self, uow: UnitOfWork) -> None:
        refused = refusal(uow, "sms", "{{ client_name.__class__.__mro__ }}")
        assert "access to attribute '__class__' of 'str' object is unsafe" in refused.message


class TestRendering:
    def test_email_bodies_are_html_escaped_and_texts_are_not(self, uow: UnitOfWork) -> None:
        context = {**CONFIRMED, "client_name": "<Ana & Co>"}
        email = render_notification(
            uow=uow, event="booking.confirmed", channel="email", context=context
        )
        assert "Dear &lt;Ana &amp; Co&gt;," in email.body
        save(uow, "booking.confirmed", "telegram", "Hi {{ client_name }}")
        text = render_notification(
            uow=uow, event="booking.confirmed", channel="telegram", context=context
        )
        assert text.body == "Hi <Ana & Co>"

    def test_a_subject_stays_on_one_line(self, uow: UnitOfWork) -> None:
        save(
            uow,
            "booking.confirmed",
            "email",
            "<p>{{ start }}</p>",
            subject="Booked\n{{ start }}\r\nBcc: x@example.com",
        )
        email = render_notification(
            uow=uow, event="booking.confirmed", channel="email", context=CONFIRMED
        )
        assert email.subject == "Booked Tue 3 Mar 2026, 14:30 Bcc: x@example.com"

    def test_a_context_missing_a_variable_is_refused_by_name(self, uow: UnitOfWork) -> None:
        with pytest.raises(
            InvalidInput,
            match=r"The booking\.confirmed notification for sms could not be filled: "
            "'provider' is undefined",
        ):
            render_notification(
                uow=uow, event="booking.confirmed", channel="sms", context={"service": "X"}
            )

    def test_a_preview_renders_unsaved_wording_and_counts_sms_segments(
        self, uow: UnitOfWork
    ) -> None:
        long_text = "x" * 161
        preview = preview_notification_template(
            uow=uow,
            staff=ADMIN_STAFF,
            event="booking.confirmed",
            channel="sms",
            subject=None,
            body=long_text,
        )
        assert preview.sms is not None
        assert (preview.body, preview.sms.segments) == (long_text, 2)
        unsaved = get_notification_template(uow=uow, event="booking.confirmed", channel="sms")
        assert unsaved.customised is False

    def test_only_admins_try_out_unsaved_wording(self, uow: UnitOfWork) -> None:
        with pytest.raises(Forbidden):
            preview_notification_template(
                uow=uow,
                staff=PROVIDER_STAFF,
                event="booking.confirmed",
                channel="sms",
                subject=None,
                body="Hi",
            )


class TestSmsSize:
    @pytest.mark.parametrize(
        ("text", "encoding", "characters", "segments"),
        [
            ("a" * 160, "GSM-7", 160, 1),
            ("a" * 161, "GSM-7", 161, 2),
            ("a" * 306, "GSM-7", 306, 2),
            ("a" * 307, "GSM-7", 307, 3),
            ("Grüße aus Köln, 5€ [ok]", "GSM-7", 26, 1),
            ("€" * 80, "GSM-7", 160, 1),
            ("ł" * 70, "UCS-2", 70, 1),
            ("ł" * 71, "UCS-2", 71, 2),
            ("ł" * 134, "UCS-2", 134, 2),
            ("ł" * 135, "UCS-2", 135, 3),
            ("See you 🙂", "UCS-2", 10, 1),
            ("", "GSM-7", 0, 0),
        ],
    )
    def test_segments_follow_the_alphabet_the_text_needs(
        self, text: str, encoding: str, characters: int, segments: int
    ) -> None:
        size = sms_size(text)
        assert (size.encoding, size.characters, size.segments) == (encoding, characters, segments)

"""Admins manage form (.docx) and notification templates over REST; staff read and preview them."""

from __future__ import annotations

import io
from collections.abc import Iterator

import docx
import httpx
import pytest
from sqlalchemy import create_engine, text

from testkit.api_client import api_client, if_match
from testkit.live import LiveServer, live_server

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("templates") / "data") as running:
        yield running


@pytest.fixture(scope="module")
def anonymous(server: LiveServer) -> Iterator[httpx.Client]:
    with api_client(server, None) as client:
        yield client


def word_file(*paragraphs: str) -> bytes:
    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def paragraphs_of(response: httpx.Response) -> list[str]:
    assert response.headers["content-type"] == DOCX
    return [p.text for p in docx.Document(io.BytesIO(response.content)).paragraphs]


def upload(
    client: httpx.Client, template_id: str, content: bytes, name: str = "Consent form"
) -> httpx.Response:
    return client.post(
        "/document-templates",
        data={"id": template_id, "name": name},
        files={"file": (f"{template_id}.docx", content, DOCX)},
    )


CONSENT = word_file(
    "Consent of {{ client.name }}, born {{ client.date_of_birth }}",
    "{{ service.name }} with {{ provider.name }} on {{ booking.start }}",
)


class TestDocumentTemplates:
    def test_an_admin_uploads_reads_previews_and_downloads_a_template(
        self, admin: httpx.Client
    ) -> None:
        created = upload(admin, "consent", CONSENT)
        assert created.status_code == 201, created.text
        assert created.headers["ETag"] == '"1"'
        assert created.json() == {
            "id": "consent",
            "name": "Consent form",
            "archived": False,
            "version": 1,
            "size_bytes": len(CONSENT),
            "placeholders": [
                "booking.start",
                "client.date_of_birth",
                "client.name",
                "provider.name",
                "service.name",
            ],
        }
        read = admin.get("/document-templates/consent")
        assert (read.json(), read.headers["ETag"]) == (created.json(), '"1"')
        downloaded = admin.get("/document-templates/consent/content")
        assert downloaded.content == CONSENT
        assert 'filename="consent.docx"' in downloaded.headers["content-disposition"]
        assert paragraphs_of(admin.get("/document-templates/consent/preview")) == [
            "Consent of Alex Sample, born 1990-04-12",
            "Dermatology consultation with Dr. Anna Weber on Tue 3 Mar 2026, 14:30",
        ]

    def test_an_unknown_placeholder_is_refused_by_name(self, admin: httpx.Client) -> None:
        refused = upload(admin, "shoes", word_file("{{ client.name }}: {{ client.shoe_size }}"))
        assert refused.status_code == 422
        assert refused.json()["field"] == "file"
        assert refused.json()["detail"].startswith(
            "The template names fields a form does not have: client.shoe_size. A form may use: "
        )
        assert admin.get("/document-templates/shoes").status_code == 404

    @pytest.mark.parametrize(
        ("content", "reason"),
        [
            (b"%PDF-1.7", "The file is not a Word document (.docx)."),
            (
                word_file("Born {{ client.date_of_birth"),
                'Template syntax error in the body in the paragraph "Born {{ '
                "client.date_of_birth\": unexpected '/' (is a closing }} or %} missing?)",
            ),
            (
                word_file("{{ client.name.__class__ }}"),
                "The template could not be filled with sample data: it reads '__class__', "
                "which a form may not read (names starting with _).",
            ),
        ],
    )
    def test_a_broken_upload_gets_a_readable_reason(
        self, admin: httpx.Client, content: bytes, reason: str
    ) -> None:
        refused = upload(admin, "broken", content)
        assert (refused.status_code, refused.json()["detail"]) == (422, reason)

    def test_an_unsaved_file_can_be_tried_before_uploading(self, admin: httpx.Client) -> None:
        tried = admin.post(
            "/document-templates/preview",
            files={"file": ("try.docx", word_file("Dear {{ client.name }}"), DOCX)},
        )
        assert tried.status_code == 200, tried.text
        assert paragraphs_of(tried) == ["Dear Alex Sample"]
        assert admin.get("/document-templates/try").status_code == 404

    @pytest.mark.parametrize(
        ("form", "field"),
        [({"id": "Not A Slug", "name": "x"}, "id"), ({"id": "ok-id", "name": ""}, "name")],
    )
    def test_bad_form_fields_are_refused_field_by_field(
        self, admin: httpx.Client, form: dict[str, str], field: str
    ) -> None:
        refused = admin.post(
            "/document-templates", data=form, files={"file": ("x.docx", CONSENT, DOCX)}
        )
        assert refused.status_code == 422
        assert [e["loc"] for e in refused.json()["detail"]] == [["body", field]]
        missing = admin.post("/document-templates", data={"id": "no-file", "name": "No file"})
        assert [e["loc"] for e in missing.json()["detail"]] == [["body", "file"]]

    def test_renaming_replacing_and_archiving_follow_the_version_read(
        self, admin: httpx.Client
    ) -> None:
        created = upload(admin, "versioned", CONSENT)
        renamed = admin.patch(
            "/document-templates/versioned",
            json={"name": "Consent, 2026"},
            headers=if_match(created),
        )
        assert (renamed.json()["name"], renamed.headers["ETag"]) == ("Consent, 2026", '"2"')

        replaced = admin.put(
            "/document-templates/versioned/content",
            files={"file": ("v2.docx", word_file("Second edition: {{ client.name }}"), DOCX)},
            headers=if_match(renamed),
        )
        assert replaced.status_code == 200, replaced.text
        assert (replaced.json()["placeholders"], replaced.json()["version"]) == (["client.name"], 3)

        archived = admin.delete("/document-templates/versioned", headers=if_match(replaced))
        assert archived.json()["archived"] is True
        listed = admin.get("/document-templates", params={"q": "Consent, 2026"}).json()
        assert listed["items"] == []
        listed = admin.get(
            "/document-templates", params={"q": "Consent, 2026", "archived": "true"}
        ).json()
        assert [t["id"] for t in listed["items"]] == ["versioned"]
        restored = admin.patch(
            "/document-templates/versioned", json={"archived": False}, headers=if_match(archived)
        )
        assert restored.json()["archived"] is False

    def test_new_content_must_fit_every_service_using_the_template(
        self, admin: httpx.Client
    ) -> None:
        read = admin.get("/document-templates/physio-consent")
        refused = admin.put(
            "/document-templates/physio-consent/content",
            files={
                "file": ("new.docx", word_file("{{ client.name }}: {{ client.employer }}"), DOCX)
            },
            headers=if_match(read),
        )
        assert (refused.status_code, refused.json()["field"]) == (422, "file")
        assert refused.json()["detail"].startswith(
            "The template 'physio-consent' is a form of the service '"
        )
        assert "whose bookings do not have: client.employer." in refused.json()["detail"]
        assert admin.get("/document-templates/physio-consent").json() == read.json()

    def test_a_stale_or_missing_if_match_changes_nothing(self, admin: httpx.Client) -> None:
        read = upload(admin, "contested", CONSENT)
        admin.patch("/document-templates/contested", json={"name": "First"}, headers=if_match(read))
        late = admin.put(
            "/document-templates/contested/content",
            files={"file": ("late.docx", word_file("Late"), DOCX)},
            headers=if_match(read),
        )
        assert (late.status_code, late.json()["code"]) == (412, "stale_version")
        blind = admin.patch("/document-templates/contested", json={"name": "Blind"})
        assert blind.status_code == 428
        assert admin.get("/document-templates/contested/content").content == CONSENT
        assert admin.get("/document-templates/contested").json()["name"] == "First"

    def test_the_demo_templates_are_listed_and_read_with_their_fields(
        self, admin: httpx.Client
    ) -> None:
        page = admin.get("/document-templates", params={"q": "intake", "limit": 1}).json()
        assert (page["total"], page["limit"]) == (1, 1)
        [listed] = page["items"]
        read = admin.get("/document-templates/medical-intake").json()
        assert listed == {key: value for key, value in read.items() if key != "placeholders"}
        assert {"client.name", "client.insurance_number", "booking.start"} <= set(
            read["placeholders"]
        )
        preview = admin.get("/document-templates/medical-intake/preview")
        assert "Health insurance number: A123456789" in paragraphs_of(preview)

    def test_providers_read_and_preview_but_only_admins_change_templates(
        self, admin: httpx.Client, provider: httpx.Client, anonymous: httpx.Client
    ) -> None:
        assert provider.get("/document-templates").status_code == 200
        assert provider.get("/document-templates/medical-intake/preview").status_code == 200
        tried = provider.post(
            "/document-templates/preview", files={"file": ("mine.docx", CONSENT, DOCX)}
        )
        assert tried.status_code == 403
        refused = upload(provider, "mine", CONSENT)
        assert (refused.status_code, refused.json()["detail"]) == (
            403,
            "Only an admin may do that.",
        )
        tag = if_match(admin.get("/document-templates/medical-intake"))
        assert provider.delete("/document-templates/medical-intake", headers=tag).status_code == 403
        assert anonymous.get("/document-templates").status_code == 401
        assert anonymous.get("/document-templates/medical-intake/content").status_code == 401
        assert admin.get("/document-templates/mine").status_code == 404


class TestNotificationTemplates:
    def test_every_event_and_channel_is_listed_built_in(self, admin: httpx.Client) -> None:
        page = admin.get("/notification-templates", params={"limit": 100}).json()
        assert page["total"] == 15
        reminders = admin.get(
            "/notification-templates", params={"event": "booking.reminder"}
        ).json()
        assert [(t["channel"], t["customised"]) for t in reminders["items"]] == [
            ("email", False),
            ("sms", False),
            ("telegram", False),
        ]
        email = admin.get("/notification-templates/booking.reminder/email")
        assert email.headers["ETag"] == '"0"'
        assert "hours_before" in [v["name"] for v in email.json()["variables"]]

    def test_an_admin_saves_previews_and_resets_a_template(self, admin: httpx.Client) -> None:
        url = "/notification-templates/booking.confirmed/sms"
        built_in = admin.get(url)
        saved = admin.put(
            url,
            json={"body": "{{ client_name }}, see you {{ start }}. Ref {{ reference }}"},
            headers=if_match(built_in),
        )
        assert saved.status_code == 200, saved.text
        assert (saved.json()["customised"], saved.headers["ETag"]) == (True, '"1"')

        preview = admin.post(f"{url}/preview").json()
        assert preview == {
            "subject": "",
            "body": "Ana Silva, see you Tue 3 Mar 2026, 14:30. Ref 7F3A9C21",
            "sms": {"encoding": "GSM-7", "characters": 54, "segments": 1},
        }

        reset = admin.delete(url, headers=if_match(saved))
        assert (reset.json()["customised"], reset.headers["ETag"]) == (False, '"2"')
        assert reset.json()["body"] == built_in.json()["body"]
        stale = admin.put(url, json={"body": "Old tag"}, headers=if_match(saved))
        assert stale.status_code == 412

    def test_an_unsaved_draft_is_previewed_with_its_sms_cost(self, admin: httpx.Client) -> None:
        drafted = admin.post(
            "/notification-templates/booking.cancelled/sms/preview",
            json={"body": "Отменено: {{ service }}, {{ start }}. " * 3},
        )
        assert drafted.status_code == 200, drafted.text
        # Three times 59 characters, less the trailing space: over 134, so three 67-unit parts.
        assert drafted.json()["sms"] == {"encoding": "UCS-2", "characters": 176, "segments": 3}
        email = admin.post(
            "/notification-templates/booking.cancelled/email/preview",
            json={"subject": "Cancelled: {{ service }}"},
        ).json()
        assert (email["subject"], email["sms"]) == ("Cancelled: Dermatology consultation", None)
        current = admin.get("/notification-templates/booking.cancelled/sms").json()
        assert current["customised"] is False

    def test_a_template_with_problems_is_refused_with_every_reason(
        self, admin: httpx.Client
    ) -> None:
        url = "/notification-templates/documents.requested/email"
        refused = admin.put(
            url,
            json={"subject": "", "body": "{{ shoe_size }}"},
            headers=if_match(admin.get(url)),
        )
        assert refused.status_code == 422
        assert refused.json()["field"] == "subject"
        assert refused.json()["detail"].startswith(
            "subject: an email needs a subject.; body: unknown variables shoe_size; "
            "documents.requested offers client_name, documents, "
        )
        broken = admin.post(f"{url}/preview", json={"body": "{% for d in documents %}"})
        assert broken.status_code == 422
        assert broken.json()["detail"].startswith("body: line 1: Unexpected end of template.")
        assert admin.get(url).json()["customised"] is False
        assert admin.put(url, json={"body": ""}, headers={"If-Match": '"0"'}).status_code == 422

    def test_unknown_events_and_channels_are_not_found(self, admin: httpx.Client) -> None:
        missing = admin.get("/notification-templates/booking.lost/sms")
        assert missing.status_code == 404
        assert missing.json()["detail"].startswith("No notification event 'booking.lost'")
        assert admin.get("/notification-templates/booking.confirmed/fax").status_code == 404
        assert admin.get("/notification-templates", params={"channel": "fax"}).status_code == 422

    def test_a_save_without_if_match_is_refused(self, admin: httpx.Client) -> None:
        blind = admin.put("/notification-templates/booking.changed/telegram", json={"body": "Hi"})
        assert blind.status_code == 428

    def test_providers_read_and_preview_but_only_admins_change_wording(
        self, admin: httpx.Client, provider: httpx.Client, anonymous: httpx.Client
    ) -> None:
        url = "/notification-templates/booking.reminder/telegram"
        assert provider.get(url).status_code == 200
        assert provider.post(f"{url}/preview").status_code == 200
        refused = provider.put(url, json={"body": "Mine"}, headers={"If-Match": '"0"'})
        assert refused.status_code == 403
        assert provider.post(f"{url}/preview", json={"body": "Mine"}).status_code == 403
        assert anonymous.get("/notification-templates").status_code == 401
        assert anonymous.post(f"{url}/preview").status_code == 401
        assert admin.get(url).json()["customised"] is False


def test_every_template_change_is_in_the_audit_log(server: LiveServer, admin: httpx.Client) -> None:
    upload(admin, "audited", CONSENT)
    url = "/notification-templates/booking.changed/email"
    admin.put(
        url,
        json={"subject": "Moved", "body": "<p>{{ start }}</p>"},
        headers=if_match(admin.get(url)),
    )
    engine = create_engine(f"sqlite:///{server.log_path.parent / 'frontdesk.db'}")
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT action, actor_kind FROM audit_events "
                "WHERE subject_id IN ('audited', 'booking.changed/email') ORDER BY id"
            )
        ).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [
        ("document_template.created", "staff"),
        ("notification_template.updated", "staff"),
    ]

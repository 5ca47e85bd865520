"""Documents at rest: sealed with AES-GCM to their own row, under a key that is checked; only
files that are what they claim to be by content get that far."""

from __future__ import annotations

import base64
import io
import stat
import zipfile
from pathlib import Path

import pytest

from api.bootstrap import bootstrap
from api.settings import Settings
from domain.documents.filetypes import DOCX, HEIC, JPEG, PDF, PNG, WEBP, safe_filename, sniff
from domain.documents.sealing import DocumentKey, DocumentUnreadable, seal, unseal
from tests.support.sample_files import PLAIN_TEXT, WINDOWS_PROGRAM, one_page_pdf

KEY = DocumentKey(bytes(range(32)))
OTHER_KEY = DocumentKey(bytes(range(1, 33)))
SCAN = one_page_pdf("Insurance card of Greta Upload")


def sealed_scan() -> bytes:
    return seal(KEY, SCAN, document_id="doc-1", client_id="client-1")


class TestSealing:
    def test_what_is_sealed_opens_again_unchanged_and_never_shows_the_plaintext(self) -> None:
        sealed = sealed_scan()
        assert b"Greta Upload" not in sealed
        assert len(sealed) == 12 + len(SCAN) + 16
        assert unseal(KEY, sealed, document_id="doc-1", client_id="client-1") == SCAN

    def test_the_same_file_sealed_twice_looks_different(self) -> None:
        assert sealed_scan() != sealed_scan()  # a fresh nonce each time

    def test_a_changed_byte_is_refused(self) -> None:
        sealed = bytearray(sealed_scan())
        sealed[40] ^= 0x01
        with pytest.raises(DocumentUnreadable):
            unseal(KEY, bytes(sealed), document_id="doc-1", client_id="client-1")

    @pytest.mark.parametrize(
        ("document_id", "client_id"), [("doc-2", "client-1"), ("doc-1", "client-2")]
    )
    def test_a_ciphertext_moved_to_another_row_or_client_is_refused(
        self, document_id: str, client_id: str
    ) -> None:
        with pytest.raises(DocumentUnreadable):
            unseal(KEY, sealed_scan(), document_id=document_id, client_id=client_id)

    def test_another_key_is_refused(self) -> None:
        with pytest.raises(DocumentUnreadable):
            unseal(OTHER_KEY, sealed_scan(), document_id="doc-1", client_id="client-1")

    def test_a_truncated_ciphertext_is_refused(self) -> None:
        with pytest.raises(DocumentUnreadable):
            unseal(KEY, sealed_scan()[:10], document_id="doc-1", client_id="client-1")


class TestTheKey:
    def test_a_key_must_be_32_bytes_and_never_shows_in_a_repr(self) -> None:
        with pytest.raises(ValueError, match="32 bytes"):
            DocumentKey(b"short")
        assert bytes(range(32)).hex() not in repr(KEY)
        assert str(bytes(range(32))) not in repr(KEY)

    def test_a_configured_key_is_read_from_base64(self) -> None:
        encoded = base64.b64encode(bytes(range(32))).decode()
        settings = Settings.from_env({"FRONTDESK_DOCUMENT_KEY": encoded})
        assert settings.document_key == bytes(range(32))
        assert encoded not in repr(settings)

    @pytest.mark.parametrize(
        ("value", "problem"),
        [(base64.b64encode(b"sixteen byte key").decode(), "32 bytes"), ("no!base64?", "base64")],
    )
    def test_a_wrong_configured_key_stops_the_start_with_a_reason(
        self, value: str, problem: str
    ) -> None:
        with pytest.raises(ValueError, match=problem) as refused:
            Settings.from_env({"FRONTDESK_DOCUMENT_KEY": value})
        assert "FRONTDESK_DOCUMENT_KEY" in str(refused.value)

    def test_without_one_a_key_is_made_once_kept_private_and_reused(self, tmp_path: Path) -> None:
        env = {"FRONTDESK_DATA_DIR": str(tmp_path)}
        first = bootstrap(Settings.from_env(env), migrate=False)
        key = first.document_key
        kept = tmp_path / "document.key"
        assert stat.S_IMODE(kept.stat().st_mode) == 0o600
        assert bootstrap(Settings.from_env(env), migrate=False).document_key == key
        first.close()

    def test_a_damaged_key_file_is_refused_by_name(self, tmp_path: Path) -> None:
        (tmp_path / "document.key").write_text("c2hvcnQ=")
        with pytest.raises(ValueError, match=r"document\.key"):
            bootstrap(Settings.from_env({"FRONTDESK_DATA_DIR": str(tmp_path)}), migrate=False)


def word_document() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.exe", "MZ")
    return buffer.getvalue()


class TestTellingFilesByContent:
    @pytest.mark.parametrize(
        ("content", "expected"),
        [
            (SCAN, PDF),
            (b"\x89PNG\r\n\x1a\n" + bytes(32), PNG),
            (b"\xff\xd8\xff\xe0" + bytes(32), JPEG),
            (b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(32), WEBP),
            (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", HEIC),
            (word_document(), DOCX),
        ],
        ids=["pdf", "png", "jpeg", "webp", "heic", "docx"],
    )
    def test_accepted_kinds_are_known_by_their_first_bytes(
        self, content: bytes, expected: object
    ) -> None:
        assert sniff(content) == expected

    @pytest.mark.parametrize(
        "content",
        [PLAIN_TEXT, WINDOWS_PROGRAM, plain_zip(), b"PK\x03\x04 not a zip", b"<html><script>"],
        ids=["text", "program", "zip", "broken-zip", "html"],
    )
    def test_anything_else_is_unknown(self, content: bytes) -> None:
        assert sniff(content) is None

    @pytest.mark.parametrize(
        ("sent_as", "kept_as"),
        [
            ("Scan of my card.pdf", "Scan of my card.pdf"),
            ("../../etc/passwd", "passwd.pdf"),
            ('C:\\Users\\me\\"card"\r\n.PDF', "card.pdf"),
            ("photo.jpg", "photo.jpg.pdf"),
            ("", "insurance_card.pdf"),
        ],
    )
    def test_the_kept_name_has_no_path_no_control_characters_and_the_right_ending(
        self, sent_as: str, kept_as: str
    ) -> None:
        assert safe_filename(sent_as, PDF, fallback="insurance_card") == kept_as

"""Text no database stores, found in JSON as it arrives and in strings once decoded."""

from __future__ import annotations

import json

import pytest

from api.nul_guard import has_unstorable_escape
from channels.storable_text import all_storable, storable, storable_json


class TestEscapesInJsonBodies:
    @pytest.mark.parametrize(
        "body",
        [
            r'{"name": "nul \u0000"}',
            r'{"name": "half \ud83d"}',
            r'{"name": "half \uD83D of it"}',
            r'{"name": "low half \ude00 alone"}',
            r'{"name": "reversed \ude00\ud83d"}',
            r'{"name": "two highs \ud83d\ud83d\ude00"}',
            r'{"name": "after a backslash \\\ud83d"}',
            r'{"\ud83d": "in a key"}',
        ],
    )
    def test_a_nul_or_a_lone_surrogate_is_found(self, body: str) -> None:
        assert has_unstorable_escape(body.encode())

    @pytest.mark.parametrize(
        "body",
        [
            r'{"name": "plain"}',
            r'{"name": "a pair \ud83d\ude00"}',
            r'{"name": "upper pair \uD83D\uDE00"}',
            r'{"name": "escaped backslash then text \\ud83d"}',
            r'{"name": "escaped backslash then text \\u0000"}',
            r'{"name": "other escapes \u00e9\n\t\""}',
            json.dumps({"name": "Ana Lima 😀"}),
        ],
    )
    def test_whole_pairs_and_escaped_backslashes_are_fine(self, body: str) -> None:
        assert not has_unstorable_escape(body.encode())

    def test_what_is_found_is_what_python_cannot_encode(self) -> None:
        for body in (r'"\ud83d"', r'"\\ud83d"', r'"\ud83d\ude00"', r'"\\\ude00"'):
            decoded = json.loads(body)
            assert has_unstorable_escape(body.encode()) == (not all_storable(decoded))


class TestDecodedText:
    def test_a_nul_and_lone_surrogates_become_replacement_characters(self) -> None:
        assert storable("a\x00b\ud83dc\ude00") == "a\ufffdb\ufffdc\ufffd"
        assert storable("whole 😀 stays") == "whole 😀 stays"

    def test_every_string_of_decoded_json_is_cleaned_keys_too(self) -> None:
        decoded = json.loads(r'{"a\ud83d": ["x\u0000", {"b": "\ude00"}], "n": 1, "t": true}')
        cleaned = storable_json(decoded)
        assert cleaned == {"a\ufffd": ["x\ufffd", {"b": "\ufffd"}], "n": 1, "t": True}
        json.dumps(cleaned, ensure_ascii=False).encode()  # encodes now
        assert not all_storable(decoded)
        assert all_storable(cleaned)

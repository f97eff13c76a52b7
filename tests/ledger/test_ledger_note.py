"""Signed notes, our SM2 signature type, key strings and key files."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest

from jianzheng.ledger.errors import KeyFileError, NoteFormatError, NoteVerificationError
from jianzheng.ledger.keys import (
    generate_signer,
    load_signer_key,
    parse_signer_key,
    parse_verifier_key,
    save_signer_key,
    signer_key,
    verifier_key,
)
from jianzheng.ledger.note import (
    add_signatures,
    check_note,
    open_note,
    parse_note,
    sign_note,
)
from jianzheng.ledger.signers import SIG_SM2_SM3, Ed25519Signer, SM2Signer, Verifier, key_id

TEXT = "jianzheng.example/ledger\n42\n" + base64.b64encode(b"r" * 32).decode() + "\n"


def test_spec_example_key_id_formula() -> None:
    signer = Ed25519Signer("PeterNeumann")
    import hashlib

    expected = hashlib.sha256(b"PeterNeumann\n\x01" + signer.public_key).digest()[:4]
    assert signer.key_id == expected == key_id("PeterNeumann", b"\x01", signer.public_key)


def test_round_trip_with_ed25519_and_sm2(ed25519_signer: Ed25519Signer, sm2_signer: SM2Signer) -> None:
    data = sign_note(TEXT, [ed25519_signer, sm2_signer])
    assert data.startswith(TEXT.encode() + b"\n\xe2\x80\x94 ")  # blank line, then em dash
    note = parse_note(data)
    assert note.text == TEXT and len(note.signatures) == 2
    assert note.to_bytes() == data
    report = open_note(data, [ed25519_signer.verifier(), sm2_signer.verifier()])
    assert report.verified_names() == [ed25519_signer.name, sm2_signer.name]
    assert report.unknown == () and report.failed == ()


def test_sm2_type_is_0xff_with_the_sm2_sm3_oid(sm2_signer: SM2Signer) -> None:
    assert bytes.fromhex("ff06082a811ccf55018375") == SIG_SM2_SM3
    vkey = verifier_key(sm2_signer)
    raw = base64.b64decode(vkey.split("+", 2)[2])
    assert raw[: len(SIG_SM2_SM3)] == SIG_SM2_SM3 and len(raw) == len(SIG_SM2_SM3) + 65
    data = sign_note(TEXT, [sm2_signer])
    assert len(parse_note(data).signatures[0].signature) == 64


def test_unknown_keys_are_reported_and_ignored(ed25519_signer: Ed25519Signer, sm2_signer: SM2Signer) -> None:
    stranger = Ed25519Signer("stranger.example")
    # Same name as a trusted key but a different key: unknown, not failed.
    impostor = Ed25519Signer(ed25519_signer.name)
    data = sign_note(TEXT, [stranger, impostor, ed25519_signer, sm2_signer])
    report = open_note(data, [ed25519_signer.verifier()])
    assert report.verified_names() == [ed25519_signer.name]
    assert {s.name for s in report.unknown} == {
        "stranger.example",
        ed25519_signer.name,
        sm2_signer.name,
    }
    with pytest.raises(NoteVerificationError) as info:
        open_note(sign_note(TEXT, [stranger]), [ed25519_signer.verifier()])
    assert "stranger.example" in str(info.value)


def test_altered_text_or_signature_fails(ed25519_signer: Ed25519Signer, sm2_signer: SM2Signer) -> None:
    data = sign_note(TEXT, [ed25519_signer, sm2_signer]).decode()
    verifiers: list[Verifier] = [ed25519_signer.verifier(), sm2_signer.verifier()]
    tampered = data.replace("\n42\n", "\n43\n")
    report = check_note(tampered, verifiers)
    assert report.verified == () and len(report.failed) == 2
    with pytest.raises(NoteVerificationError, match="does not verify"):
        open_note(tampered, verifiers)
    note = parse_note(data)
    sig = note.signatures[1]
    bad = bytearray(sig.signature)
    bad[5] ^= 1
    forged = data.replace(sig.line(), type(sig)(sig.name, sig.key_id, bytes(bad)).line())
    assert check_note(forged, verifiers).failed[0].name == sm2_signer.name


@pytest.mark.parametrize(
    ("note", "needle"),
    [
        (b"\xff\xfe\n\n", "UTF-8"),
        ("text\n\n\u2014 name AAAAAAAA", "newline"),
        ("text\n\u2014 name AAAAAAAA\n", "blank line"),
        ("text\n\n", "no signature"),
        ("text\n\n- name AAAAAAAAAA==\n", "does not start"),
        ("text\n\n\u2014 name\n", "name signature"),
        ("text\n\n\u2014 na me AAAAAAAA\n", "name signature"),
        ("text\n\n\u2014 a+b AAAAAAAAAA==\n", "invalid key name"),
        ("text\n\n\u2014 name !!!!\n", "base64"),
        ("text\n\n\u2014 name AAAA\n", "too short"),
        ("te\x07xt\n\n\u2014 name AAAAAAAAAA==\n", "control character"),
        ("text\n\n\u2014 name AAAAAAAAAA==\n\n", "no signature"),
        ("text\n\n" + "\u2014 name AAAAAAAAAA==\n" * 101, "more than 100"),
    ],
)
def test_malformed_notes_are_refused(note: bytes | str, needle: str) -> None:
    with pytest.raises(NoteFormatError) as info:
        parse_note(note)
    assert needle in info.value.en


def test_text_may_contain_blank_lines_split_at_last(ed25519_signer: Ed25519Signer) -> None:
    text = "line one\n\nline three\n"
    data = sign_note(text, [ed25519_signer])
    assert open_note(data, [ed25519_signer.verifier()]).text == text


def test_add_signatures_keeps_existing_and_skips_duplicates(
    ed25519_signer: Ed25519Signer, sm2_signer: SM2Signer
) -> None:
    data = sign_note(TEXT, [ed25519_signer])
    more = add_signatures(data, [sm2_signer, ed25519_signer])
    assert [s.name for s in parse_note(more).signatures] == [ed25519_signer.name] * 2
    assert len(parse_note(more).signatures) == 2
    assert len(open_note(more, [ed25519_signer.verifier(), sm2_signer.verifier()]).verified) == 2


@pytest.mark.parametrize("algorithm", ["ed25519", "sm2", "cosignature"])
def test_key_strings_round_trip(algorithm: str) -> None:
    signer = generate_signer("keys.example/k1", algorithm)
    skey = signer_key(signer)
    assert skey.startswith("PRIVATE+KEY+keys.example/k1+" + signer.key_id.hex() + "+")
    again = parse_signer_key(skey)
    assert again.public_key == signer.public_key and again.key_id == signer.key_id
    verifier = parse_verifier_key(verifier_key(signer))
    assert verifier.key_id == signer.key_id and verifier.public_key == signer.public_key
    message = TEXT.encode()
    assert verifier.verify(message, again.sign(message))


@pytest.mark.parametrize(
    "text",
    [
        "name+deadbeef",
        "name+xyz+AQ==",
        "na me+00000000+AQ==",
        "name+00000000+!!",
        "name+00000000+" + base64.b64encode(b"\x09" + b"k" * 32).decode(),
    ],
)
def test_malformed_verifier_keys_are_refused(text: str) -> None:
    with pytest.raises(NoteFormatError):
        parse_verifier_key(text)


def test_verifier_key_with_wrong_key_id_is_refused(ed25519_signer: Ed25519Signer) -> None:
    name, _, encoded = verifier_key(ed25519_signer).split("+", 2)
    with pytest.raises(NoteFormatError, match="key ID does not match"):
        parse_verifier_key(f"{name}+00000000+{encoded}")


def test_key_files_are_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "platform.key"
    signer = generate_signer("platform.example", "sm2")
    save_signer_key(path, signer)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert load_signer_key(path).key_id == signer.key_id
    with pytest.raises(KeyFileError, match="refusing to overwrite"):
        save_signer_key(path, generate_signer("platform.example", "sm2"))
    os.chmod(path, 0o644)
    with pytest.raises(KeyFileError, match="too open"):
        load_signer_key(path)
    with pytest.raises(KeyFileError, match="not found"):
        load_signer_key(tmp_path / "absent.key")

"""The fast IRI check agrees with the RFC 3987 grammar, and invalid BOMs are refused."""

from __future__ import annotations

import pytest
from rfc3987_syntax import is_valid_syntax  # type: ignore[import-untyped]

from chainproof.errors import InputError
from chainproof.formats.cyclonedx.schema import is_iri_reference, validate_json

CORPUS = [
    "https://example.invalid/a/b?c=d#e",
    "file:///opt/x.whl",
    "foo.whl",
    "pkg:pypi/a@1",
    "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
    "http://[2001:db8:0:0:0:0:0:1]:80/",
    "http://[v1.x]/",
    "a%20b",
    "http://example.invalid/%C3%A9",
    "http://exé.invalid/é?q=ü",
    "mailto:a@b",
    "#frag",
    "",
    "//host/p",
    "a:b",
    "x.whl#x-1.dist-info/sboms/a.json",
    "http://u:p@h:8080/p;x?y#z",
    "http://[::g]/",
    "a b",
    "http://x/%zz",
    "http://x/<",
    "\\x",
    "1a:b c",
    "http://x/`",
    "http://x/{y}",
    "http://[1.2.3.4]/",
    "ht tp://x",
    ":nope",
    "http://x/\u00a0",
    "a:b:c",
    "http://x/\ue000",
    "http://x/?\ue000",
    "//[::1",
    "http://x/%",
    "http://x:abc/",
]


@pytest.mark.parametrize("value", CORPUS)
def test_fast_iri_reference_matches_rfc3987_grammar(value: str) -> None:
    assert is_iri_reference(value) == is_valid_syntax("iri_reference", value)


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("http://[::1]/", True),
        ("http://[2001:db8::1]:8080/x", True),
        ("http://[::ffff:1.2.3.4]/", True),
        ("http://[::1::2]/", False),
        ("http://[12345::]/", False),
        ("http://[fe80::1%25eth0]/", False),
    ],
)
def test_compressed_ipv6_literals(value: str, valid: bool) -> None:
    # rfc3987-syntax rejects every compressed IPv6 literal ("::"), which RFC 3986 section 3.2.2
    # allows; the fast check follows the RFC (literals are parsed by ipaddress).
    assert is_iri_reference(value) is valid


def test_invalid_bom_is_refused_with_its_path() -> None:
    document = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "components": [{"type": "library", "name": "x", "unknown": 1}],
    }
    with pytest.raises(InputError, match="components/0"):
        validate_json(document, "1.6")
    bad_iri = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "externalReferences": [{"type": "website", "url": "http://x/<bad>"}],
    }
    with pytest.raises(InputError, match="externalReferences/0/url"):
        validate_json(bad_iri, "1.6")

from __future__ import annotations

import pytest

from chainproof.sbom.metadata import PackageMetadata, classifier_license, resolve_license


def meta(**fields: object) -> PackageMetadata:
    return PackageMetadata.from_json({"name": "x", "version": "1", **fields})


def test_license_expression_wins_and_is_canonical() -> None:
    found = meta(
        license_expression="mit or apache-2.0",
        classifier=["License :: OSI Approved :: BSD License"],
    )
    assert resolve_license(found) == ("MIT OR Apache-2.0", ())


def test_classifiers_then_text() -> None:
    assert resolve_license(
        meta(
            classifier=[
                "License :: OSI Approved :: MIT License",
                "License :: OSI Approved :: Apache Software License",
            ]
        )
    ) == ("Apache-2.0 AND MIT", ())
    assert resolve_license(meta(license="BSD-3-Clause")) == ("BSD-3-Clause", ())
    assert resolve_license(meta(license="Copyright ACME\nAll rights reserved")) == (
        None,
        ("Copyright ACME",),
    )
    assert resolve_license(meta(license="UNKNOWN")) == (None, ())


def test_invalid_expression_is_kept_as_a_name() -> None:
    assert resolve_license(meta(license_expression="Not An SPDX Thing")) == (
        None,
        ("Not An SPDX Thing",),
    )


def test_unknown_classifier_maps_to_nothing() -> None:
    assert classifier_license(["License :: Other/Proprietary License"]) is None


def test_from_email_collects_multiple_values() -> None:
    found = PackageMetadata.from_email(
        "Name: x\nVersion: 1\nRequires-Dist: a\nRequires-Dist: b; extra == 'z'\nProvides-Extra: z\n"
    )
    assert found.requires_dist == ("a", "b; extra == 'z'")
    assert found.provides_extra == ("z",)


def test_from_email_reads_the_fields_chainproof_uses() -> None:
    found = PackageMetadata.from_email(
        b"Metadata-Version: 2.4\nName: demo\nVersion: 1.0\nLicense-Expression: MIT\n"
        b"Classifier: License :: OSI Approved :: MIT License\nclassifier: Typing :: Typed\n"
        b"Project-URL: Home, https://example.invalid\nUnknown-Field: ignored\n\nLong text\n"
    )
    assert found == PackageMetadata(
        "demo",
        "1.0",
        license_expression="MIT",
        classifiers=("License :: OSI Approved :: MIT License", "Typing :: Typed"),
    )


def test_a_repeated_single_field_keeps_the_first() -> None:
    found = PackageMetadata.from_email(
        "Name: first\nName: second\nVersion: 1\nVersion: 2\n"
        "License-Expression: MIT\nLicense-Expression: BSD-3-Clause\nLicense: A\nLicense: B\n"
    )
    assert (found.name, found.version) == ("first", "1")
    assert (found.license_expression, found.license) == ("MIT", "A")


@pytest.mark.parametrize(
    ("text", "missing"),
    [
        ("Metadata-Version: 2.1\nVersion: 1\n", "name"),
        ("Metadata-Version: 2.1\nName: x\n", "version"),
        ("<html><body>Not here</body></html>", "name"),
        ("", "name"),
    ],
)
def test_missing_name_or_version_is_a_key_error(text: str, missing: str) -> None:
    with pytest.raises(KeyError) as raised:
        PackageMetadata.from_email(text)
    assert raised.value.args == (missing,)


def test_empty_values_are_kept_as_empty_or_none() -> None:
    found = PackageMetadata.from_email("Name: \nVersion: 1\nLicense-Expression: \nLicense: \n")
    assert (found.name, found.license_expression, found.license) == ("", None, None)


def test_a_licence_text_on_several_lines() -> None:
    found = PackageMetadata.from_email(
        "Name: x\nVersion: 1\nLicense: Copyright ACME\n        All rights reserved\n"
        "\nThe description, which mentions License: MIT\n"
    )
    assert found.license == "Copyright ACME\n        All rights reserved"
    assert resolve_license(found) == (None, ("Copyright ACME",))


def test_bytes_are_utf8_and_others_latin1() -> None:
    utf8 = PackageMetadata.from_email("Name: x\nVersion: 1\nLicense: © ACME été\n".encode())
    assert utf8.license == "© ACME été"
    assert resolve_license(utf8) == (None, ("© ACME été",))
    latin1 = PackageMetadata.from_email(
        b"Name: x\nVersion: 1\nLicense: \xa9 ACME\nClassifier: Caf\xe9\n"
        b"Classifier: License :: OSI Approved :: MIT License\n"
    )
    assert latin1.license == "© ACME"
    assert latin1.classifiers == ("Café", "License :: OSI Approved :: MIT License")
    assert resolve_license(latin1) == ("MIT", ())

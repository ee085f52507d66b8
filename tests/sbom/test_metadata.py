from __future__ import annotations

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


def test_from_fields_collects_multiple_values() -> None:
    found = PackageMetadata.from_fields(
        [
            ("Name", "x"),
            ("Version", "1"),
            ("Requires-Dist", "a"),
            ("Requires-Dist", "b; extra == 'z'"),
            ("Provides-Extra", "z"),
        ]
    )
    assert found.requires_dist == ("a", "b; extra == 'z'")
    assert found.provides_extra == ("z",)

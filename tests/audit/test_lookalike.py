"""Look-alike names (audit.lookalike) against the bundled list of popular names, the user's
lists (audit.popular) and the typosquats check over a lock's evidence."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from chainproof.audit.checks.base import CheckContext
from chainproof.audit.checks.typosquats import TyposquatsCheck, popular_index
from chainproof.audit.locked import LockedPackage, LockEvidence
from chainproof.audit.lookalike import Lookalike, LookalikeIndex, Thresholds, normalize
from chainproof.audit.popular import BUNDLED, bundled_names, read_names_file, write_names_file
from chainproof.errors import InputError
from chainproof.formats.audit_policy import AuditPolicy


@pytest.fixture(scope="module")
def index() -> LookalikeIndex:
    return LookalikeIndex(bundled_names().names)


@pytest.mark.parametrize(
    ("name", "popular", "kind"),
    [
        ("colourama", "colorama", "edit"),
        ("jeIlyfish", "jellyfish", "homoglyph"),
        ("python3-dateutil", "python-dateutil", "edit"),
        ("urlib3", "urllib3", "edit"),
        ("pyrequests", "requests", "prefix"),
        ("requests-py", "requests", "suffix"),
        ("python-requests", "requests", "prefix"),
        ("py-dateutil", "python-dateutil", "prefix"),
        ("reqeusts", "requests", "transposition"),
        ("charsetnormalizer", "charset-normalizer", "separator"),
        ("dateutil-python", "python-dateutil", "word-order"),
        ("rnock", "mock", "homoglyph"),
        ("nurnpy", "numpy", "homoglyph"),
        ("b0to3", "boto3", "homoglyph"),
        ("Colourama", "colorama", "edit"),  # names compare normalised
        ("urllib_3", "urllib3", "separator"),
    ],
)
def test_famous_lookalikes_name_the_popular_package(
    index: LookalikeIndex, name: str, popular: str, kind: str
) -> None:
    hit = index.match(name)
    assert hit is not None
    assert (hit.popular, hit.kind) == (popular, kind)
    assert hit.name == normalize(name)
    assert hit.rank == bundled_names().names.index(popular) + 1
    assert hit.detail


@pytest.mark.parametrize(
    "name", ["motor", "moto", "requests", "Requests", "python_dateutil", "scapy", "pyaml"]
)
def test_a_popular_name_is_never_flagged(index: LookalikeIndex, name: str) -> None:
    assert name.lower().replace("_", "-") in bundled_names().names
    assert index.match(name) is None


@pytest.mark.parametrize(("name", "popular"), [("scapy", "scipy"), ("pyaml", "pyyaml")])
def test_a_popular_name_like_a_more_popular_one_is_not_flagged(
    index: LookalikeIndex, name: str, popular: str
) -> None:
    hit = index.closest(name)  # had it not been popular, it would have been flagged
    assert hit is not None
    assert hit.popular == popular
    assert index.match(name) is None


def test_two_short_names_one_letter_apart_are_two_projects(index: LookalikeIndex) -> None:
    # leave-one-out: neither motor nor moto resembles the other enough to be a squat of it
    assert index.closest("motor") is None
    assert index.closest("moto") is None
    assert index.closest("urllib3") is None  # as if new: a name resembles others, not itself


@pytest.mark.parametrize(
    "name",
    [
        "mypy-boto3-sts",  # an edit in a short word, ranked below 100: a family of codes
        "pyqt6",  # a version number, not a typo
        "boto4",
        "sixx-extras",  # nothing like any popular name
        "a-package-nobody-has-heard-of",
    ],
)
def test_names_that_are_not_lookalikes(name: str) -> None:
    filler = [f"filler{n:05d}" for n in range(100)]
    index = LookalikeIndex(["pyqt5", "boto3", "six", *filler, "mypy-boto3-sqs"])
    assert index.match(name) is None
    assert index.closest("mypy-boto3-sq") is None


def test_an_edit_counts_only_against_a_name_popular_enough_for_its_length() -> None:
    filler = [f"filler{n:05d}" for n in range(2_000)]
    # "zipp" ranked 1 and 2,001: a short name is guarded only at the very top
    assert LookalikeIndex(["zipp", *filler]).match("zipq") is not None
    assert LookalikeIndex([*filler, "zipp"]).match("zipq") is None
    # a long name is guarded further down the list
    assert LookalikeIndex([*filler, "jellyfish"]).match("jelyfish") is not None
    strict = Thresholds(edit_tiers=((9, 10),))
    assert LookalikeIndex([*filler, "jellyfish"], thresholds=strict).match("jelyfish") is None


@pytest.mark.parametrize(
    ("name", "detail"),
    [
        ("jeIlyfish", "'i' and 'l' look alike"),
        ("rnock", "'rn' and 'm' look alike"),
        ("b0t0", "'0' and 'o' look alike"),
        ("vvhee1", "'vv' and 'w', '1' and 'l' look alike"),
    ],
)
def test_a_homoglyph_says_which_characters_look_alike(name: str, detail: str) -> None:
    hit = LookalikeIndex(["jellyfish", "mock", "boto", "wheel"]).match(name)
    assert hit is not None
    assert (hit.kind, hit.detail) == ("homoglyph", detail)


def test_a_homoglyph_counts_against_any_popular_name() -> None:
    filler = [f"filler{n:05d}" for n in range(14_000)]
    hit = LookalikeIndex([*filler, "jellyfish"]).match("jeIlyfish")
    assert hit is not None
    assert (hit.popular, hit.kind, hit.rank) == ("jellyfish", "homoglyph", 14_001)


def test_the_least_doubtful_likeness_and_the_most_popular_name_win() -> None:
    index = LookalikeIndex(["abcdefgh", "abcdefgl"])
    hit = index.match("abcdefgi")  # an edit of the first, a homoglyph of the second
    assert hit == Lookalike("abcdefgi", "abcdefgl", "homoglyph", 2, "'i' and 'l' look alike")
    assert LookalikeIndex(["abcdefgh", "abcdefgi"]).match("abcdefgj") == Lookalike(
        "abcdefgj", "abcdefgh", "edit", 1, "'h' replaced by 'j'"
    )


def test_the_allowlist_is_respected(index: LookalikeIndex) -> None:
    allowed = LookalikeIndex(bundled_names().names, allow=["colourama", "acme-*"])
    assert allowed.match("colourama") is None
    assert allowed.match("Colourama") is None
    assert allowed.match("acme_requests") is None  # a glob, on the normalised name
    assert allowed.match("urlib3") is not None
    assert index.match("colourama") is not None


def test_extra_names_are_guarded_like_the_most_popular() -> None:
    filler = [f"filler{n:05d}" for n in range(15_000)]
    index = LookalikeIndex(filler, extra=["acme-billing", "acme"])
    hit = index.match("acme-biling")
    assert hit is not None
    assert (hit.popular, hit.rank, hit.kind) == ("acme-billing", 0, "edit")
    assert index.match("acme-billing") is None
    assert index.match("acme-py") == Lookalike(
        "acme-py", "acme", "suffix", 0, "'-py' added at the end"
    )


def test_the_bundled_list_records_its_source_date_licence_and_count() -> None:
    names = bundled_names()
    assert names.origin == "bundled"
    assert names.count == 15_000 == len(set(names.names))
    assert names.names[:3] == ("boto3", "packaging", "urllib3")
    assert "GuardDog 3.2.0" in names.source
    assert names.date == "2026-06-16"
    assert names.licence.startswith("Apache-2.0")
    assert names.to_json()["count"] == 15_000
    assert all(normalize(n) == n for n in names.names)


def test_a_users_list_is_read_in_order_normalised_once_each(tmp_path: Path) -> None:
    path = tmp_path / "names.txt"
    path.write_text(
        "# our packages\n\nAcme_Billing\nacme-ledger  # the books\nacme.billing\n",
        encoding="utf-8",
    )
    names = read_names_file(path)
    assert names.names == ("acme-billing", "acme-ledger")
    assert (names.origin, names.count) == (str(path), 2)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("requests\nnot a name\n", "line 2: 'not a name' is not a package name"),
        ("-leading-dash\n", "line 1"),
        ("# only comments\n\n", "names no package"),
        (b"\xff\xfe\n", "not UTF-8"),
        ('{"rows": [{"project": "requests"}, {"project": "a b"}]}', "entry 2: 'a b'"),
        ('{"rows": [{"download_count": 1}]}', "not a string"),
        ('{"names": []}', "without a list of names"),
        ('{"rows": [', "not valid JSON"),
    ],
)
def test_a_malformed_list_is_an_input_error(tmp_path: Path, text: str | bytes, says: str) -> None:
    path = tmp_path / "names.txt"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=says) as raised:
        read_names_file(path)
    assert raised.value.exit_code == 2
    assert str(path) in raised.value.message


def test_a_download_list_in_json_is_read_with_its_date(tmp_path: Path) -> None:
    hugovk = tmp_path / "top.json"
    hugovk.write_text(
        '{"last_update": "2026-11-01 06:34:06", "rows": ['
        '{"download_count": 9, "project": "Boto3"}, {"download_count": 8, "project": "six"}]}',
        encoding="utf-8",
    )
    names = read_names_file(hugovk)
    assert (names.names, names.date) == (("boto3", "six"), "2026-11-01")
    guarddog = tmp_path / "gd.json"
    guarddog.write_text(
        '{"downloaded_timestamp": 1781626097, "packages": ["boto3"]}', encoding="utf-8"
    )
    assert read_names_file(guarddog).date == "2026-06-16"


def test_a_list_written_reads_back_with_its_header(tmp_path: Path) -> None:
    path = tmp_path / "popular-names.txt"
    write_names_file(bundled_names(), path)
    again = read_names_file(path)
    assert again.names == bundled_names().names
    assert (again.source, again.date, again.licence) == (
        bundled_names().source,
        bundled_names().date,
        bundled_names().licence,
    )
    bundled = resources.files("chainproof.audit").joinpath(BUNDLED).read_text("utf-8")
    assert path.read_text("utf-8") == bundled  # the bundled file is in this form, count too


def test_a_missing_list_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        popular_index(popular_names=tmp_path / "absent.txt")


def test_popular_names_replace_and_extra_names_add(tmp_path: Path) -> None:
    own = tmp_path / "own.txt"
    own.write_text("acme-billing\n", encoding="utf-8")
    replaced, names = popular_index(popular_names=own)
    assert names.origin == str(own)
    assert replaced.match("acme-biling") is not None
    assert replaced.match("colourama") is None  # the bundled list is gone
    added, names = popular_index(extra_popular_names=own)
    assert names.origin == "bundled"
    assert added.match("acme-biling") is not None
    assert added.match("colourama") is not None


def _context(*names: str, project: str | None = None) -> CheckContext:
    packages = tuple(LockedPackage(n, "1.0", where=f"uv.lock: {n}") for n in names)
    evidence = LockEvidence("uv-lock", Path("uv.lock"), packages, project=project)
    return CheckContext(evidence, AuditPolicy(), None)


def test_the_check_names_the_popular_package_each_lookalike_resembles() -> None:
    index, names = popular_index(allow=["jeilyfish"])
    check = TyposquatsCheck(index, names)
    outcome = check.run(
        _context("colourama", "requests", "jeIlyfish", "colourama", "reqeusts", project="reqeusts")
    )
    assert [(f.id, f.component.name) for f in outcome.findings] == [
        ("typosquats.lookalike", "colourama")
    ]
    finding = outcome.findings[0]
    assert finding.check == "typosquats"
    assert finding.rating.level == "high"
    assert dict(finding.evidence)["resembles"] == "colorama"
    assert dict(finding.evidence)["popular names"] == "bundled, 2026-06-16, 15,000 names"
    assert "colorama" in finding.summary
    assert "[audit.typosquats] allow" in finding.remedy
    assert not outcome.unchecked

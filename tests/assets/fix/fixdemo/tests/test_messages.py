import idna
import pytest


def test_a_joiner_between_latin_letters_is_reported():
    # idna 3.7 (the fix of CVE-2024-3651) reports this with another message: the upgrade
    # breaks this test
    with pytest.raises(idna.IDNAError, match="Unknown codepoint adjacent to joiner"):
        idna.encode("a\u200cb")

import git
import idna


def test_idna_encodes_a_name():
    assert idna.encode("example.com") == b"example.com"


def test_gitpython_makes_an_actor():
    assert git.Actor("a", "a@example.invalid").email == "a@example.invalid"

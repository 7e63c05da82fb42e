from app.core import grants
from tests.factories import UserFactory


def test_a_grant_opens_one_record_for_one_user_and_one_purpose():
    alice, bob = UserFactory(), UserFactory()
    token = grants.issue(alice, "join-notebook", 42)
    assert grants.check(token, alice, "join-notebook") == 42
    assert grants.check(token, bob, "join-notebook") is None
    assert grants.check(token, alice, "read-candidacy") is None
    assert grants.check(token[:-2] + "xx", alice, "join-notebook") is None
    assert grants.check("42", alice, "join-notebook") is None


def test_a_grant_expires():
    alice = UserFactory()
    token = grants.issue(alice, "join-notebook", 7)
    assert grants.check(token, alice, "join-notebook", max_age=60) == 7
    # Older than its lifetime (here: any age beyond -1 s), it opens nothing.
    assert grants.check(token, alice, "join-notebook", max_age=-1) is None


def test_a_seal_vouches_for_one_digest_for_one_user_and_one_purpose_for_a_while():
    alice, bob = UserFactory(), UserFactory()
    seal = grants.seal(alice, "ledger-import", "abc123")
    assert grants.vouches(seal, alice, "ledger-import", "abc123")
    assert not grants.vouches(seal, alice, "ledger-import", "abc124")
    assert not grants.vouches(seal, bob, "ledger-import", "abc123")
    assert not grants.vouches(seal, alice, "join-notebook", "abc123")
    assert not grants.vouches(seal[:-2] + "xx", alice, "ledger-import", "abc123")
    assert not grants.vouches("", alice, "ledger-import", "abc123")
    assert not grants.vouches(seal, alice, "ledger-import", "abc123", max_age=-1)
    # A seal opens no record, a grant vouches for no content.
    assert grants.check(seal, alice, "ledger-import") is None
    assert not grants.vouches(grants.issue(alice, "ledger-import", 7), alice, "ledger-import", "7")

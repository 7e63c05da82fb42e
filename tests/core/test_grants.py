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

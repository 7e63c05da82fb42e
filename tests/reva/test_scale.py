"""REVA's queues and candidacy page run the same SQL statements for 10 and 1 000 rows (the bench
measures them at 5 000 candidacies); the rows are inserted in bulk, as the bench loader does."""

from __future__ import annotations

import html
import re
import secrets
from datetime import timedelta

from sqlalchemy import insert

from app.core.models import utcnow
from app.core.querycount import count_queries
from app.extensions import db
from app.reva import candidacies
from app.reva.models import Candidacy, CandidacyEvent, CertifierPerimeter, Status
from tests.reva.factories import CertificationFactory, World


def _bulk_candidacies(world: World, n: int, candidate_id: int) -> None:
    now = utcnow()
    db.session.execute(
        insert(Candidacy),
        [
            {
                "public_id": secrets.token_urlsafe(16),
                "candidate_id": candidate_id,
                "certification_id": world.certification.id,
                "organism_id": world.organism.id,
                "department": world.department,
                "status": Status.FEASIBILITY_SENT,
                "status_changed_at": now - timedelta(days=k % 30),
                "last_activity_at": now,
            }
            for k in range(n)
        ],
    )
    db.session.commit()


def _bulk_events(candidacy: Candidacy, n: int) -> None:
    at = utcnow() - timedelta(days=n)
    db.session.execute(
        insert(CandidacyEvent),
        [
            {
                "candidacy_id": candidacy.id,
                "at": at + timedelta(days=k),
                "transition": "take_in_charge",
                "from_status": Status.SUBMITTED,
                "to_status": Status.TAKEN_IN_CHARGE,
                "actor": "A",
                "comment": f"Étape {k}",
            }
            for k in range(n)
        ],
    )
    db.session.commit()


def statements(client, url: str) -> tuple[int, str]:
    with count_queries() as sent:
        response = client.get(url)
    assert response.status_code == 200
    return len(sent), html.unescape(response.text)


def test_queues_run_the_same_statements_for_10_and_1000_candidacies(client, login_as):
    world = World()
    first = world.candidacy(status=Status.FEASIBILITY_SENT)
    first.status_changed_at = utcnow() - timedelta(days=40)  # the longest wait: listed first
    _bulk_candidacies(world, 9, first.candidate_id)
    counts = {}
    for user, url in (
        (world.certifier, "/reva/certificateur/"),
        (world.accompagnateur, "/reva/accompagnateur/"),
        (world.admin, "/reva/admin/candidatures"),
    ):
        login_as(user)
        counts[url] = statements(client, url)[0]
    _bulk_candidacies(world, 990, first.candidate_id)
    for user, url in (
        (world.certifier, "/reva/certificateur/"),
        (world.accompagnateur, "/reva/accompagnateur/"),
        (world.admin, "/reva/admin/candidatures"),
    ):
        login_as(user)
        count, page = statements(client, url)
        assert count == counts[url], url
        assert "(1000)" in page, url  # every candidacy counted, one screenful listed
    login_as(world.certifier)
    page = statements(client, "/reva/certificateur/")[1]
    assert page.count('href="/reva/candidatures/') == 50  # one page of 50
    assert f'href="/reva/candidatures/{first.public_id}"' in page.split("</tr>")[1]
    assert "40 jours" in page and "en retard" in page
    assert first.certification.label in page and first.candidate.last_name in page
    assert "1000 candidatures — page 1, 50 par page" in page
    assert 'href="/reva/certificateur/?page=2"' in page and "Page précédente" not in page


def test_a_queue_pages_by_50_keeping_its_filter(client, login_as):
    world = World()
    first = world.candidacy(status=Status.FEASIBILITY_SENT)
    _bulk_candidacies(world, 119, first.candidate_id)
    login_as(world.certifier)
    url = "/reva/certificateur/?statut=feasibility_sent"
    seen = []
    for number in (1, 2, 3):
        page = statements(client, f"{url}&page={number}")[1]
        seen += re.findall(r'href="/reva/candidatures/([^"]+)"', page)
    assert len(seen) == len(set(seen)) == 120  # 50 + 50 + 20, each candidacy once
    assert 'href="/reva/certificateur/?statut=feasibility_sent&page=2"' in page  # previous
    assert "Page suivante" not in page
    # Beyond the last page: the last page; a page number that is no number: the first.
    assert statements(client, f"{url}&page=99")[1].count('href="/reva/candidatures/') == 20
    assert statements(client, f"{url}&page=x")[1].count('href="/reva/candidatures/') == 50


def test_the_candidacy_page_runs_the_same_statements_for_10_and_1000_events(client, login_as):
    world = World()
    candidacy = world.candidacy(status=Status.TAKEN_IN_CHARGE)
    _bulk_events(candidacy, 10)
    login_as(world.accompagnateur)
    url = f"/reva/candidatures/{candidacy.public_id}"
    few = statements(client, url)[0]
    _bulk_events(candidacy, 990)
    _bulk_candidacies(world, 1000, candidacy.candidate_id)
    many, page = statements(client, url)
    assert many == few
    assert "Étape 989" in page


def test_the_certifier_queue_lists_their_perimeter_once_and_counts_the_filtered_status(
    client, login_as
):
    """The perimeter is joined, not tested per row: two departments of one authority list each
    candidacy once; another department, another authority or a project stays out. The filtered
    total is the status's count."""
    world = World()
    perimeter = CertifierPerimeter(
        user_id=world.certifier.id,
        authority_id=world.certification.authority.id,
        department="75",
    )
    db.session.add(perimeter)
    db.session.commit()
    sent = world.candidacy(status=Status.FEASIBILITY_SENT)
    _bulk_candidacies(world, 59, sent.candidate_id)  # 60 feasibility files sent in the 93
    in_paris = world.candidacy(status=Status.SUBMITTED, department="75")
    elsewhere = world.candidacy(status=Status.SUBMITTED, department="13")
    other_authority = World().candidacy(status=Status.SUBMITTED)
    project = world.candidacy(status=Status.PROJECT)
    login_as(world.certifier)

    everything = statements(client, "/reva/certificateur/?page=2")[1]
    assert "Toutes (61)" in everything and "61 candidatures — page 2, 50 par page" in everything
    listed = set(re.findall(r'href="/reva/candidatures/([^"]+)"', everything))
    listed |= set(
        re.findall(
            r'href="/reva/candidatures/([^"]+)"', statements(client, "/reva/certificateur/")[1]
        )
    )
    assert len(listed) == 61 and in_paris.public_id in listed
    for outside in (elsewhere, other_authority, project):
        assert outside.public_id not in listed

    filtered = statements(client, "/reva/certificateur/?statut=submitted")[1]
    assert "1 candidature" in filtered and "page 2" not in filtered
    assert filtered.count('href="/reva/candidatures/') == 1
    sent_only = statements(client, "/reva/certificateur/?statut=feasibility_sent&page=2")[1]
    assert "60 candidatures — page 2, 50 par page" in sent_only
    assert sent_only.count('href="/reva/candidatures/') == 10


def test_the_candidacy_page_shows_every_validated_block_in_the_same_statements(client, login_as):
    """Blocks and competences come in one query, block badges with their block in one more."""
    counts = {}
    for blocks in (1, 4):
        world = World()
        world.certification = CertificationFactory(
            authority=world.certification.authority, blocks=blocks
        )
        candidacy = world.candidacy(status=Status.JURY_SCHEDULED)
        validated = list(world.certification.blocks)
        candidacies.record_jury_result(
            candidacy, world.certifier, "record_partial_validation", validated, "", notify=False
        )
        db.session.commit()
        login_as(world.accompagnateur)
        counts[blocks], page = statements(client, f"/reva/candidatures/{candidacy.public_id}")
        validated_list = page.split("Blocs validés par le jury")[1].split("</ul>")[0]
        assert validated_list.count("badge vérifiable") == blocks
        for block in validated:
            assert f"{block.code} — {block.label}" in validated_list
            for competence in block.competences:
                assert competence.label in page  # the feasibility file lists them
    assert counts[1] == counts[4]

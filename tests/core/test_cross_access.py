"""Cross-access battery: every demo account crawls what its links reach, and every page it saw
that names a record (an id or a token in its path) is replayed as every other account, in every
territory, and as an anonymous visitor. An answer is a 404 (a record they may not list), a 403
(one they may list but not act on), a way to the login page (anonymous), or a page that shows
none of the people the recorded page showed — never another person's data, never a 500.

The same for the JSON API: every record one token reads is asked for with every other token.

Sizes (README, "Tests"): at most CRAWL_PAGES pages per account, REPLAYS_PER_ENDPOINT recorded
URLs per endpoint, each replayed as every other account.
"""

from __future__ import annotations

import html
import json
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urldefrag, urlsplit

import pytest
from sqlalchemy import select
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

from app.accounts.models import Membership, User, hash_token, new_token
from app.carnet.models import Beneficiary, Notebook
from app.dora.models import Orientation, Service
from app.extensions import db
from app.tenancy.models import Territory
from tests.core.battery import log_in, seed_demo

CRAWL_PAGES = 30
REPLAYS_PER_ENDPOINT = 2
API_RECORDS = 6  # notebooks per territory (twice as many candidacies), asked with every token
# Never followed: leaving the session, or pages a logged-in crawl has no business on.
# Pages without records (footer, account) are skipped too: the budget goes to the spaces.
SKIPPED = re.compile(
    r"^/(deconnexion|connexion|static/|dev/|invitations/|accessibilite|mentions-legales"
    r"|donnees-personnelles|compte/|espace\?tous)"
)
LINK = re.compile(r"""(?:href|data-hx-get|action)="([^"#]*)""")
HOST = "http://portail.test"


@dataclass
class Account:
    label: str
    email: str
    name: str
    client: object
    pages: dict = field(default_factory=dict)  # path -> text of a 200 answer
    known: set = field(default_factory=set)  # personal strings shown to it by its own crawl


def personal_strings() -> dict[str, str]:
    """Each demo person's name and email, mapped to the person's email (one key per person)."""
    people: dict[str, str] = {}
    for first, last, email in db.session.execute(
        select(User.first_name, User.last_name, User.email)
    ):
        people[email] = email
        people[f"{first} {last}"] = people.get(f"{first} {last}", email)
    beneficiaries = select(Beneficiary.first_name, Beneficiary.last_name, Beneficiary.email)
    for first, last, email in db.session.execute(
        beneficiaries.execution_options(all_territories=True)
    ):
        people[f"{first} {last}"] = email or f"{first} {last}"
        if email:
            people[email] = email
    oriented = select(Orientation.first_name, Orientation.last_name, Orientation.email)
    for first, last, email in db.session.execute(oriented.execution_options(all_territories=True)):
        people[f"{first} {last}"] = email or f"{first} {last}"
        if email:
            people[email] = email
    # A service's contact that its structure chose to publish is public (DORA's demo draws
    # those names from a list that other seeds use for people too).
    published = select(Service.contact_name, Service.contact_email).where(Service.contact_public)
    for name, email in db.session.execute(published.execution_options(all_territories=True)):
        people.pop(name, None)
        people.pop(email, None)
    return people


def shown(text: str, people: dict[str, str]) -> set[str]:
    return {s for s in people if s in text}


def page_text(response) -> str:
    """What the answer shows, as text (a download is read as Latin-1: names still match)."""
    data = response.get_data()
    if response.is_json:  # \u escapes decoded
        return json.dumps(response.get_json(), ensure_ascii=False)
    try:
        return html.unescape(data.decode())
    except UnicodeDecodeError:
        return data.decode("latin-1")


def links(text: str) -> list[str]:
    found = []
    for raw in LINK.findall(text):
        url, _ = urldefrag(html.unescape(raw))
        if url.startswith(HOST):
            url = url[len(HOST) :]
        if url.startswith("/") and not url.startswith("//") and not SKIPPED.match(url):
            found.append(url)
    return found


def crawl(account: Account, start: list[str], people: dict[str, str]) -> None:
    """Breadth first from `start`, GET only, at most CRAWL_PAGES answers."""
    queue, seen = list(start), set(start)
    while queue and len(account.pages) < CRAWL_PAGES:
        path = queue.pop(0)
        response = account.client.get(path)
        assert response.status_code < 500, (account.label, path, response.status_code)
        if 300 <= response.status_code < 400:
            found = links(f'href="{response.headers["Location"]}"')
            queue += [url for url in found if url not in seen]
            seen.update(found)
        if response.status_code != 200:
            continue
        text = page_text(response)
        account.pages[path] = text
        account.known |= shown(text, people)
        for url in links(text):
            if url not in seen:
                seen.add(url)
                queue.append(url)


def carries_an_id(adapter, path: str) -> str | None:
    """The endpoint of `path` when its rule names a record (an argument besides the territory)."""
    try:
        endpoint, values = adapter.match(urlsplit(path).path, method="GET")
    except (MethodNotAllowed, NotFound, RequestRedirect):
        return None
    return endpoint if set(values) - {"territory"} else None


# Reviewed rules by which an account reads records that another one reached through its links,
# beyond those its own bounded crawl reached: (endpoint prefix, role) -> the rule.
# Territorial records are in the URL's territory: tenant scoping keeps the rest 404.
ENTITLED = {
    ("carnet.identity", "coordinator"): "a coordinator sees every notebook's identity and "
    "contacts in the territory, to assign referents (carnet.perms.access_level)",
    ("reva.", "admin"): "the national administrator follows every candidacy (reva.perms)",
}


def entitled(endpoint: str, account: Account, path: str) -> bool:
    role, _, rest = account.label.partition("@")
    territory = rest.partition("#")[0]
    if territory != "national" and not path.startswith(f"/{territory}/"):
        return False
    return any(endpoint.startswith(prefix) and role == r for prefix, r in ENTITLED)


def battery_logins(logins: list[dict]) -> list[dict]:
    """Every demo role of every territory, every national role, and a second account of a kind
    where records belong to one structure or organism (REVA's second organism, a professional
    of another structure in Seine-Saint-Denis)."""
    chosen, kinds = [], set()
    for login in logins:
        kind = (login["role"], login["territory"])
        second = login["email"].startswith(("reva-accompagnateur-2@", "pro-association.93@"))
        if kind not in kinds or second:
            kinds.add(kind)
            chosen.append(login)
    return chosen


@pytest.fixture
def accounts(app):
    logins = battery_logins(seed_demo(app))
    people = personal_strings()
    by_email = {u.email: u.full_name for u in db.session.scalars(select(User))}
    result = [Account("anonymous", "", "", app.test_client())]
    for number, login in enumerate(logins, start=1):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"10.3.{number // 250}.{number % 250 + 1}"
        log_in(client, login["email"])
        label = f"{login['role']}@{login['territory'] or 'national'}#{login['email']}"
        result.append(Account(label, login["email"], by_email.get(login["email"], ""), client))
    return result, people


def test_cross_access_battery(app, accounts):
    """One demo seed for both halves (seeding takes a while): pages, then the API."""
    accounts, people = accounts
    no_account_sees_another_persons_record_through_its_url(app, accounts, people)
    no_api_token_reads_a_record_another_token_reads(app, people)


def no_account_sees_another_persons_record_through_its_url(app, accounts, people):
    started = time.perf_counter()
    for account in accounts:
        crawl(account, ["/", "/mon-espace"], people)
    crawled = time.perf_counter()
    adapter = app.url_map.bind("portail.test")
    candidates: dict[str, list[tuple[Account, str]]] = defaultdict(list)
    for account in accounts:
        for path in account.pages:
            endpoint = carries_an_id(adapter, path)
            if endpoint:
                candidates[endpoint].append((account, path))
    # Per endpoint, pages that show someone first, each from another account.
    recorded: dict[str, list[tuple[Account, str]]] = {}
    for endpoint, found in candidates.items():
        found.sort(key=lambda c: not shown(c[0].pages[c[1]], people) - {c[0].email, c[0].name})
        chosen, owners = [], set()
        for account, path in found:
            if account.label not in owners and len(chosen) < REPLAYS_PER_ENDPOINT:
                owners.add(account.label)
                chosen.append((account, path))
        recorded[endpoint] = chosen
    services = {endpoint.partition(".")[0] for endpoint in recorded}
    assert services >= {"carnet", "dora", "reva", "finance"}, sorted(recorded)
    leaks, replayed = [], 0
    for endpoint, urls in sorted(recorded.items()):
        for owner, path in urls:
            secret = shown(owner.pages[path], people) - {owner.email, owner.name}
            for other in accounts:
                if other is owner or path in other.pages:
                    continue  # its own links reach it: no replay needed
                response = other.client.get(path)
                replayed += 1
                status = response.status_code
                assert status < 500, (other.label, path, status)
                if 300 <= status < 400:
                    continue  # sent elsewhere (the login page, for anonymous)
                if status == 200 and entitled(endpoint, other, path):
                    continue
                text = page_text(response)
                visible = (secret & shown(text, people)) - other.known - {other.email, other.name}
                if visible:
                    leaks.append((endpoint, owner.label, other.label, path, sorted(visible)))
    print(
        f"battery: {len(accounts)} accounts, {sum(len(a.pages) for a in accounts)} pages, "
        f"{sum(len(u) for u in recorded.values())} URLs with an id, {replayed} replays; "
        f"crawl {crawled - started:.0f} s, replay {time.perf_counter() - crawled:.0f} s"
    )
    assert not leaks, "\n".join(map(str, leaks))


# The JSON API: every record one token reads, asked for with every other token.


def carnet_tokens() -> dict[str, str]:
    """A token per territory running Carnet de bord, bound to its France Travail agency."""
    from app.carnet.models import ApiToken
    from app.tenancy.models import Structure

    secrets = {}
    for territory in db.session.scalars(select(Territory).order_by(Territory.id)):
        if not territory.enables("carnet"):
            continue
        structure = db.session.scalar(
            select(Structure)
            .where(Structure.territory_id == territory.id, Structure.kind == "france_travail")
            .execution_options(all_territories=True)
        )
        secret = new_token()
        db.session.add(
            ApiToken(
                territory_id=territory.id,
                name=f"SI {territory.slug}",
                token_hash=hash_token(secret),
                structure_id=structure.id,
            )
        )
        secrets[territory.slug] = secret
    db.session.commit()
    return secrets


def reva_tokens() -> dict[str, str]:
    """The demo certifier's token (every authority, eight departments) and one of a certifier
    whose perimeter is one department where no demo candidacy lies."""
    from app.accounts.roles import Role
    from app.reva import tokens
    from app.reva.models import CertificationAuthority, CertifierPerimeter
    from tests.factories import UserFactory

    demo = db.session.scalar(select(User).where(User.email.startswith("certifier@")))
    other = UserFactory(email="certificateur.lointain@example.fr")
    other.memberships.append(Membership(role=Role.CERTIFIER, territory_id=None))
    authority = db.session.scalar(select(CertificationAuthority).limit(1))
    db.session.add(CertifierPerimeter(user_id=other.id, authority_id=authority.id, department="2A"))
    _, demo_secret = tokens.issue(None, demo, "SI du certificateur")
    _, other_secret = tokens.issue(None, other, "SI lointain")
    db.session.commit()
    return {"certifier": demo_secret, "certificateur.lointain": other_secret}


def no_api_token_reads_a_record_another_token_reads(app, people):
    client = app.test_client()
    bearers = {f"carnet:{slug}": s for slug, s in carnet_tokens().items()}
    bearers |= {f"reva:{name}": s for name, s in reva_tokens().items()}
    headers = {label: {"Authorization": f"Bearer {s}"} for label, s in bearers.items()}
    headers |= {"none": {}, "unknown": {"Authorization": "Bearer inconnu"}}
    # What each token reads: every notebook id of every territory; the candidacies it lists.
    territory_of = dict(
        db.session.execute(
            select(Notebook.id, Territory.slug)
            .join(Territory, Territory.id == Notebook.territory_id)
            .where(Notebook.archived_at.is_(None))
            .execution_options(all_territories=True)
        ).all()
    )
    by_territory = defaultdict(list)
    for notebook_id, slug in sorted(territory_of.items()):
        by_territory[slug].append(notebook_id)
    notebook_ids = [i for ids in by_territory.values() for i in ids[:API_RECORDS]]
    urls = [f"/api/v1/carnet/notebooks/{i}" for i in notebook_ids]
    listed = client.get("/api/v1/reva/candidacies", headers=headers["reva:certifier"]).json
    urls += [f"/api/v1/reva/candidacies/{c['id']}" for c in listed["items"][: API_RECORDS * 2]]
    assert len(urls) > len(notebook_ids), "the demo certifier lists candidacies"
    readers: dict[str, set[str]] = defaultdict(set)
    answers = {}
    for url in urls:
        for label, header in headers.items():
            response = client.get(url, headers=header)
            assert response.status_code in (200, 401, 404), (label, url, response.status_code)
            if response.status_code == 200:
                readers[url].add(label)
                answers[(url, label)] = shown(page_text(response), people)
            elif label in ("none", "unknown"):
                assert response.status_code == 401
    for url in urls:
        service = url.split("/")[3]  # carnet or reva
        assert readers[url], url
        # A token of another service, another territory or another perimeter reads nothing.
        for label in readers[url]:
            assert label.startswith(f"{service}:"), (label, url)
        if service == "carnet":
            assert readers[url] == {f"carnet:{territory_of[int(url.rsplit('/', 1)[1])]}"}, url
        else:
            assert readers[url] == {"reva:certifier"}, url
        assert all(answers[(url, label)] for label in readers[url]), url  # names someone
    # Open data: no token, and none of the people of the demo in it.
    for path in ("/api/v1/structures", "/api/v1/services"):
        response = client.get(path, query_string={"taille": 1000})
        assert response.status_code == 200
        assert not shown(page_text(response), people), path

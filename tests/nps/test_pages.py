"""Staff NPS pages: the overview (score, segments, per company, trend), the alert inbox and the
follow-up list. Who sees what, the NPS formula end to end, htmx fragments and query budgets."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from babel.dates import format_date
from sqlalchemy import select

from app.analytics import services as analytics
from app.analytics.periods import Period
from app.auth.models import User
from app.dates import utcnow
from app.nps.models import CLOSED, CONTACTED, DETRACTOR, PASSIVE, PROMOTER, Alert, FollowUp, NpsResponse, category_for
from app.nps.services import close_follow_up, paused_customer_ids, record_answer
from app.nps.stats import nps_score
from tests.conftest import HX, HX_BOOSTED, count_queries
from tests.factories import make_company, make_user

NPS_URLS = ["/nps", "/nps/alerts", "/nps/follow-ups"]


# ---- helpers -------------------------------------------------------------------------------------

def answer(app, db, user, score, reason="", when=None):
    """An answer as the product records it (alerts, follow-up, mail), optionally backdated."""
    with app.test_request_context():
        response = record_answer(user, score, reason)
        if when is not None:
            response.created_at = when
            if response.follow_up is not None:
                response.follow_up.due_at = when + timedelta(days=2)
    db.session.commit()
    return response


def bulk(db, customer, scores, when=None):
    """Many answers at once, as plain rows, each promoter/detractor with a follow-up and an alert."""
    manager = customer.company.account_manager
    for n, score in enumerate(scores):
        row = NpsResponse(user_id=customer.id, company_id=customer.company_id, score=score,
                          category=category_for(score), reason=f"bulk {n}",
                          created_at=(when or utcnow()) - timedelta(days=n % 300))
        db.session.add(row)
        db.session.flush()
        if row.category != PASSIVE:
            db.session.add(FollowUp(response_id=row.id, trigger=row.category, assignee_id=manager.id, due_at=row.created_at + timedelta(days=3)))
            db.session.add(Alert(response_id=row.id, recipient_id=manager.id))
    db.session.commit()


def big_score(page: str) -> str:
    match = re.search(r'<p class="nps-big">(.*?)</p>', page)
    assert match, "no score card"
    return match.group(1).replace("\u2212", "-").strip()


@pytest.fixture
def team(db):
    """A sales manager with two account managers; a third account manager outside the team."""
    boss = make_user("sales", name="Bea Boss", locale="en")
    anna = make_user("sales", name="Anna Account", locale="en", manager=boss)
    otto = make_user("sales", name="Otto Other", locale="en")
    mine = make_company("Anna Corp", account_manager=anna)
    theirs = make_company("Otto Ltd", account_manager=otto)
    kees = make_user("customer", name="Kees Klant", company=mine, locale="en")
    lisa = make_user("customer", name="Lisa Lid", company=theirs, locale="en")
    db.session.commit()
    return dict(boss=boss, anna=anna, otto=otto, mine=mine, theirs=theirs, kees=kees, lisa=lisa)


# ---- the formula ---------------------------------------------------------------------------------

FORMULA = [
    # promoters, passives, detractors, NPS
    (3, 0, 0, 100),
    (0, 0, 3, -100),
    (0, 3, 0, 0),
    (0, 0, 0, None),
    (1, 2, 0, 33),
    (0, 2, 1, -33),
    (2, 1, 0, 67),
    (1, 1, 1, 0),
    (2, 1, 1, 25),
    (1, 0, 7, -75),
    (1, 7, 0, 13),    # 12.5 rounds away from zero
    (0, 7, 1, -13),   # and so does -12.5
    (5, 3, 2, 30),
]


@pytest.mark.parametrize("promoters,passives,detractors,expected", FORMULA)
def test_nps_score_formula(promoters, passives, detractors, expected):
    assert nps_score(promoters, passives, detractors) == expected


@pytest.mark.parametrize("score,category", [(0, DETRACTOR), (6, DETRACTOR), (7, PASSIVE), (8, PASSIVE),
                                            (9, PROMOTER), (10, PROMOTER)])
def test_category_boundaries(score, category):
    assert category_for(score) == category


@pytest.mark.parametrize("scores,expected", [
    ([10, 9, 10], "100"),
    ([0, 6, 3], "-100"),
    ([9, 7, 8], "33"),          # one promoter, two passives
    ([7, 8], "0"),
    ([6, 7, 8, 9, 10], "20"),   # every boundary: 2 promoters, 2 passives, 1 detractor
    ([0, 10], "0"),
    ([9, 10, 9, 7, 8, 8, 8, 8, 6, 0], "10"),
])
def test_overview_score_through_the_page(app, client, db, login_as, team, scores, expected):
    for score in scores:
        answer(app, db, team["kees"], score)
    login_as("marketer", locale="en")
    page = client.get("/nps").text
    assert big_score(page) == expected
    counts = [sum(1 for s in scores if category_for(s) == name) for name in (PROMOTER, PASSIVE, DETRACTOR)]
    assert expected == str(nps_score(*counts))
    assert f"NPS from {len(scores)} answers" in page


def test_the_nps_page_and_the_analytics_dashboard_give_the_same_score(app, client, db, login_as, team):
    for score in [9, 10, 9, 7, 8, 8, 8, 8, 6, 0]:
        answer(app, db, team["kees"], score)
    login_as("marketer", locale="en")
    assert big_score(client.get("/nps?period=30").text) == "10"
    day = utcnow().date()
    figures = analytics.nps(Period(day - timedelta(days=29), day))
    assert figures["score"].current == 10 and figures["answers"].current == 10
    assert figures["trend"][-1]["score"] == 10 and figures["trend"][-1]["answers"] == 10


def test_no_answers_means_no_score_not_zero(client, db, login_as, team):
    login_as("marketer", locale="en")
    page = client.get("/nps").text
    assert "No score yet" in page and big_score(page) == "–"
    assert "No company has answered in this period." in page


def test_period_filter(app, client, db, login_as, team):
    answer(app, db, team["kees"], 10)
    answer(app, db, team["kees"], 0, when=utcnow() - timedelta(days=100))
    answer(app, db, team["kees"], 0, when=utcnow() - timedelta(days=400))
    login_as("marketer", locale="en")
    assert big_score(client.get("/nps").text) == "100"                     # default: 90 days
    assert big_score(client.get("/nps?period=nonsense").text) == "100"     # unknown: the default
    assert big_score(client.get("/nps?period=30").text) == "100"
    assert big_score(client.get("/nps?period=365").text) == "0"
    assert big_score(client.get("/nps?period=all").text) == "-33"
    assert 'value="365" selected' in client.get("/nps?period=365").text


def test_customers_count_once_with_their_latest_answer(app, client, db, login_as, team):
    answer(app, db, team["kees"], 2, when=utcnow() - timedelta(days=5))
    answer(app, db, team["kees"], 10, when=utcnow() - timedelta(days=1))
    answer(app, db, team["lisa"], 8)
    login_as("marketer", locale="en")
    page = client.get("/nps").text
    assert big_score(page) == "0"  # answers: 1 promoter, 1 passive, 1 detractor
    segments = page.split('class="nps-customer-segments">')[1].split("</ul>")[0]
    assert " ".join(re.sub(r"<.*?>", "", segments).split()) == "+ Promoters: 1 0 Passives: 1 − Detractors: 0"


def test_per_company_table_and_sales_scoping(app, client, db, login_as, team):
    answer(app, db, team["kees"], 10)
    answer(app, db, team["kees"], 8)
    answer(app, db, team["lisa"], 1)

    login_as("marketer", locale="en")
    page = client.get("/nps").text
    assert "Anna Corp" in page and "Otto Ltd" in page and big_score(page) == "0"

    login_as(team["anna"])
    page = client.get("/nps").text
    assert "Anna Corp" in page and "Otto Ltd" not in page and big_score(page) == "50"
    row = re.search(r"<th scope=\"row\">Anna Corp</th>(.*?)</tr>", page, re.S).group(1)
    assert [re.sub(r"<.*?>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row)][:5] == ["50", "2", "1", "1", "0"]

    login_as(team["boss"])  # Anna's manager sees her accounts
    page = client.get("/nps").text
    assert "Anna Corp" in page and "Otto Ltd" not in page

    login_as(team["otto"])
    page = client.get("/nps").text
    assert "Otto Ltd" in page and "Anna Corp" not in page and big_score(page) == "-100"


def test_trend_per_month_for_twelve_months(app, client, db, login_as, team):
    now = utcnow()
    earlier = now - timedelta(days=70)
    answer(app, db, team["kees"], 10)
    answer(app, db, team["kees"], 3)
    answer(app, db, team["kees"], 9, when=earlier)
    answer(app, db, team["kees"], 9, when=now - timedelta(days=400))  # older than the trend
    login_as("marketer", locale="en")
    page = client.get("/nps").text
    trend = page.split('class="striped nps-trend"')[1].split("</table>")[0]
    rows = re.findall(r'<th scope="row">(.*?)</th>\s*<td><span class="nps-num">(\d+)</span>.*?<td>(.*?)</td>', trend, re.S)
    assert len(rows) == 12
    by_month = {label: (int(n), re.sub(r"<.*?>", " ", cell).split()) for label, n, cell in rows}
    this_month = format_date(now.date(), "MMM yyyy", locale="en")
    that_month = format_date(earlier.date(), "MMM yyyy", locale="en")
    assert rows[-1][0] == this_month
    assert by_month[this_month][0] == 2 and by_month[this_month][1][0] == "0"
    assert by_month[that_month][0] == 1 and by_month[that_month][1][0] == "100"
    assert sum(n for n, _cell in by_month.values()) == 3
    assert "No answers" in trend and "<meter" in trend and "<progress" in trend
    assert "style=" not in page


def test_overview_query_budget_does_not_grow(app, client, db, login_as, team):
    answer(app, db, team["kees"], 9)

    def queries(url):
        db.session.expire_all()  # as in a real request: nothing cached from the test's own session
        with count_queries(app) as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    viewers = ("marketer", team["anna"], team["boss"])
    few = {}
    for n, viewer in enumerate(viewers):
        login_as(viewer)
        few[n] = queries("/nps"), queries("/nps?period=all"), queries("/nps?period=all&page=2")
    for n in range(60):
        company = make_company(account_manager=team["anna"] if n % 2 else team["otto"])
        bulk(db, make_user("customer", company=company), [n % 11, 10, 7, 0])
    bulk(db, team["kees"], [n % 11 for n in range(60)])
    for n, viewer in enumerate(viewers):
        login_as(viewer)
        many = queries("/nps"), queries("/nps?period=all"), queries("/nps?period=all&page=2")
        assert many == few[n] and max(many) <= 10, (viewer, many)  # 2 of them: the company and manager filters
    assert "Page 2 of 2" in client.get("/nps?period=all&page=2").text  # the boss: 31 companies
    login_as("marketer", locale="en")
    assert "Page 2 of 3" in client.get("/nps?period=all&page=2").text  # everyone's 62 companies


# ---- the alert inbox -----------------------------------------------------------------------------

def test_inbox_per_recipient(app, client, db, login_as, team):
    kees_answer = answer(app, db, team["kees"], 2, "Slow invoices")
    answer(app, db, team["lisa"], 10, "Great team")
    answer(app, db, team["kees"], 8, "Fine")  # passive: no alert

    login_as(team["anna"])
    page = client.get("/nps/alerts").text
    assert "Kees Klant" in page and "Anna Corp" in page and "Slow invoices" in page
    assert "Detractor" in page and "Lisa Lid" not in page and "Fine" not in page
    assert f'href="/nps/answers/{kees_answer.id}"' in page
    assert "Open" in page  # the follow-up status

    login_as(team["boss"])  # the manager gets the same alert
    assert "Slow invoices" in client.get("/nps/alerts").text

    login_as(team["otto"])
    page = client.get("/nps/alerts").text
    assert "Great team" in page and "Slow invoices" not in page
    assert "All alerts" not in page and "Slow invoices" not in client.get("/nps/alerts?show=all").text

    login_as("marketer", locale="en")
    assert "No alerts yet." in client.get("/nps/alerts").text
    everything = client.get("/nps/alerts?show=all").text
    assert "Slow invoices" in everything and "Great team" in everything and "Recipient" in everything


def test_opening_the_inbox_marks_the_listed_alerts_read(app, client, db, login_as, team):
    answer(app, db, team["kees"], 2)
    answer(app, db, team["kees"], 10)
    login_as(team["anna"])
    header = client.get("/nps").text
    assert re.search(r'class="count-badge">2<span class="visually-hidden"> unread alerts', header)

    first = client.get("/nps/alerts").text
    assert first.count("tag-new") == 2
    assert "count-badge" not in first.split("</header>")[0]  # the badge already counts them as read
    assert client.get("/nps/alerts").text.count("tag-new") == 0
    assert "count-badge" not in client.get("/nps").text

    read = {a.recipient_id: a.read_at for a in db.session.scalars(select(Alert))}
    assert read[team["anna"].id] is not None
    assert read[team["boss"].id] is None  # the manager has not looked yet


def test_inbox_pages_and_marks_only_what_it_shows(app, client, db, login_as, team):
    bulk(db, team["kees"], [0] * 30)
    login_as(team["anna"])
    first = client.get("/nps/alerts").text
    assert first.count("<tr") == 26 and "Page 1 of 2" in first
    assert len(db.session.scalars(select(Alert).where(Alert.read_at.is_(None))).all()) == 5
    assert client.get("/nps/alerts?page=2").text.count("<tr") == 6


@pytest.mark.parametrize("htmx", [False, True])
def test_mark_all_read(app, client, db, login_as, post_form, team, htmx):
    bulk(db, team["kees"], [0] * 30)
    login_as(team["anna"])
    response = post_form("/nps/alerts/read", htmx=htmx)
    if htmx:
        assert response.status_code == 204 and response.headers["HX-Redirect"] == "/nps/alerts"
    else:
        assert response.status_code == 303 and response.headers["Location"] == "/nps/alerts"
    assert db.session.scalars(select(Alert).where(Alert.read_at.is_(None))).all() == []


def test_overdue_is_highlighted_until_closed(app, client, db, login_as, team):
    late = answer(app, db, team["kees"], 1, "Late one", when=utcnow() - timedelta(days=20))
    answer(app, db, team["kees"], 0, "Fresh one")
    login_as(team["anna"])
    for url in ("/nps/alerts", "/nps/follow-ups"):
        page = client.get(url).text
        assert page.count("tag-overdue") == 1, url
        assert page.count('class="nps-overdue"') == 1, url
        late_row = next(row for row in page.split("<tr")[1:] if f"/nps/answers/{late.id}\"" in row)
        assert "Overdue" in late_row and "nps-overdue" in late_row

    with app.test_request_context():
        close_follow_up(late.follow_up, team["anna"], "Called, sorted")
    db.session.commit()
    assert "tag-overdue" not in client.get("/nps/alerts").text


def test_alerts_query_budget_does_not_grow(app, client, db, login_as, team):
    answer(app, db, team["kees"], 0)

    def queries(url):
        db.session.expire_all()  # as in a real request: nothing cached from the test's own session
        with count_queries(app) as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    login_as(team["anna"])
    few = queries("/nps/alerts"), queries("/nps/alerts")  # with and without unread alerts to mark
    bulk(db, team["kees"], [0, 10] * 20)
    many = queries("/nps/alerts"), queries("/nps/alerts")
    assert many == few and max(many) <= 8, many
    login_as("admin")
    few = queries("/nps/alerts?show=all")
    bulk(db, team["lisa"], [0, 10] * 20)
    assert queries("/nps/alerts?show=all") == few


# ---- the follow-up list --------------------------------------------------------------------------

def test_follow_ups_scoped_sorted_and_filtered(app, client, db, login_as, team):
    now = utcnow()
    soon = answer(app, db, team["kees"], 2, "Due soon", when=now - timedelta(days=1))
    overdue = answer(app, db, team["kees"], 3, "Overdue one", when=now - timedelta(days=10))
    later = answer(app, db, team["kees"], 10, "Due later")
    theirs = answer(app, db, team["lisa"], 0, "Not Anna's")
    answer(app, db, team["kees"], 7, "Passive")  # no task
    contacted = answer(app, db, team["kees"], 9, "Called already")
    contacted.follow_up.status = CONTACTED
    closed = answer(app, db, team["kees"], 1, "Done")
    with app.test_request_context():
        close_follow_up(closed.follow_up, team["anna"], "Resolved")
    db.session.commit()

    def order(page):
        return re.findall(r"/nps/answers/(\d+)\"", page)

    login_as(team["anna"])
    page = client.get("/nps/follow-ups").text
    assert "Not Anna's" not in page and str(theirs.id) not in order(page) and str(closed.id) not in order(page)
    assert order(page)[0] == str(overdue.id)
    expected = sorted(db.session.scalars(select(FollowUp).where(FollowUp.status != CLOSED,
                                                                FollowUp.assignee_id == team["anna"].id)),
                      key=lambda t: (not t.overdue(), t.due_at))
    assert len(expected) == 4 and order(page) == [str(t.response_id) for t in expected]

    assert order(client.get("/nps/follow-ups?status=contacted").text) == [str(contacted.id)]
    assert order(client.get("/nps/follow-ups?status=closed").text) == [str(closed.id)]
    assert set(order(client.get("/nps/follow-ups?status=open").text)) == {str(soon.id), str(overdue.id), str(later.id)}
    assert 'value="contacted" selected' in client.get("/nps/follow-ups?status=contacted").text
    assert len(order(client.get("/nps/follow-ups?status=bogus").text)) == 4

    login_as(team["boss"])  # the team's tasks
    assert len(order(client.get("/nps/follow-ups").text)) == 4
    login_as(team["otto"])
    assert order(client.get("/nps/follow-ups").text) == [str(theirs.id)]
    login_as("marketer")
    assert len(order(client.get("/nps/follow-ups").text)) == 5


def test_follow_ups_query_budget_and_paging(app, client, db, login_as, team):
    answer(app, db, team["kees"], 0)

    def queries(url):
        db.session.expire_all()  # as in a real request: nothing cached from the test's own session
        with count_queries(app) as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    login_as(team["boss"])
    few = queries("/nps/follow-ups"), queries("/nps/follow-ups?status=open")
    bulk(db, team["kees"], [0, 10] * 20)
    many = queries("/nps/follow-ups"), queries("/nps/follow-ups?status=open")
    assert many == few and max(many) <= 6, many
    page = client.get("/nps/follow-ups?status=open").text
    assert "Page 1 of 2" in page and "/nps/follow-ups?page=2&amp;status=open" in page


# ---- htmx ------------------------------------------------------------------------------------

@pytest.mark.parametrize("url", NPS_URLS + ["/nps?period=30", "/nps/follow-ups?status=open", "/nps/alerts?show=all"])
def test_htmx_fragment_and_full_page(app, client, db, login_as, team, url):
    answer(app, db, team["kees"], 0)
    login_as("admin")
    full = client.get(url)
    fragment = client.get(url, headers=HX)
    boosted = client.get(url, headers=HX_BOOSTED)
    assert full.status_code == fragment.status_code == boosted.status_code == 200
    assert "<html" in full.text and "<html" in boosted.text
    assert "<html" not in fragment.text and "<h1>" in fragment.text
    assert "HX-Request" in fragment.headers["Vary"]


# ---- who may see what ----------------------------------------------------------------------------

def test_follow_up_page_only_for_the_account_manager_their_manager_and_marketing(app, client, db, login_as, team):
    response = answer(app, db, team["kees"], 2, "Too slow")
    url = f"/nps/answers/{response.id}"
    for viewer, status in ((team["anna"], 200), (team["boss"], 200), (team["otto"], 404), ("marketer", 200),
                           ("admin", 200), ("sales", 404), (team["kees"], 403), (team["lisa"], 403)):
        login_as(viewer)
        got = client.get(url)
        assert got.status_code == status, (viewer, got.status_code)
        assert ("Too slow" in got.text) == (status == 200)


def test_customers_never_reach_any_nps_page(app, client, db, login_as, team, post_form):
    mine = answer(app, db, team["kees"], 2, "Kees is unhappy")
    login_as(team["lisa"])
    urls = NPS_URLS + [f"/nps/answers/{mine.id}", "/nps/alerts?show=all", "/nps?period=all"]
    for url in urls:
        for headers in ({}, HX):
            got = client.get(url, headers=headers)
            assert got.status_code == 403 and "Kees is unhappy" not in got.text, url
    assert post_form("/nps/alerts/read").status_code == 403
    assert post_form(f"/nps/answers/{mine.id}", {"status": "closed", "note": "x"}).status_code == 403
    assert "NPS" not in client.get("/").text.split("</header>")[0]


def test_staff_header_has_the_nps_link(client, db, login_as, team):
    for role in ("marketer", "sales", "admin"):
        login_as(role, locale="en")
        header = client.get("/nps").text.split("</header>")[0]
        assert 'href="/nps"' in header and 'aria-current="page"' in header


# ---- advocacy pause ------------------------------------------------------------------------------

def test_paused_customer_ids_excludes_a_detractor_with_an_open_follow_up(app, db, team):
    happy = make_user("customer", company=team["mine"])
    db.session.commit()
    unhappy = answer(app, db, team["kees"], 3)
    answer(app, db, team["lisa"], 2)
    answer(app, db, team["lisa"], 10)  # a newer promoter answer: no longer paused
    answer(app, db, happy, 9)

    def ask_queue():
        return set(db.session.scalars(
            select(User.id).where(User.role == "customer", User.id.not_in(paused_customer_ids()))
        ))

    assert set(db.session.scalars(paused_customer_ids())) == {team["kees"].id}
    assert ask_queue() == {team["lisa"].id, happy.id}

    unhappy.follow_up.status = CONTACTED  # contacted is still open
    db.session.commit()
    assert team["kees"].id not in ask_queue()

    with app.test_request_context():
        close_follow_up(unhappy.follow_up, team["anna"], "Sorted out")
    db.session.commit()
    assert ask_queue() == {team["kees"].id, team["lisa"].id, happy.id}

"""The audit log: a change recorded once as an event, read back in the language of whoever reads it."""
from __future__ import annotations

import re
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.audit.services import SUMMARY_BY_LOCALE, record
from app.audit.wording import ACTIONS
from app.extensions import db as _db
from tests.conftest import HX, count_queries
from tests.factories import make_audit_entry, make_challenge, make_level, make_user

PROGRAMME = {"points_contacted": "10", "points_meeting": "60", "points_opportunity": "100", "points_won": "300",
             "ask_cap_days": "60", "daily_referral_cap": "3", "referee_retention_days": "90"}
LEVEL_FORM = {"name_nl": "Experts", "name_en": "Experts", "description_nl": "Voor de kenners.",
              "description_en": "For those in the know.", "points_threshold": "40"}


def _rows(html: str) -> list[str]:
    return re.findall(r'<tr id="entry-\d+">(.*?)</tr>', html, re.S)


def test_a_settings_change_reads_in_the_viewers_language(app, client, db, login_as, post_form):
    login_as("marketer", locale="nl")
    assert post_form("/admin/programme", PROGRAMME).status_code == 303
    entry = db.session.scalars(select(AuditEntry)).one()
    assert entry.details["points_won"] == 300
    login_as("admin", locale="en")
    page = client.get("/admin/audit").text
    assert "Programme settings changed" in page and "Points when won" in page
    login_as("admin", locale="nl")
    page = client.get("/admin/audit").text
    assert "Programma-instellingen gewijzigd" in page and "Punten bij gewonnen" in page


def test_an_english_admin_reads_what_a_dutch_marketer_did_and_the_other_way_round(app, client, db, login_as,
                                                                                  post_form):
    """Done means 6: stored as an event, so the reader's language decides, not the actor's."""
    level = make_level(1, name="Betrokkenheid")
    marketer = login_as("marketer", locale="nl", name="Mila Marketing")
    assert post_form("/admin/levels/new", LEVEL_FORM).status_code == 303
    new_level = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "level.create")).one()
    assert post_form(f"/admin/levels/{level.id}/edit", {**LEVEL_FORM, "name_nl": "Betrokken",
                                                         "name_en": "Engaged"}).status_code == 303
    changed = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "level.update")).one()
    assert changed.actor_id == marketer.id
    assert changed.details["before"]["name_nl"] == "Betrokkenheid" and changed.details["after"]["name_nl"] == "Betrokken"

    login_as("admin", locale="en")
    page = "".join(_rows(client.get("/admin/audit").text))
    assert "Level added" in page and "Level changed" in page and "Mila Marketing" in page
    assert "Name (Dutch)" in page and "Betrokkenheid → Betrokken" in page
    assert "Niveau" not in page and "gewijzigd" not in page
    assert f'href="/admin/levels/{new_level.target_id}/edit"' in page  # the entry links to its object

    english_admin = login_as("admin", locale="en", name="Ada Admin")
    with app.test_request_context():
        record(english_admin, "challenge.publish", make_challenge(level))
    db.session.commit()
    login_as("admin", locale="nl")
    page = "".join(_rows(client.get("/admin/audit").text))
    assert "Uitdaging gepubliceerd" in page and "Niveau toegevoegd" in page and "Naam (Nederlands)" in page
    assert "Challenge published" not in page and "Level added" not in page


def test_every_action_recorded_today_has_wording_in_both_languages(app):
    """Each `record(…, "x.y", …)` in the app has a label; in Dutch it reads differently from English."""
    import pathlib

    source = "\n".join(p.read_text() for p in pathlib.Path("app").rglob("*.py"))
    recorded = set(re.findall(r'record\([^,]+, "([a-z_]+\.[a-z_]+)"', source))
    recorded |= {f"referral.{s}" for s in ("new", "contacted", "meeting", "opportunity", "won", "lost")}
    recorded |= {f"sales_ask.{o}" for o in ("yes", "no", "later")}
    recorded |= {f"nps_follow_up.{s}" for s in ("open", "contacted", "closed")}
    recorded |= {"badge.activate", "badge.deactivate", "reward.activate", "reward.deactivate", "participants.import"}
    assert recorded - set(ACTIONS) == set()
    from flask_babel import force_locale

    with app.test_request_context():
        for action in recorded:
            with force_locale("nl"):
                dutch = str(ACTIONS[action].label)
            with force_locale("en"):
                english = str(ACTIONS[action].label)
            assert dutch != english, action


def test_an_unknown_action_reads_humanised_with_its_fields(app, client, db, login_as):
    actor = make_user("admin", name="Olaf Operator")
    target = make_user("sales", name="Sanne Sales")
    with app.test_request_context():
        record(actor, "staff.role_change", target, summary="kept as said", before={"role": "sales"},
               after={"role": "marketer"}, reason_code="reorganisation")
    db.session.commit()
    login_as("admin", locale="en")
    row = _rows(client.get("/admin/audit").text)[0]
    assert "Staff · role change" in row and "Sanne Sales" in row and "Role" in row and "Sales → Marketing" in row
    assert "kept as said" in row and "Reason code" in row


def test_old_summaries_stay_as_a_fallback(app, client, db, login_as):
    marketer = make_user("marketer", name="Mila")
    with app.test_request_context():
        record(marketer, "legacy.thing", marketer, summary={"nl": "Loyaliteit triggeren", "en": "Triggering loyalty"})
        record(marketer, "other.thing", None, summary=_l("Referral programme settings"))
        record(marketer, "plain.thing", None, summary="Plain text stays as it is")
    db.session.commit()
    details = [entry.details for entry in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert details[0] == {SUMMARY_BY_LOCALE: {"nl": "Loyaliteit triggeren", "en": "Triggering loyalty"}}
    assert details[2] == {}
    login_as("admin", locale="en")
    page = client.get("/admin/audit").text
    assert "Triggering loyalty" in page and "Loyaliteit" not in page and "Plain text stays as it is" in page
    login_as("admin", locale="nl")
    page = client.get("/admin/audit").text
    assert "Loyaliteit triggeren" in page and "Instellingen doorverwijsprogramma" in page


def test_changes_passed_as_pairs_are_kept_as_before_and_after(app, db):
    marketer = make_user("marketer")
    level = make_level(1)
    with app.test_request_context():
        entry = record(marketer, "level.update", level, changes={"points_threshold": [0, 40]})
    assert entry.details == {"before": {"points_threshold": 0}, "after": {"points_threshold": 40}}
    assert entry.object_label == {"nl": "Niveau 1", "en": "Level 1"}


def test_a_deleted_object_keeps_its_name_without_a_link(app, client, db, login_as, post_form):
    level = make_level(1, name="Weg ermee")
    login_as("marketer")
    assert post_form(f"/admin/levels/{level.id}/delete", {}).status_code == 303
    login_as("admin", locale="en")
    row = _rows(client.get("/admin/audit").text)[0]
    assert "Level deleted" in row and "Weg ermee" in row and "no longer exists" in row and "<a " not in row


def test_a_person_is_never_snapshotted_and_an_erased_one_shows_no_name(app, client, db, login_as, post_form):
    customer = make_user("customer", name="Paula Persoon")
    admin = login_as("admin", locale="en")
    assert post_form(f"/admin/participants/{customer.id}/erase", {"word": "ERASE"}).status_code in (302, 303)
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "privacy.erase")).one()
    assert entry.object_label is None and entry.actor_id == admin.id
    page = client.get("/admin/audit").text
    assert "Personal data erased" in page and "Paula" not in page


def test_filters_by_actor_action_object_and_period(app, client, db, login_as):
    mila, sam = make_user("marketer", name="Mila Marketing"), make_user("sales", name="Sam Sales")
    level = make_level(1)
    make_audit_entry(mila, "level.update", level, created_at=datetime(2026, 3, 2, 10))
    make_audit_entry(mila, "challenge.publish", make_challenge(level), created_at=datetime(2026, 3, 20, 10))
    make_audit_entry(sam, "sales_ask.claim", make_user("customer", name="Cas Klant"), created_at=datetime(2026, 4, 1, 10))
    db.session.commit()
    login_as("admin", locale="en")

    def shown(query: str) -> list[str]:
        response = client.get(f"/admin/audit?{query}")
        assert response.status_code == 200
        return [re.sub(r"<[^>]+>", "", row).split("\n") and ("claim" if "claimed" in row else
                "publish" if "published" in row else "update") for row in _rows(response.text)]

    assert shown("") == ["claim", "publish", "update"]
    assert shown(f"actor={mila.id}") == ["publish", "update"]
    assert shown("action=challenge.publish") == ["publish"]
    assert shown("object_type=Level") == ["update"]
    assert shown("since=2026-03-10&until=2026-03-31") == ["publish"]
    assert shown("until=2026-03-02") == ["update"]  # the whole last day counts
    page = client.get("/admin/audit").text
    assert '<optgroup label="Journey design">' in page and "Level changed</option>" in page


def test_bad_filters_come_back_with_a_clear_message(app, client, db, login_as):
    login_as("admin", locale="nl")
    response = client.get("/admin/audit?since=2026-05-01&until=2026-04-01&action=nonsense")
    assert response.status_code == 422
    assert "Het einde van de periode ligt vóór het begin." in response.text
    assert 'value="2026-05-01"' in response.text
    assert client.get("/admin/audit?since=not-a-date").status_code == 422
    assert client.get("/admin/audit?actor=abc").status_code == 422
    assert client.get("/admin/audit?before=99999999999999999999").status_code == 200


def test_pages_follow_the_index_newest_first(app, client, db, login_as):
    marketer = make_user("marketer")
    level = make_level(1)
    for n in range(55):
        make_audit_entry(marketer, "level.update", level, created_at=datetime(2026, 1, 1, 0, n))
    db.session.commit()
    login_as("admin")
    first = client.get("/admin/audit").text
    assert len(_rows(first)) == 50 and "Newer" not in first
    older = re.search(r'href="(/admin/audit\?before=\d+)"', first).group(1)
    second = client.get(older).text
    assert len(_rows(second)) == 5 and "Older" not in second
    newer = re.search(r'href="(/admin/audit\?after=\d+)"', second).group(1)
    assert _rows(client.get(newer).text) == _rows(first)
    assert client.get("/admin/audit", headers=HX).status_code == 200


def test_the_csv_export_is_filtered_translated_and_formula_safe(app, client, db, login_as):
    mila = make_user("marketer", name="=HYPERLINK(\"x\")")
    level = make_level(1, name="Niveau één")
    make_audit_entry(mila, "level.update", level, details={"before": {"points_threshold": 0},
                                                           "after": {"points_threshold": 40}})
    make_audit_entry(mila, "challenge.publish", make_challenge(level))
    db.session.commit()
    login_as("admin", locale="nl")
    response = client.get("/admin/audit.csv?action=level.update")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.data.decode("utf-8-sig")
    lines = text.strip().split("\r\n")
    assert len(lines) == 2 and "Niveau gewijzigd" in lines[1] and "Benodigde punten: — → 40" not in lines[1]
    assert "Benodigde punten: 0 → 40" in lines[1] and "'=HYPERLINK" in lines[1]
    assert client.get("/admin/audit.csv?since=nope").status_code == 422


def _statements(app, client, url: str) -> int:
    _db.session.expire_all()
    with count_queries(app) as statements:
        assert client.get(url).status_code == 200
    return len(statements)


def test_the_page_costs_the_same_statements_at_any_number_of_entries(app, client, db, login_as):
    marketer, sales = make_user("marketer"), make_user("sales")
    level = make_level(1)
    challenge = make_challenge(level)

    def add(n: int) -> None:
        for _ in range(n):
            make_audit_entry(marketer, "level.update", level)
            make_audit_entry(sales, "sales_ask.claim", make_user("customer"))
            make_audit_entry(marketer, "challenge.publish", challenge)
        db.session.commit()

    login_as("admin")
    add(2)
    small = _statements(app, client, "/admin/audit")
    add(40)
    large = _statements(app, client, "/admin/audit")
    assert large == small <= 12

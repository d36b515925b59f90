"""Golden texts: the first message of every route, in Dutch and English, with the referrer's note
written to the referee; and the message kept on the referee is, byte for byte, the one the
referrer approved on the preview."""
from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from app.referrals.intake import Introduction, approved_message, outreach_message
from app.referrals.models import Referee
from tests.factories import (
    make_challenge,
    make_company,
    make_level,
    make_programme_identity,
    make_referee,
    make_user,
)

OBJECT = "http://portal.test/r/object/"
SHARE = "http://portal.test/r/anoukcode123?c=email"
REASON = {
    "en": "You plan your crews in spreadsheets, just as we did two years ago.",
    "nl": "Je plant je ploegen nog in spreadsheets, net als wij twee jaar geleden.",
}

GOLDEN = {
    ("introduce", "en"): f"""Hello Mark,

I would like to introduce you to Van Houten Installatietechniek. We work with them at Zorggroep Oost and I think they could help you too.
{REASON["en"]}
Shall I put you in touch? A short call of 15 minutes is enough to see if it fits.

Kind regards,
Anouk Jansen

We only keep your name, company and role for this introduction. Rather not hear from us? Follow this link and we erase your details: {OBJECT}<token>""",
    ("introduce", "nl"): f"""Hallo Mark,

Ik wil je graag voorstellen aan Van Houten Installatietechniek. Bij Zorggroep Oost werken we met hen samen en ik denk dat ze jou ook kunnen helpen.
{REASON["nl"]}
Zal ik jullie met elkaar in contact brengen? Een kort gesprek van 15 minuten is genoeg om te zien of het past.

Met vriendelijke groet,
Anouk Jansen

We bewaren alleen je naam, bedrijf en functie voor deze introductie. Liever niets van ons horen? Volg deze link en we wissen je gegevens: {OBJECT}<token>""",
    ("contact", "en"): f"""Hello Mark,

We are Van Houten Installatietechniek. Anouk Jansen suggested we get in touch with you.
Anouk Jansen wrote this for you: “{REASON["en"]}”
Would a short call of 15 minutes suit you? If not, no problem at all.

Kind regards,
The Van Houten Installatietechniek team

We only keep your name, company and role for this introduction. Rather not hear from us? Follow this link and we erase your details: {OBJECT}<token>""",
    ("contact", "nl"): f"""Hallo Mark,

Wij zijn Van Houten Installatietechniek. Anouk Jansen stelde voor dat we contact met je opnemen.
Anouk Jansen schreef dit voor je: “{REASON["nl"]}”
Komt een kort gesprek van 15 minuten je uit? Zo niet, dan is dat helemaal geen probleem.

Met vriendelijke groet,
Het team van Van Houten Installatietechniek

We bewaren alleen je naam, bedrijf en functie voor deze introductie. Liever niets van ons horen? Volg deze link en we wissen je gegevens: {OBJECT}<token>""",
    ("anonymous", "en"): f"""Hello Mark,

We are Van Houten Installatietechniek. Someone in your network suggested we get in touch with you.
They wrote this for you: “{REASON["en"]}”
Would a short call of 15 minutes suit you? If not, no problem at all.

Kind regards,
The Van Houten Installatietechniek team

We only keep your name, company and role for this introduction. Rather not hear from us? Follow this link and we erase your details: {OBJECT}<token>""",
    ("anonymous", "nl"): f"""Hallo Mark,

Wij zijn Van Houten Installatietechniek. Iemand uit je netwerk stelde voor dat we contact met je opnemen.
Die persoon schreef dit voor je: “{REASON["nl"]}”
Komt een kort gesprek van 15 minuten je uit? Zo niet, dan is dat helemaal geen probleem.

Met vriendelijke groet,
Het team van Van Houten Installatietechniek

We bewaren alleen je naam, bedrijf en functie voor deze introductie. Liever niets van ons horen? Volg deze link en we wissen je gegevens: {OBJECT}<token>""",
    ("inbound", "en"): f"""Hello Mark,

We work with Van Houten Installatietechniek and I think they could help you too.
{REASON["en"]}
Have a look, and get in touch with them when it suits you: {SHARE}

Kind regards,
Anouk Jansen

We only keep your name, company and role for this introduction. Rather not hear from us? Follow this link and we erase your details: {OBJECT}<token>""",
    ("inbound", "nl"): f"""Hallo Mark,

We werken samen met Van Houten Installatietechniek en ik denk dat ze jou ook kunnen helpen.
{REASON["nl"]}
Kijk gerust rond en neem contact met ze op wanneer het je uitkomt: {SHARE}

Met vriendelijke groet,
Anouk Jansen

We bewaren alleen je naam, bedrijf en functie voor deze introductie. Liever niets van ons horen? Volg deze link en we wissen je gegevens: {OBJECT}<token>""",
}
# A LinkedIn contact reads the "contact" message: we connect, and may mention the referrer.
GOLDEN[("linkedin", "en")] = GOLDEN[("contact", "en")]
GOLDEN[("linkedin", "nl")] = GOLDEN[("contact", "nl")]


@pytest.fixture
def referrer(db, login_as, request):
    make_programme_identity()
    return login_as("customer", email="anouk@zorggroep.example", name="Anouk Jansen", referral_code="anoukcode123",
                    company=make_company("Zorggroep Oost"), locale=getattr(request, "param", "en"))


def messages_on(page: str) -> list[str]:
    """The messages on the preview (not the sample above the form)."""
    preview = page[page.index('id="preview-title"'):]
    return [html.unescape(m) for m in re.findall(r'<pre class="outreach-message">(.*?)</pre>', preview, re.S)]


def hidden(page: str, name: str) -> str:
    return html.unescape(re.search(rf'name="{name}" value="([^"]*)"', page).group(1))


def stored(db) -> list[Referee]:
    db.session.expire_all()
    return list(db.session.scalars(select(Referee).order_by(Referee.id)))


@pytest.mark.parametrize("locale", ["en", "nl"])
@pytest.mark.parametrize("route", ["introduce", "contact", "inbound"])
def test_a_referral_keeps_exactly_the_golden_message_it_showed(db, client, post_form, referrer, route, locale):
    challenge = make_challenge(make_level(3), "referral", points=100)
    db.session.commit()
    answer = {"name": "Mark Visser", "company": "Visser Installatietechniek B.V.", "role": "Director",
              "benefit": REASON[locale], "route": route,
              "message_locale": locale, "may_mention": "y"}
    preview = post_form(f"/challenges/{challenge.id}", answer)
    assert preview.status_code == 200, preview.text
    [shown] = messages_on(preview.text)
    response = post_form(f"/challenges/{challenge.id}", {**answer, "token": hidden(preview.text, "token"),
                                                         "approved": "1"})
    assert response.status_code == 303
    [referee] = stored(db)
    assert referee.message.encode() == shown.encode()  # byte for byte what was approved
    assert shown == GOLDEN[(route, locale)].replace("<token>", referee.token)
    assert ": \n" not in shown and not re.search(r"(because|omdat):\s*$", shown, re.M)
    # Sales and "my referrals" read the kept text, not one made again.
    assert approved_message(referee) == shown


@pytest.mark.parametrize("referrer", ["en", "nl"], indirect=True)
def test_each_linkedin_contact_keeps_exactly_the_golden_message_it_showed(db, client, post_form, referrer):
    locale = referrer.locale
    challenge = make_challenge(make_level(3), "linkedin_intro", points=50)
    db.session.commit()
    answer = {"contacts": "Mark Visser — Visser Installatietechniek B.V.\nKaren Smit, Smit Logistiek",
              "reason": REASON[locale], "agree": "y"}
    preview = post_form(f"/challenges/{challenge.id}", answer)
    assert preview.status_code == 200, preview.text
    shown = messages_on(preview.text)
    assert len(shown) == 2
    response = post_form(f"/challenges/{challenge.id}", {**answer, "tokens": hidden(preview.text, "tokens"),
                                                         "approved": "1"})
    assert response.status_code == 303
    mark, karen = stored(db)
    assert [mark.message.encode(), karen.message.encode()] == [m.encode() for m in shown]
    assert shown[0] == GOLDEN[("linkedin", locale)].replace("<token>", mark.token)
    assert shown[1].startswith("Hallo Karen," if locale == "nl" else "Hello Karen,")
    assert all(REASON[locale] in m and not re.search(r"(because|omdat):\s*$", m, re.M) for m in shown)
    assert mark.benefit == REASON[locale] and mark.message_locale == locale


def test_a_linkedin_introduction_without_a_note_comes_back_with_what_was_typed(db, client, post_form, referrer):
    challenge = make_challenge(make_level(3), "linkedin_intro", points=50)
    db.session.commit()
    contacts = "Mark Visser — Visser Installatietechniek B.V."
    for htmx in (False, True):
        response = post_form(f"/challenges/{challenge.id}", {"contacts": contacts, "reason": "", "agree": "y"}, htmx=htmx)
        assert response.status_code == 422
        assert "Tell us what we could do for them." in response.text and contacts in response.text
        assert ("<html" in response.text) is not htmx
    too_short = post_form(f"/challenges/{challenge.id}", {"contacts": contacts, "reason": "Good fit", "agree": "y",
                                                          "approved": "1"})
    assert too_short.status_code == 422 and "Write between 20 and 1000 characters." in too_short.text
    assert stored(db) == []


def test_a_forged_token_list_is_ignored_and_the_message_still_carries_the_real_link(db, client, post_form, referrer):
    challenge = make_challenge(make_level(3), "linkedin_intro", points=50)
    db.session.commit()
    answer = {"contacts": "Mark Visser — Visser Installatietechniek", "reason": REASON["en"], "agree": "y",
              "tokens": '["aaaaaaaaaaaaaaaaaaaaaaaa"]', "approved": "1"}
    assert post_form(f"/challenges/{challenge.id}", answer).status_code == 303
    [referee] = stored(db)
    assert referee.token != "aaaaaaaaaaaaaaaaaaaaaaaa"
    assert referee.message.endswith(OBJECT + referee.token)


@pytest.mark.parametrize("locale", ["en", "nl"])
def test_a_message_that_may_not_name_the_referrer(app, db, locale):
    # No page makes one today ("contact" needs the permission), but the message has the wording.
    make_programme_identity()
    customer = make_user("customer", name="Anouk Jansen", company=make_company("Zorggroep Oost"))
    intro = Introduction(name="Mark Visser", company="Visser", route="contact", may_mention=False,
                         benefit=REASON[locale], token="t" * 24)
    with app.test_request_context():
        assert outreach_message(customer, intro, locale) == GOLDEN[("anonymous", locale)].replace("<token>", "t" * 24)


def test_an_older_introduction_without_a_note_reads_without_a_dangling_because(app, db):
    make_programme_identity()
    customer = make_user("customer", name="Anouk Jansen", company=make_company("Zorggroep Oost"))
    referee = make_referee(customer, "Mark Visser", route="contact", may_mention=True, benefit="", message_locale="nl")
    db.session.commit()
    with app.test_request_context():
        text = approved_message(referee)
    assert "Anouk Jansen stelde voor dat we contact met je opnemen.\nKomt een kort gesprek" in text
    assert "omdat" not in text

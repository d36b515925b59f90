"""The demo's first version of the programme terms, in Dutch and English."""
from __future__ import annotations

from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from app.terms.models import MATERIAL, TermsAcceptance, TermsVersion

TERMS_NL = """\
# Zo werkt het ambassadeursprogramma

Fijn dat je meedoet. Hier lees je wat je kunt verwachten, wat we van je vragen en wat je altijd zelf bepaalt.

## Wat je doet
- Je zet kleine stappen: een vraag beantwoorden, je ervaring delen, een review schrijven of iemand voorstellen die iets aan ons heeft.
- Alles is vrijwillig. Je kiest zelf wat je doet en wanneer.
- Wat je met ons deelt, gebruiken we alleen zoals jij dat aangeeft. Een quote of verhaal publiceren we alleen met je toestemming, en die kun je altijd intrekken.

## Punten en beloningen
- Elke stap levert punten op. Met genoeg punten en de gevraagde uitdagingen bereik je het volgende niveau.
- Punten kun je inzetten voor beloningen zoals een rondleiding door onze roadmap, vroege toegang of een donatie aan een goed doel op jouw naam.
- Punten zijn geen geld: je kunt ze niet laten uitbetalen of overdragen.
- Kloppen je punten niet? Dan corrigeren we ze, altijd met een uitleg in je puntenoverzicht.

## Introducties
- Voor een introductie krijg je nooit geld. Punten komen pas als ons team echt in gesprek is gegaan, niet voor het noemen van een naam.
- Stel alleen mensen voor die er baat bij kunnen hebben, en alleen als je denkt dat ze dat goed vinden. Je ziet altijd eerst het bericht dat wij sturen.

## Privacy
- We bewaren alleen wat nodig is voor het programma. Op je profielpagina download je al je gegevens of laat je ze wissen.
- Gegevens van mensen die je voorstelt houden we minimaal; zij kunnen altijd bezwaar maken.

## Stoppen
Je kunt op elk moment stoppen. Laat het je accountmanager weten of wis je account via je profiel. Wijzigen we deze voorwaarden ingrijpend, dan vragen we je ze opnieuw te accepteren.
"""

TERMS_EN = """\
# How the ambassador programme works

Thank you for joining. This is what you can expect, what we ask of you and what is always up to you.

## What you do
- You take small steps: answer a question, share your experience, write a review or introduce someone who would benefit from working with us.
- Everything is voluntary. You choose what you do and when.
- We only use what you share with us the way you tell us to. We publish a quote or story only with your consent, and you can withdraw it at any time.

## Points and rewards
- Every step earns points. With enough points and the challenges asked for, you reach the next level.
- You can spend points on rewards such as a roadmap session, early access or a donation to a good cause in your name.
- Points are not money: they cannot be paid out or transferred.
- Are your points not right? Then we correct them, always with an explanation in your points history.

## Introductions
- You never receive money for an introduction. Points come only once our team has really talked with the person, not for naming someone.
- Only introduce people who could benefit, and only when you think they would welcome it. You always see the message we send first.

## Privacy
- We keep only what the programme needs. On your profile page you can download all your data or have it erased.
- We keep the details of people you introduce to a minimum; they can always object.

## Stopping
You can stop at any time. Tell your account manager or erase your account from your profile. If we change these terms materially, we ask you to accept them again.
"""


def seed_terms() -> int:
    """The first version of the terms, accepted by the demo customers who can sign in. Returns how
    many records were added."""
    if db.session.scalar(select(TermsVersion.id).limit(1)) is not None:
        return 0
    marketer = User.by_email("marketing@example.com")
    version = TermsVersion(number=1, kind=MATERIAL, body_nl=TERMS_NL, body_en=TERMS_EN,
                           published_by_id=marketer.id if marketer else None)
    db.session.add(version)
    db.session.flush()
    customers = db.session.scalars(select(User).where(User.role == "customer", User.password_hash.is_not(None)))
    added = 1
    for customer in customers:
        db.session.add(TermsAcceptance(user_id=customer.id, version_id=version.id, locale=customer.locale))
        added += 1
    db.session.flush()
    return added

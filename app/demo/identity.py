"""The demo's supplier: a fictional Dutch installation-technology company with its own name, pitch
and logo (drawn here with Pillow), so the demo shows what customers and referees really see."""
from __future__ import annotations

import io
import math

from PIL import Image, ImageDraw

from app.extensions import db
from app.identity.logo import clean_logo
from app.identity.models import ProgrammeIdentity
from app.identity.services import IDENTITY_ID

DEMO_IDENTITY = {
    "organisation_name": "Kroonveld Installatietechniek",
    "pitch_nl": "Zuinige klimaat- en energie-installaties voor kantoren en zorggebouwen, met één vast aanspreekpunt.",
    "pitch_en": "Efficient climate and energy installations for offices and care buildings, with one fixed point of contact.",
    "about_nl": ("Wij ontwerpen, installeren en onderhouden warmtepompen, ventilatie en zonnepanelen voor "
                 "organisaties met 50 tot 500 medewerkers. Eén monteursteam kent jullie gebouw, we meten wat de "
                 "installatie bespaart en we plannen onderhoud buiten kantoortijd."),
    "about_en": ("We design, install and maintain heat pumps, ventilation and solar panels for organisations with "
                 "50 to 500 employees. One team of engineers knows your building, we measure what the "
                 "installation saves and we schedule maintenance outside office hours."),
    "ideal_customer_nl": ("Facilitair managers en directeuren van kantoren, scholen en zorginstellingen die hun "
                          "gebouw willen verduurzamen of last hebben van een onbetrouwbare installatie."),
    "ideal_customer_en": ("Facility managers and directors of offices, schools and care organisations who want to "
                          "make their building more sustainable or struggle with an unreliable installation."),
    "sender_name": "Team Klantsucces Kroonveld",
    "reply_to": "klantsucces@kroonveld.example",
}


def demo_logo() -> bytes:
    """A simple mark: a roof over a wave, in the company's green and orange."""
    size = 256
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((8, 8, size - 8, size - 8), radius=48, fill=(18, 104, 84, 255))
    draw.line([(52, 132), (128, 64), (204, 132)], fill=(255, 255, 255, 255), width=22, joint="curve")
    draw.rectangle((84, 126, 172, 150), fill=(255, 255, 255, 255))
    wave = [(x, 186 + 16 * math.sin((x - 52) / 152 * 2 * math.pi)) for x in range(52, 205, 4)]
    draw.line(wave, fill=(246, 153, 54, 255), width=16, joint="curve")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def seed_identity() -> int:
    """Set the demo supplier when no identity has been saved yet. Returns how many records were added."""
    if db.session.get(ProgrammeIdentity, IDENTITY_ID) is not None:
        return 0
    data, media_type = clean_logo(demo_logo())
    db.session.add(ProgrammeIdentity(id=IDENTITY_ID, **DEMO_IDENTITY, logo=data, logo_type=media_type, logo_version=1))
    db.session.flush()
    return 1

"""Marketing's identity form: saved and audited with before/after, used at once; bad input (empty,
too long, not an image, a wrong type, a 10 MB upload) comes back as the form with a clear message and
the input kept; a logo is re-encoded without its metadata and served with a long cache."""
from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from sqlalchemy import select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from app.audit.models import AuditEntry
from app.identity.models import ProgrammeIdentity
from tests.conftest import HX, csrf_token
from tests.factories import make_programme_identity

URL = "/admin/programme/identity"
GOOD = {
    "organisation_name": "Kroonveld Installatietechniek", "pitch_nl": "Zuinige installaties.",
    "pitch_en": "Efficient installations.", "about_nl": "Wij doen klimaat.", "about_en": "We do climate.",
    "ideal_customer_nl": "Facilitair managers.", "ideal_customer_en": "Facility managers.",
    "sender_name": "Team Kroonveld", "reply_to": "klantsucces@kroonveld.example",
}


def png(size=(40, 20), exif: bytes | None = None, kind="PNG") -> bytes:
    image = Image.new("RGB", size, (10, 120, 90))
    out = io.BytesIO()
    kwargs = {"exif": exif} if exif else {}
    image.save(out, kind, **kwargs)
    return out.getvalue()


def post(app, client, data, logo: bytes | None = None, filename="logo.png", htmx=False):
    """A multipart POST as a browser sends it. Encoded here in memory: the test client would spool a
    large body to a temporary file that it never closes."""
    fields = MultiDict({"csrf_token": csrf_token(app, client), **data})
    if logo is not None:
        fields.add("logo", FileStorage(io.BytesIO(logo), filename=filename, content_type="application/octet-stream"))
    boundary, body = encode_multipart(fields)
    return client.post(URL, data=body, content_type=f"multipart/form-data; boundary={boundary}",
                       headers=HX if htmx else {})


def test_the_form_shows_in_dutch_and_as_a_fragment_for_htmx(client, db, login_as):
    login_as("marketer", locale="nl")
    page = client.get(URL)
    assert page.status_code == 200 and "Onze organisatie" in page.text and "<html" in page.text
    assert 'enctype="multipart/form-data"' in page.text
    fragment = client.get(URL, headers=HX)
    assert fragment.status_code == 200 and "<html" not in fragment.text and "Naam van de organisatie" in fragment.text


@pytest.mark.parametrize("htmx", [False, True])
def test_saving_is_audited_with_before_and_after_and_used_at_once(app, client, db, login_as, htmx):
    marketer = login_as("marketer", locale="en")
    make_programme_identity(organisation_name="Old Name BV", pitch_nl="", pitch_en="")
    db.session.commit()
    response = post(app, client, GOOD, htmx=htmx)
    assert response.status_code in (200, 204, 303)
    row = db.session.get(ProgrammeIdentity, 1)
    assert row.organisation_name == "Kroonveld Installatietechniek" and row.reply_to == "klantsucces@kroonveld.example"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "identity.update"))
    assert entry.actor_id == marketer.id
    assert entry.details["before"]["organisation_name"] == "Old Name BV"
    assert entry.details["after"]["organisation_name"] == "Kroonveld Installatietechniek"
    page = client.get("/admin/programme").text
    assert "<title>Referral programme · Kroonveld Installatietechniek</title>" in page
    assert "Kroonveld Installatietechniek: Efficient installations." in page  # the footer


def test_saving_nothing_new_records_nothing(app, client, db, login_as):
    login_as("marketer", locale="en")
    post(app, client, GOOD)
    post(app, client, GOOD)
    assert len(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "identity.update")).all()) == 1


@pytest.mark.parametrize("field,value,message", [
    ("organisation_name", "", "Vul de naam van je organisatie in."),
    ("organisation_name", "x" * 81, "Gebruik maximaal 80 tekens."),
    ("pitch_nl", "twee\nregels", "Houd dit op één regel."),
    ("about_en", "x" * 1001, "Gebruik maximaal 1000 tekens."),
    ("reply_to", "not an address", "Vul een geldig e-mailadres in"),
    ("sender_name", "Team <x@evil.example>", "Laat de tekens < > en \" weg."),
])
def test_bad_input_is_a_422_in_dutch_with_the_input_kept(app, client, db, login_as, field, value, message):
    login_as("marketer", locale="nl")
    response = post(app, client, {**GOOD, field: value})
    assert response.status_code == 422
    assert message in response.text
    assert "Efficient installations." in response.text  # the other input is kept
    assert db.session.get(ProgrammeIdentity, 1) is None


@pytest.mark.parametrize("logo,filename,message", [
    (b"%PDF-1.4 not an image at all", "logo.png", "Dit bestand is geen afbeelding die we kunnen lezen."),
    (b"", "empty.png", "Dit bestand is geen afbeelding die we kunnen lezen."),
    (png(kind="GIF"), "logo.gif", "Upload het logo als PNG, JPEG of WebP."),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "logo.svg",
     "Dit bestand is geen afbeelding die we kunnen lezen."),
    (png()[:60], "truncated.png", "Dit bestand is geen afbeelding die we kunnen lezen."),
    (b"\x89PNG" + b"\x00" * (10 * 1024 * 1024), "huge.png", "Het logo is groter dan 1 MB."),
])
def test_a_logo_we_do_not_take_is_the_forms_error(app, client, db, login_as, logo, filename, message):
    login_as("marketer", locale="nl")
    response = post(app, client, GOOD, logo=logo, filename=filename)
    assert response.status_code == 422
    assert message in response.text
    assert 'value="Kroonveld Installatietechniek"' in response.text  # input kept
    assert db.session.get(ProgrammeIdentity, 1) is None


def test_a_decompression_bomb_is_refused(app, client, db, login_as):
    login_as("marketer", locale="en")
    response = post(app, client, GOOD, logo=png(size=(5000, 5000)))
    assert response.status_code == 422
    assert "The image is too large" in response.text


def test_a_request_larger_than_the_upload_limit_gets_the_friendly_413_page(app, client, db, login_as):
    login_as("marketer", locale="en")
    response = post(app, client, GOOD, logo=b"\x00" * (13 * 1024 * 1024))
    assert response.status_code == 413
    assert "That is too large" in response.text


def test_other_forms_keep_the_smaller_request_limit(app, client, db, login_as):
    login_as("marketer", locale="en")
    body = {"csrf_token": csrf_token(app, client), "points_contacted": "1" * (3 * 1024 * 1024)}
    assert client.post("/admin/programme", data=body).status_code == 413


def test_a_logo_is_stored_without_metadata_and_served_with_a_long_cache(app, client, db, login_as):
    login_as("marketer", locale="en")
    exif = Image.Exif()
    exif[0x010E] = "Secret GPS-ish description"  # ImageDescription
    jpeg = png(size=(1600, 400), exif=exif.tobytes(), kind="JPEG")
    assert b"Secret GPS-ish" in jpeg
    assert post(app, client, GOOD, logo=jpeg, filename="logo.jpg").status_code in (200, 303)
    row = db.session.get(ProgrammeIdentity, 1)
    assert row.logo_type == "image/jpeg" and row.logo_version == 1
    assert b"Secret GPS-ish" not in row.logo and b"Exif" not in row.logo
    assert max(Image.open(io.BytesIO(row.logo)).size) <= 800
    page = client.get("/").text if False else client.get("/admin/programme").text
    src = re.search(r'<img class="brand-logo" src="([^"]+)"', page).group(1)
    assert src == "/brand/logo-1.jpg"
    client.get("/logout")
    served = client.get(src)
    assert served.status_code == 200 and served.mimetype == "image/jpeg" and served.data == row.logo
    assert "max-age=31536000" in served.headers["Cache-Control"] and "immutable" in served.headers["Cache-Control"]
    assert client.get("/brand/logo-1.png").status_code == 404  # another type
    assert client.get("/brand/logo-7.jpg").status_code == 404  # another version


def test_a_new_logo_gets_a_new_url_and_removing_it_works(app, client, db, login_as):
    login_as("marketer", locale="en")
    post(app, client, GOOD, logo=png())
    post(app, client, GOOD, logo=png(size=(30, 30)))
    assert client.get("/brand/logo-1.png").status_code == 404
    assert client.get("/brand/logo-2.png").status_code == 200
    post(app, client, {**GOOD, "remove_logo": "y"})
    row = db.session.get(ProgrammeIdentity, 1)
    assert row.logo is None and row.logo_type is None
    assert client.get("/brand/logo-3.png").status_code == 404
    assert "brand-logo" not in client.get("/admin/programme").text


@pytest.mark.parametrize("role", ["customer", "sales"])
def test_only_marketing_may_change_the_identity(app, client, db, login_as, role):
    login_as(role)
    assert post(app, client, GOOD).status_code == 403
    assert db.session.get(ProgrammeIdentity, 1) is None


def test_a_bad_logo_and_a_missing_name_are_said_at_once(app, client, db, login_as):
    login_as("marketer", locale="en")
    response = post(app, client, {**GOOD, "organisation_name": ""}, logo=b"not an image")
    assert response.status_code == 422
    assert "Fill in the name of your organisation." in response.text
    assert "This file is not an image we can read." in response.text

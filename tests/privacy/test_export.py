"""The customer's data as a ZIP: every table's rows about them, a README in their language."""
from __future__ import annotations

import io
import json
import zipfile

from sqlalchemy import select

from app.audit.models import AuditEntry
from app.extensions import db as _db
from app.privacy.export import rows_of
from app.privacy.registry import REGISTRY
from tests.factories import make_consent_record
from tests.privacy.conftest import MARKER


def _archive(response) -> dict[str, object]:
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        return {name: archive.read(name).decode() for name in archive.namelist()}


def test_the_export_holds_every_tables_rows_about_the_customer(client, db, world, login_as):
    customer = login_as(world["customer"])
    files = _archive(client.get("/profile/my-data.zip"))
    assert set(files) == {coverage.file for coverage in REGISTRY} | {"README.txt"}
    for coverage in REGISTRY:
        exported = json.loads(files[coverage.file])
        expected = _db.session.scalars(coverage.rows(customer)).all()
        assert len(exported) == len(expected), coverage.table
        assert expected, f"the test world has no {coverage.table} rows for the customer"
        if exported and "id" in exported[0]:
            assert [row["id"] for row in exported] == [row.id for row in expected], coverage.table
    account = json.loads(files["account.json"])[0]
    assert account["name"] == MARKER and "password_hash" not in account
    assert json.loads(files["company.json"]) == [{"name": "Bouwbedrijf Noord"}]
    referral = json.loads(files["referrals.json"])[0]
    assert referral["name"] == "Zyxwv Named Person" and "token" not in referral and "email_key" not in referral
    assert any(MARKER in row["data"].get("quote", "") for row in json.loads(files["answers.json"]))
    assert "consents.json" in files["README.txt"] and "Your data in the ambassador programme" in files["README.txt"]


def test_the_readme_speaks_the_customers_language(client, db, login_as):
    customer = login_as("customer", locale="nl")
    make_consent_record(customer)
    _db.session.commit()
    files = _archive(client.get("/profile/my-data.zip"))
    assert "Jouw gegevens in het ambassadeursprogramma" in files["README.txt"]
    assert json.loads(files["consents.json"])[0]["kind"] == "quote_publication"
    assert json.loads(files["points.json"]) == []


def test_another_customers_rows_are_not_in_the_export(client, db, world, login_as):
    bystander = login_as(world["bystander"])
    files = _archive(client.get("/profile/my-data.zip"))
    assert MARKER not in "".join(files.values()).replace(bystander.name, "")
    assert MARKER.lower() not in "".join(files.values()).lower()


def test_an_admin_downloads_a_customers_data_and_it_is_audited(client, db, world, login_as):
    login_as(world["admin"])
    customer = world["customer"]
    files = _archive(client.get(f"/admin/participants/{customer.id}/data.zip"))
    assert json.loads(files["account.json"])[0]["email"] == customer.email
    entry = _db.session.scalars(select(AuditEntry).where(AuditEntry.action == "privacy.export")).one()
    assert entry.target_id == customer.id and MARKER not in entry.summary
    page = client.get("/admin/participants")
    assert f"/admin/participants/{customer.id}/data.zip" in page.text
    assert f"/admin/participants/{customer.id}/erase" in page.text


def test_a_marketer_sees_no_data_buttons(client, db, world, login_as):
    login_as("marketer")
    assert "/data.zip" not in client.get("/admin/participants").text


def test_the_profile_links_to_download_and_erase(client, db, login_as):
    login_as("customer", locale="en")
    page = client.get("/profile").text
    assert "/profile/my-data.zip" in page and "/profile/erase" in page


def test_rows_of_lists_only_the_exported_columns(db, world):
    users = next(c for c in REGISTRY if c.table == "users")
    assert "password_hash" not in rows_of(users, world["customer"])[0]

"""Every table that refers to a person is covered by the export and the erasure."""
from __future__ import annotations

from app.extensions import db
from app.privacy.registry import BY_TABLE, DELETE, KEEP, REGISTRY, SCRUB, SHELL

# Columns that hold a person's address although they are no foreign key.
PERSON_COLUMNS = ("email", "to_address")


def person_tables() -> set[str]:
    tables = set()
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if any(fk.column.table.name == "users" for fk in column.foreign_keys) or column.name in PERSON_COLUMNS:
                tables.add(table.name)
    return tables


def test_every_table_with_a_person_in_it_is_in_the_registry(app):
    missing = person_tables() - set(BY_TABLE)
    assert not missing, f"add these tables to app/privacy/registry.py (export and erasure): {sorted(missing)}"


def test_every_registry_entry_says_how_it_is_exported_and_erased(app):
    tables = {table.name for table in db.metadata.sorted_tables}
    files = [coverage.file for coverage in REGISTRY]
    assert len(files) == len(set(files)), "two tables export into one file"
    for coverage in REGISTRY:
        assert coverage.table in tables, coverage.table
        assert coverage.file.endswith(".json") and str(coverage.about)
        assert coverage.erasure in (DELETE, SCRUB, KEEP, SHELL)
        if coverage.erasure in (DELETE, SHELL):
            assert coverage.erase is not None, coverage.table


def test_a_new_model_with_a_user_reference_fails_the_check(app):
    from sqlalchemy import Column, ForeignKey, Integer, Table

    extra = Table("loyalty_cards", db.metadata, Column("id", Integer, primary_key=True),
                  Column("holder_id", ForeignKey("users.id")))
    try:
        assert "loyalty_cards" in person_tables() - set(BY_TABLE)
    finally:
        db.metadata.remove(extra)

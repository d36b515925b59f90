"""One rule for "the same name": legal forms, grouping words, case, accents, punctuation and spacing
do not count; what tells two companies or people apart does."""
from __future__ import annotations

import pytest

from app.referrals.names import legacy_person_key, normalise_name, person_key, same_company

# (a, b, the same company?)
COMPANIES = [
    ("Visser Installatietechniek B.V.", "Visser Installatietechniek", True),
    ("Visser Installatietechniek BV", "visser installatietechniek", True),
    ("Visser Installatietechniek B. V.", "Visser Installatietechniek b.v.", True),
    ("VISSER  INSTALLATIETECHNIEK", "Visser Installatietechniek", True),
    ("Visser Installatietechniek Holding B.V.", "Visser Installatietechniek", True),
    ("Bakker Groep", "Bakker", True),
    ("Bakker Group", "Bakker B.V.", True),
    ("Groep Bakker", "Bakker", True),
    ("Müller GmbH", "Muller", True),
    ("Müller GmbH", "MULLER", True),
    ("Ærø Ltd", "Ærø", True),
    ("Jansen N.V.", "Jansen NV", True),
    ("Jansen N.V.", "Jansen", True),
    ("De Boer V.O.F.", "De Boer vof", True),
    ("De Boer V.O.F.", "de boer", True),
    ("Acme Inc.", "Acme Inc", True),
    ("Acme, Inc.", "ACME", True),
    ("Peeters B.V.B.A.", "Peeters BVBA", True),
    ("Peeters BVBA", "Peeters", True),
    ("Zorggroep-Oost", "Zorggroep Oost", True),
    ("Café Noord", "Cafe Noord B.V.", True),
    ("Kroonveld Installatietechniek", "Kroonveld  Installatietechniek.", True),
    ("Smit & Zonen", "Smit  Zonen", True),
    ("Holding", "Holding", True),
    ("Groep B.V.", "groep bv", True),
    ("Visser Bouw", "Visser Installatietechniek", False),
    ("Visser Bouw B.V.", "Visser Installatietechniek B.V.", False),
    ("Holding", "Groep", False),  # all-noise names keep their words: not empty = empty
    ("Holding", "Visser Holding", False),
    ("Bakker Groep", "Bakkers", False),
    ("Jansen Logistiek", "Jansen Transport", False),
    ("Müller GmbH", "Mueller Bau", False),
    ("Noord Bouw", "Zuid Bouw", False),
    ("", "", False),  # nothing is never the same as nothing
    ("B.V.", "", False),
    ("Acme Inc.", "Acme Group Europe", False),
]


@pytest.mark.parametrize("a, b, same", COMPANIES)
def test_company_names(a, b, same):
    assert same_company(a, b) is same
    assert same_company(b, a) is same


# (name, company) pairs: the same person?
PEOPLE = [
    (("Mark Visser", "Visser Installatietechniek B.V."), ("Mark Visser", "Visser Installatietechniek"), True),
    (("Mark  Visser", "VISSER INSTALLATIETECHNIEK"), ("mark visser", "Visser Installatietechniek bv"), True),
    (("José Müller", "Müller GmbH"), ("Jose Muller", "Muller"), True),
    (("Anna de Vries", "Bouwbedrijf Noord"), ("Anna De Vries", "Bouwbedrijf Noord Holding"), True),
    (("Jan-Willem Bakker", "Bakker Groep"), ("Jan Willem Bakker", "Bakker"), True),
    (("J.P. Smit", "Smit B.V."), ("JP Smit", "Smit"), True),
    (("Mark Visser", "Visser Bouw"), ("Mark Visser", "Visser Installatietechniek"), False),
    (("Mark Visser", "Visser Installatietechniek"), ("Marco Visser", "Visser Installatietechniek"), False),
    (("Anna de Vries", "Noord"), ("Anna Vries", "Noord"), False),
]


@pytest.mark.parametrize("a, b, same", PEOPLE)
def test_person_keys(a, b, same):
    assert (person_key(*a) == person_key(*b)) is same


def test_normal_forms():
    assert normalise_name("Visser Installatietechniek B.V.") == "visser installatietechniek"
    assert normalise_name("  Holding  ") == "holding"  # all noise: the plain form, never empty
    assert normalise_name("Groep B.V.") == "groep bv"
    assert normalise_name("Straße GmbH") == "strasse"
    assert normalise_name("...") == "" and normalise_name(None) == ""
    # People keep every word: someone may be called Group.
    assert normalise_name("Anna Group", company=False) == "anna group"
    assert person_key("Mark Visser", "Visser Installatietechniek B.V.") == "mark visser|visser installatietechniek"
    assert person_key("Mark Visser", "B.V.") == "mark visser|bv"
    assert person_key("Mark Visser", " ") is None and person_key("", "Visser") is None


def test_the_legacy_key_is_the_key_made_before():
    # What revision 0018 stored (and objections hashed): the fold without legal forms taken out.
    assert legacy_person_key("Mark Visser", "Visser Installatietechniek B.V.") == \
        "mark visser|visser installatietechniek b v"
    assert legacy_person_key("Anna de Vries", "Bouw BV") == "anna de vries|bouw bv"


def test_there_are_at_least_thirty_pairs():
    assert len(COMPANIES) + len(PEOPLE) >= 30
    assert sum(1 for *_, same in COMPANIES + PEOPLE if not same) >= 10

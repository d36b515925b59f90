"""How we compare the names of people and companies: one normalisation, used by the duplicate
keys, the objection hashes, the self-referral check and the existing-customer check."""
from __future__ import annotations

import re
import unicodedata

# Words that say what kind of company it is, not which one: legal forms (after dots are taken out,
# so "B.V." and "B. V." are "bv") and the words that group companies.
NOISE_WORDS = frozenset({
    "bv", "nv", "vof", "cv", "bvba", "gmbh", "ltd", "limited", "inc", "llc", "plc",
    "holding", "holdings", "groep", "group",
})

_JOINERS = re.compile(r"[.'’`´]")  # taken out without a space: "B.V." → "BV", "D'Arcy" → "DArcy"
_SEPARATORS = re.compile(r"[\W_]+")  # everything else that is not a letter or digit splits words


def _words(text: str | None) -> list[str]:
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    words = _SEPARATORS.sub(" ", _JOINERS.sub("", text)).split()
    # Runs of single letters are one word: "b v" (from "B. V.") → "bv", "j p" → "jp".
    out: list[str] = []
    run = ""
    for word in words:
        if len(word) == 1:
            run += word
            continue
        if run:
            out.append(run)
            run = ""
        out.append(word)
    if run:
        out.append(run)
    return out


def normalise_name(text: str | None, *, company: bool = True) -> str:
    """The form in which two names count as the same: the one rule for comparing referee and
    company names.

    Case, accents ("Müller" = "Muller"), punctuation, dots in abbreviations ("B.V." = "BV") and extra
    spaces do not count. For a company (`company=True`) the legal forms and grouping words in
    `NOISE_WORDS` do not count either: "Visser Installatietechniek B.V." = "Visser Installatietechniek",
    "Bakker Groep" = "Bakker". A name that is nothing but such words ("Holding", "Groep B.V.") keeps
    them, so it never becomes empty and equal to every other all-noise name. People's names keep
    every word (`company=False`): someone may well be called "Group".

    Returns "" for an empty or punctuation-only name.
    """
    words = _words(text)
    if company:
        significant = [w for w in words if w not in NOISE_WORDS]
        if significant:
            words = significant
    return " ".join(words)


def same_company(a: str | None, b: str | None) -> bool:
    """Two company names that name the same company (both non-empty)."""
    key = normalise_name(a)
    return bool(key) and key == normalise_name(b)


def person_key(name: str | None, company: str | None) -> str | None:
    """Name + company, normalised: "Mark Visser, Visser Installatietechniek B.V." and
    "mark  visser / visser installatietechniek" give one key. None without a name or a company."""
    name_part, company_part = normalise_name(name, company=False), normalise_name(company)
    if not name_part or not company_part:
        return None
    return f"{name_part}|{company_part}"[:330]


def legacy_person_key(name: str | None, company: str | None) -> str | None:
    """The person key as it was made before legal forms were ignored (revision 0018 and earlier).
    Objections recorded then are hashes of this key, so an introduction is checked against it too."""
    def fold(text):
        text = unicodedata.normalize("NFKD", text or "")
        text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
        return " ".join(re.sub(r"[^\w]+", " ", text).split())

    name_part, company_part = fold(name), fold(company)
    if not name_part or not company_part:
        return None
    return f"{name_part}|{company_part}"[:330]

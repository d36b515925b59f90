"""Importing participants from a CSV file, a domain operation: no request needed, flush only.

The rules, also explained on the import page:
- Every data row ends up in exactly one of three piles: imported, already a participant, or a row
  with a problem (with its line number and the reasons). Empty lines are counted and shown too.
- An e-mail address that already belongs to a participant is not an error and is not touched:
  the import updates nothing about existing people (their name, company and language may have been
  corrected since, by themselves or by their account manager; a spreadsheet must not undo that).
- A repeated e-mail address within the file: the first valid row wins, later rows are reported.
- A company is matched by name, ignoring case. An unknown company is created only when the row
  names its account manager (the e-mail address of a sales user); later rows may then use it.
- The report is kept as the import's audit entry, so it can be read and downloaded later.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.audit.services import record
from app.auth.models import CUSTOMER, LOCALES, SALES, Company, User, normalise_email
from app.auth.services import invite
from app.extensions import db
from app.participants.checks import COMPANY_MAX, EMAIL_MAX, NAME_MAX, email_problem, has_control_chars, squash
from app.participants.csvfile import ImportFileError, ParsedFile, decode_csv, parse_csv

IMPORTED, EXISTING, BAD = "imported", "existing", "bad"
IMPORT_ACTION = "participants.import"

REASONS = {
    "email_missing": _l("The e-mail address is missing."),
    "email_invalid": _l("The e-mail address is not valid."),
    "email_too_long": _l("The e-mail address is longer than %(max)d characters.", max=EMAIL_MAX),
    "name_missing": _l("The name is missing."),
    "name_too_long": _l("The name is longer than %(max)d characters.", max=NAME_MAX),
    "name_control": _l("The name contains invisible control characters."),
    "company_missing": _l("The company is missing."),
    "company_too_long": _l("The company name is longer than %(max)d characters.", max=COMPANY_MAX),
    "company_control": _l("The company name contains invisible control characters."),
    "company_unknown": _l("The company is unknown and no account manager is given for it."),
    "manager_invalid": _l("The company is unknown and the account manager is not the e-mail address of a sales user."),
    "language_missing": _l("The language is missing (nl or en)."),
    "language_unknown": _l("The language is unknown: use nl or en."),
    "too_many_fields": _l("The row has more fields than the header row; check for a separator inside a value."),
    "duplicate": _l("The same e-mail address is already on an earlier line; the first one counts."),
    "staff_account": _l("This e-mail address belongs to a staff account, not a customer."),
}
OUTCOME_LABELS = {IMPORTED: _l("Imported"), EXISTING: _l("Already a participant"), BAD: _l("Not imported")}
LANGUAGE_WORDS = {"nl": "nl", "nederlands": "nl", "dutch": "nl", "en": "en", "english": "en", "engels": "en"}


@dataclass
class ImportRow:
    line: int
    email: str
    name: str
    company: str
    locale: str | None = None
    outcome: str = BAD
    reasons: list[str] = field(default_factory=list)
    duplicate_of: int | None = None


@dataclass
class ImportResult:
    rows: list[ImportRow]
    empty_lines: int
    delimiter: str
    ignored_columns: list[str]
    new_companies: list[str] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for row in self.rows if row.outcome == outcome)


def _language(value: str) -> str | None:
    word = value.strip().lower()
    if word in LANGUAGE_WORDS:
        return LANGUAGE_WORDS[word]
    base = re.split(r"[-_]", word, maxsplit=1)[0]  # nl-BE, en_GB
    return base if base in LOCALES and base != word else None


def _check_fields(row: ImportRow, language: str) -> None:
    """The reasons a row cannot be used on its own, before anything is looked up."""
    problem = email_problem(row.email)
    if problem:
        row.reasons.append(problem)
    if not row.name:
        row.reasons.append("name_missing")
    elif len(row.name) > NAME_MAX:
        row.reasons.append("name_too_long")
    elif has_control_chars(row.name):
        row.reasons.append("name_control")
    if not row.company:
        row.reasons.append("company_missing")
    elif len(row.company) > COMPANY_MAX:
        row.reasons.append("company_too_long")
    elif has_control_chars(row.company):
        row.reasons.append("company_control")
    if not language.strip():
        row.reasons.append("language_missing")
    else:
        row.locale = _language(language)
        if row.locale is None:
            row.reasons.append("language_unknown")


def import_participants(parsed: ParsedFile, send_invitations: bool, actor: User) -> ImportResult:
    """Check every row, add the good ones and queue their invitations (flush only; the route commits).

    A fixed number of reads whatever the size of the file: the e-mail addresses, the companies and
    the account managers are each looked up in one query. After that: only inserts.
    """
    columns = parsed.columns

    def cell(fields: list[str], name: str) -> str:
        index = columns.get(name)
        return fields[index] if index is not None and index < len(fields) else ""

    rows: list[ImportRow] = []
    managers_named: dict[int, str] = {}
    for line, fields in parsed.rows:
        row = ImportRow(
            line=line,
            email=normalise_email(cell(fields, "email")),
            name=squash(cell(fields, "name")),
            company=squash(cell(fields, "company")),
        )
        _check_fields(row, cell(fields, "language"))
        if any(value.strip() for value in fields[parsed.header_length:]):
            row.reasons.append("too_many_fields")
        managers_named[line] = normalise_email(cell(fields, "account_manager"))
        rows.append(row)

    emails = {row.email for row in rows if not row.reasons}
    existing_roles = dict(db.session.execute(select(User.email, User.role).where(User.email.in_(emails))).all()) if emails else {}
    names = {row.company.lower() for row in rows if row.company and len(row.company) <= COMPANY_MAX}
    companies: dict[str, Company] = {}
    if names:
        for company in db.session.scalars(select(Company).where(func.lower(Company.name).in_(names)).order_by(Company.id)):
            companies.setdefault(company.name.lower(), company)
    wanted_managers = {
        managers_named[row.line] for row in rows
        if row.company.lower() not in companies and managers_named[row.line] and len(managers_named[row.line]) <= EMAIL_MAX
    }
    managers = {
        manager.email: manager
        for manager in db.session.scalars(
            select(User).where(User.email.in_(wanted_managers), User.role == SALES, User.is_active.is_(True))
        )
    } if wanted_managers else {}

    result = ImportResult(rows, parsed.empty_lines, parsed.delimiter, parsed.ignored_columns)
    first_line: dict[str, int] = {}
    new_people: list[tuple[ImportRow, Company]] = []
    for row in rows:
        company = companies.get(row.company.lower()) if row.company else None
        if company is None and row.company and "company_too_long" not in row.reasons and "company_control" not in row.reasons:
            manager_email = managers_named[row.line]
            if not manager_email:
                row.reasons.append("company_unknown")
            elif manager_email not in managers:
                row.reasons.append("manager_invalid")
        if row.reasons:
            continue
        if row.email in first_line:
            row.reasons.append("duplicate")
            row.duplicate_of = first_line[row.email]
            continue
        role = existing_roles.get(row.email)
        if role is not None and role != CUSTOMER:
            row.reasons.append("staff_account")
            continue
        first_line[row.email] = row.line
        if role == CUSTOMER:
            row.outcome = EXISTING
            continue
        if company is None:
            company = Company(name=row.company, account_manager=managers[managers_named[row.line]])
            db.session.add(company)
            companies[row.company.lower()] = company
            result.new_companies.append(row.company)
        row.outcome = IMPORTED
        new_people.append((row, company))

    for row, company in new_people:
        user = User(email=row.email, name=row.name, role=CUSTOMER, locale=row.locale)
        db.session.add(user)
        user.company = company  # once the user is in the session, so the backref needs no load
        if send_invitations:
            # One at a time: invite() flushes, so the row goes in with invited_at already set
            # (one INSERT, no UPDATE afterwards).
            invite(user, invited_by=actor)
    db.session.flush()
    return result


def _clip(value: str, size: int) -> str:
    return value if len(value) <= size else value[: size - 1] + "…"


def _report_details(result: ImportResult, filename: str, send_invitations: bool) -> dict:
    """What the report page and its CSV need, kept as the audit entry's details."""
    return {
        "file": filename,
        "delimiter": result.delimiter,
        "invitations": send_invitations,
        "counts": {
            "rows": len(result.rows), IMPORTED: result.count(IMPORTED), EXISTING: result.count(EXISTING),
            BAD: result.count(BAD), "empty_lines": result.empty_lines,
        },
        "new_companies": [_clip(name, 80) for name in result.new_companies],
        "ignored_columns": result.ignored_columns,
        # Compact rows: [line, e-mail, name, outcome, reasons, line of the first occurrence].
        "rows": [
            [row.line, _clip(row.email, 120), _clip(row.name, 80) if row.outcome == BAD else "", row.outcome,
             row.reasons, row.duplicate_of]
            for row in result.rows
        ],
    }


def import_file(raw: bytes, filename: str, send_invitations: bool, actor: User, max_bytes: int) -> AuditEntry:
    """Read the uploaded bytes, import the people in them and keep the report as the audit entry
    (flush only). Raises ImportFileError when the file cannot be used: nothing is added then."""
    filename = _clip(squash("".join(ch for ch in (filename or "") if not has_control_chars(ch))), 120)
    if len(raw) > max_bytes:
        raise ImportFileError(_("The file is larger than 2 MB. Split it into smaller files."))
    result = import_participants(parse_csv(decode_csv(raw)), send_invitations, actor)
    return record(actor, IMPORT_ACTION, None, filename or "upload.csv",
                  **_report_details(result, filename, send_invitations))


# --- Reading a report back ----------------------------------------------------------------------

@dataclass
class ReportRow:
    line: int
    email: str
    name: str
    outcome: str
    reasons: list[str]

    @property
    def outcome_label(self) -> str:
        return str(OUTCOME_LABELS.get(self.outcome, self.outcome))


def import_report(report_id: int) -> AuditEntry | None:
    """The audit entry of an import, or None when `report_id` is anything else."""
    entry = db.session.get(AuditEntry, report_id)
    if entry is None or entry.action != IMPORT_ACTION or not isinstance(entry.details, dict):
        return None
    return entry


def report_rows(entry: AuditEntry) -> list[ReportRow]:
    rows = []
    for line, email, name, outcome, codes, duplicate_of in entry.details.get("rows", []):
        reasons = []
        for code in codes:
            if code == "duplicate" and duplicate_of:
                reasons.append(_("The same e-mail address is already on line %(line)d; the first one counts.", line=duplicate_of))
            else:
                reasons.append(str(REASONS.get(code, code)))
        rows.append(ReportRow(line, email, name, outcome, reasons))
    return rows


def recent_imports(limit: int = 10) -> list:
    """(id, created_at, summary, who) of the latest imports, newest first."""
    return db.session.execute(
        select(AuditEntry.id, AuditEntry.created_at, AuditEntry.summary, User.name)
        .outerjoin(User, User.id == AuditEntry.actor_id)
        .where(AuditEntry.action == IMPORT_ACTION)
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .limit(limit)
    ).all()

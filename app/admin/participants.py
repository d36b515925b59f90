"""Participants: find, invite, import and deactivate customers.

The list is one aggregate query per page (points, level and last activity are correlated
subqueries on indexed columns), so it costs the same with ten customers or ten thousand.

CSV import rules, also explained on the import page:
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

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from email_validator import EmailNotValidError, validate_email
from flask import Blueprint, abort, current_app, flash, request, url_for
from flask_babel import format_decimal, get_locale, gettext as _, lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileField
from sqlalchemy import case, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, IntegerField, RadioField, SearchField, SelectField, StringField
from wtforms.validators import AnyOf, InputRequired, Length, NumberRange, Optional, ValidationError

from app.audit import services as audit
from app.audit.models import AuditEntry
from app.auth.models import CUSTOMER, LOCALES, MARKETER, SALES, Company, User, normalise_email
from app.auth.services import AccountError, create_user, invite
from app.extensions import db
from app.forms import Form
from app.htmx import redirect_to, render, wants_fragment
from app.journey.models import Level, LevelUnlock, Submission
from app.main.forms import LANGUAGE_NAMES
from app.pagination import paginate
from app.points.models import PointsEntry
from app.points.services import EARNED
from app.security import is_safe_redirect, roles
from app.spreadsheet import csv_download

try:  # WTForms 3.3 deprecates tuple choices; older 3.x only knows tuples.
    from wtforms.fields.choices import SelectChoice
except ImportError:  # pragma: no cover
    SelectChoice = None

bp = Blueprint("admin_participants", __name__)

PER_PAGE = 25
RESULTS_ID = "participants-results"
ACTIVE, INACTIVE, INVITED = "active", "inactive", "invited"
STATUS_LABELS = {ACTIVE: _l("Active"), INVITED: _l("Invited"), INACTIVE: _l("Deactivated")}
SORTS = {"name": _l("Name (A–Z)"), "points": _l("Points (most first)"), "activity": _l("Last activity (recent first)")}
MAX_POINTS_FILTER = 1_000_000_000
FILTERS = ("q", "company", "level", "min_points", "status", "sort")

# Column widths of the users and companies tables.
EMAIL_MAX, NAME_MAX, COMPANY_MAX = 254, 120, 200


def _choices(pairs, lang: bool = False) -> list:
    if SelectChoice is None:  # pragma: no cover
        return list(pairs)
    return [SelectChoice(value, label, render_kw={"lang": value} if lang else {}) for value, label in pairs]


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _squash(value):
    """Inner runs of whitespace (also tabs and newlines) become one space."""
    return " ".join(value.split()) if isinstance(value, str) else value


def _has_control_chars(value: str) -> bool:
    return any(unicodedata.category(ch) == "Cc" for ch in value)


def email_problem(address: str) -> str | None:
    """Why an e-mail address cannot be used (a reason code), or None. The address is normalised."""
    if not address:
        return "email_missing"
    if len(address) > EMAIL_MAX:
        return "email_too_long"
    try:
        # Only the syntax: no DNS look-ups, and an ASCII mailbox name so every mail server takes it.
        validate_email(address, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        return "email_invalid"
    return None


# --- The list ----------------------------------------------------------------------------------

def _points():
    return (
        select(EARNED).where(PointsEntry.user_id == User.id).correlate(User).scalar_subquery()
    )


def _level():
    highest = (
        select(func.max(Level.position))
        .join(LevelUnlock, LevelUnlock.level_id == Level.id)
        .where(LevelUnlock.user_id == User.id)
        .correlate(User)
        .scalar_subquery()
    )
    return func.coalesce(highest, 1)


def _last_submission():
    return select(func.max(Submission.created_at)).where(Submission.user_id == User.id).correlate(User).scalar_subquery()


def _status():
    return case(
        (User.is_active.is_(False), INACTIVE),
        (User.password_hash.is_(None), INVITED),
        else_=ACTIVE,
    )


def _last_activity(last_submission):
    # The later of the last sign-in and the last submission; either may be missing. A comparison
    # with NULL is not true, so a missing submission falls through to the sign-in.
    login = User.last_login_at
    return case((login.is_(None) | (last_submission > login), last_submission), else_=login)


class Columns:
    """The computed columns of a participant row: expressions for WHERE, labels for SELECT and ORDER BY."""

    def __init__(self) -> None:
        self.points = _points()
        self.level = _level()
        self.status = _status()
        self.last_activity = _last_activity(_last_submission())
        self.labels = [
            self.points.label("points"), self.level.label("level"),
            self.last_activity.label("last_activity"), self.status.label("status"),
        ]

    def label(self, name: str):
        return next(label for label in self.labels if label.name == name)


def participants_query(cols: Columns | None = None):
    """Customers with their company, points earned, level, last activity and status: one query."""
    cols = cols or Columns()
    return (
        select(User, *cols.labels)
        .outerjoin(User.company)
        .options(contains_eager(User.company))
        .where(User.role == CUSTOMER)
    )


@dataclass
class Participant:
    user: User
    points: int
    level: int
    last_activity: datetime | None
    status: str

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])


def _participant(row) -> Participant:
    user, points, level, last_activity, status = row
    return Participant(user, int(points or 0), int(level or 1), last_activity, status)


def participant_row(user_id: int) -> Participant | None:
    row = db.session.execute(participants_query().where(User.id == user_id)).first()
    return _participant(row) if row else None


class FilterForm(Form):
    class Meta:
        csrf = False  # a GET form that only reads

    q = SearchField(
        _l("Search by name or e-mail"), filters=[_strip],
        validators=[Optional(), Length(max=200, message=_l("Use at most %(max)d characters.", max=200))],
    )
    company = SelectField(_l("Company"), default="")
    level = SelectField(_l("Level"), default="")
    min_points = IntegerField(
        _l("At least … points"),
        validators=[Optional(), NumberRange(min=0, max=MAX_POINTS_FILTER, message=_l("Enter a whole number of 0 or more."))],
        render_kw={"min": 0, "inputmode": "numeric"},
    )
    status = SelectField(_l("Status"), choices=_choices([
        ("", _l("Any status")), (ACTIVE, _l("Active")), (INVITED, _l("Invited, not activated yet")), (INACTIVE, _l("Deactivated")),
    ]), default="")
    sort = SelectField(_l("Sort by"), choices=_choices(SORTS.items()), default="name")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.company.choices = _choices([("", _("All companies"))] + [
            (str(cid), name) for cid, name in db.session.execute(select(Company.id, Company.name).order_by(Company.name))
        ])
        levels = list(db.session.execute(select(Level.position, Level.name_nl, Level.name_en).order_by(Level.position)))
        english = str(get_locale()) == "en"
        options = [
            (str(position), _("Level %(n)d: %(name)s", n=position, name=name_en if english else name_nl))
            for position, name_nl, name_en in levels
        ]
        self.level.choices = _choices([("", _("Any level"))] + (options or [("1", _("Level %(n)d", n=1))]))


def _filtered(form: FilterForm, valid: set[str]):
    cols = Columns()
    query = participants_query(cols)
    q = form.q.data if "q" in valid else None
    if q:
        term = q.lower()
        query = query.where(
            or_(func.lower(User.name).contains(term, autoescape=True), func.lower(User.email).contains(term, autoescape=True))
        )
    if "company" in valid and form.company.data:
        query = query.where(User.company_id == int(form.company.data))
    if "level" in valid and form.level.data:
        query = query.where(cols.level == int(form.level.data))
    if "min_points" in valid and form.min_points.data is not None:
        query = query.where(cols.points >= form.min_points.data)
    if "status" in valid and form.status.data:
        query = query.where(cols.status == form.status.data)
    sort = form.sort.data if "sort" in valid and form.sort.data in SORTS else "name"
    if sort == "points":
        order = (cols.label("points").desc(), func.lower(User.name))
    elif sort == "activity":
        order = (cols.label("last_activity").desc().nulls_last(), func.lower(User.name))
    else:
        order = (func.lower(User.name),)
    return query.order_by(*order, User.id)


def _list_args(form: FilterForm, valid: set[str]) -> dict[str, str]:
    """The filters in effect, as URL arguments (for the pager and the way back after an action)."""
    args = {}
    for name in FILTERS:
        value = form[name].data
        if name in valid and value not in (None, "") and not (name == "sort" and value == "name"):
            args[name] = str(value)
    return args


@bp.route("/admin/participants")
@roles(MARKETER)
def index():
    # Only the filters this form knows, each once: a hostile query string cannot add anything.
    formdata = MultiDict({key: request.args[key] for key in FILTERS if key in request.args})
    form = FilterForm(formdata=formdata)
    valid_form = form.validate()
    valid = {name for name in FILTERS if not form[name].errors}
    page = paginate(_filtered(form, valid), per_page=PER_PAGE)
    rows = [_participant(row) for row in page.items]
    args = _list_args(form, valid)
    back = url_for(".index", **args, page=page.page if page.page > 1 else None)  # where a row action returns to
    context = dict(form=form, page=page, rows=rows, args=args, back=back, filtered=bool(set(args) - {"sort"}))
    status = 200 if valid_form else 422
    if wants_fragment() and request.htmx.target == RESULTS_ID:
        response = render("admin/participants/_results.html", status=status, **context)
        if status == 200:  # the address bar gets the tidy URL, without the empty fields
            response.headers["HX-Push-Url"] = context["back"]
        return response
    return render("admin/participants/index.html", status=status, **context)


# --- Invite one ----------------------------------------------------------------------------------

def _language_choices():
    return _choices(LANGUAGE_NAMES.items(), lang=True)


class InviteForm(Form):
    email = StringField(
        _l("E-mail address"), filters=[_strip],
        validators=[InputRequired(_l("Enter an e-mail address.")),
                    Length(max=EMAIL_MAX, message=_l("Use at most %(max)d characters.", max=EMAIL_MAX))],
        render_kw={"autocomplete": "off", "type": "email", "spellcheck": "false"},
    )
    name = StringField(
        _l("Name"), filters=[_strip, _squash],
        validators=[InputRequired(_l("Enter the person's name.")),
                    Length(max=NAME_MAX, message=_l("Use at most %(max)d characters.", max=NAME_MAX))],
        render_kw={"autocomplete": "off"},
    )
    company = StringField(
        _l("Company"), filters=[_strip, _squash],
        validators=[InputRequired(_l("Choose a company or type the name of a new one.")),
                    Length(max=COMPANY_MAX, message=_l("Use at most %(max)d characters.", max=COMPANY_MAX))],
        description=_l("Choose an existing company from the suggestions or type the name of a new one."),
        render_kw={"list": "company-names", "autocomplete": "off"},
    )
    account_manager = SelectField(
        _l("Account manager (for a new company)"), validate_choice=False,
        description=_l("Only needed when the company is new: the sales colleague who looks after it."),
    )
    locale = RadioField(
        _l("Language"), choices=_language_choices(), default="nl", validate_choice=False,
        validators=[InputRequired(_l("Choose a language.")),
                    AnyOf(tuple(LANGUAGE_NAMES), message=_l("Choose Nederlands or English."))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.account_manager.choices = _choices([("", _("Choose an account manager"))] + [
            (str(uid), f"{name} ({email})")
            for uid, name, email in db.session.execute(
                select(User.id, User.name, User.email).where(User.role == SALES, User.is_active.is_(True)).order_by(User.name)
            )
        ])
        self.existing_company: Company | None = None
        self.chosen_manager: User | None = None

    def validate_email(self, field) -> None:
        address = normalise_email(field.data)
        problem = email_problem(address)
        if problem:
            raise ValidationError(str(REASONS[problem]))
        if User.by_email(address) is not None:  # said together with any other problem in the form
            raise ValidationError(already_taken(address))

    def validate_name(self, field) -> None:
        if field.data and _has_control_chars(field.data):
            raise ValidationError(_("Remove the invisible control characters."))

    def validate_company(self, field) -> None:
        if not field.data:
            return
        if _has_control_chars(field.data):
            raise ValidationError(_("Remove the invisible control characters."))
        self.existing_company = db.session.scalar(
            select(Company).where(func.lower(Company.name) == field.data.lower()).order_by(Company.id).limit(1)
        )

    def validate_account_manager(self, field) -> None:
        if self.existing_company is not None or self.company.errors or not self.company.data:
            return
        manager = None
        if field.data and str(field.data).isdigit() and len(str(field.data)) < 12:
            manager = db.session.get(User, int(field.data))
        if manager is None or manager.role != SALES or not manager.is_active:
            raise ValidationError(
                _("“%(company)s” is a new company: choose its account manager (or check the spelling of the company).",
                  company=self.company.data)
            )
        self.chosen_manager = manager


def _company_names() -> list[str]:
    return list(db.session.scalars(select(Company.name).order_by(Company.name)))


@bp.route("/admin/participants/invite", methods=["GET", "POST"])
@roles(MARKETER)
def index_invite():
    form = InviteForm()
    if request.method == "POST":
        if form.validate():
            user = _invite_one(form)
            if user is not None:
                flash(_("Invitation sent to %(name)s (%(email)s).", name=user.name, email=user.email), "success")
                return redirect_to(url_for(".index", q=user.email))
        return render("admin/participants/invite.html", form=form, company_names=_company_names(), status=422)
    return render("admin/participants/invite.html", form=form, company_names=_company_names())


def _invite_one(form: InviteForm) -> User | None:
    """Create the customer (and a new company), queue the invitation, audit: one transaction."""
    company = form.existing_company
    new_company = company is None
    if new_company:
        company = Company(name=form.company.data, account_manager=form.chosen_manager)
        db.session.add(company)
    try:
        user = create_user(form.email.data, form.name.data, CUSTOMER, locale=form.locale.data, company=company)
        invite(user, invited_by=current_user)
        audit.record(current_user, "participant.invite", user, user.email,
                     company=company.name, new_company=new_company, locale=user.locale)
        db.session.commit()
        return user
    except AccountError:
        db.session.rollback()
    except IntegrityError:  # added at this very moment by someone else (the e-mail or the company)
        db.session.rollback()
        if normalise_email(form.email.data) and User.by_email(form.email.data) is None:
            form.company.errors.append(_("Someone just added this company. Send the form again to use it."))
            return None
    form.email.errors.append(already_taken(normalise_email(form.email.data)))
    return None


def already_taken(address: str) -> str:
    return _("There is already an account for %(email)s. Find the person in the list of participants.", email=address)


# --- Resend, deactivate, reactivate ------------------------------------------------------------

def _customer_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)  # ids beyond the database's range are a 404 already (app.DatabaseInt)
    if user is None or user.role != CUSTOMER:
        abort(404)
    return user


def _back() -> str:
    target = request.form.get("next", "")
    if is_safe_redirect(target) and target.startswith(url_for(".index")):
        return target
    return url_for(".index")


def _answer(user: User, message: str, category: str):
    """htmx: the updated row with the message in it. Without JavaScript: back to the list with a flash."""
    back = _back()
    if wants_fragment():
        row = participant_row(user.id)
        return render("admin/participants/_row.html", row=row, back=back, message=message, category=category)
    flash(message, category)
    return redirect_to(back)


@bp.route("/admin/participants/<int:user_id>/resend", methods=["POST"])
@roles(MARKETER)
def index_resend(user_id: int):
    user = _customer_or_404(user_id)
    if user.has_password:
        return _answer(user, _("%(name)s has already chosen a password and can sign in: no invitation needed.",
                                name=user.name), "error")
    if not user.is_active:
        return _answer(user, _("%(name)s is deactivated. Reactivate the account first.", name=user.name), "error")
    invite(user, invited_by=current_user)
    audit.record(current_user, "participant.resend_invitation", user, user.email)
    db.session.commit()
    return _answer(user, _("A new invitation is on its way to %(email)s.", email=user.email), "success")


@bp.route("/admin/participants/<int:user_id>/deactivate", methods=["POST"])
@roles(MARKETER)
def index_deactivate(user_id: int):
    user = _customer_or_404(user_id)
    if not user.is_active:
        return _answer(user, _("%(name)s was already deactivated.", name=user.name), "info")
    user.is_active = False
    user.end_sessions()  # signed out everywhere, also from remembered devices
    audit.record(current_user, "participant.deactivate", user, user.email)
    db.session.commit()
    return _answer(user, _("%(name)s is deactivated and can no longer sign in.", name=user.name), "success")


@bp.route("/admin/participants/<int:user_id>/reactivate", methods=["POST"])
@roles(MARKETER)
def index_reactivate(user_id: int):
    user = _customer_or_404(user_id)
    if user.is_active:
        return _answer(user, _("%(name)s is already active.", name=user.name), "info")
    user.is_active = True
    audit.record(current_user, "participant.reactivate", user, user.email)
    db.session.commit()
    return _answer(user, _("%(name)s is active again.", name=user.name), "success")


# --- CSV import ----------------------------------------------------------------------------------

MAX_ROWS = 5_000
REPORT_ROWS_SHOWN = 1_000
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

# Header names (lower case, spaces and dashes as underscores) → our column. Dutch names are welcome.
HEADER_ALIASES = {
    "email": "email", "e_mail": "email", "email_address": "email", "e_mail_address": "email", "e_mailadres": "email",
    "emailadres": "email",
    "name": "name", "naam": "name", "full_name": "name",
    "company": "company", "bedrijf": "company", "organisation": "company", "organization": "company",
    "language": "language", "taal": "language", "locale": "language",
    "account_manager": "account_manager", "accountmanager": "account_manager", "account_manager_email": "account_manager",
}
REQUIRED_COLUMNS = ("email", "name", "company", "language")
LANGUAGE_WORDS = {"nl": "nl", "nederlands": "nl", "dutch": "nl", "en": "en", "english": "en", "engels": "en"}


class ImportFileError(ValueError):
    """The file as a whole cannot be read; nothing is imported."""


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


def _header_key(value: str) -> str:
    return re.sub(r"[\s\-]+", "_", value.strip().strip("\ufeff").strip().lower())


def _language(value: str) -> str | None:
    word = value.strip().lower()
    if word in LANGUAGE_WORDS:
        return LANGUAGE_WORDS[word]
    base = re.split(r"[-_]", word, maxsplit=1)[0]  # nl-BE, en_GB
    return base if base in LOCALES and base != word else None


def decode_csv(raw: bytes) -> str:
    if not raw.strip():
        raise ImportFileError(_("The file is empty."))
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFileError(_("The file is saved as UTF-16. Save it as “CSV UTF-8” and upload it again."))
    if b"\x00" in raw:
        raise ImportFileError(_("The file contains NUL bytes: it is not a CSV text file (an Excel workbook, perhaps?). "
                                "In Excel, use “Save as” and choose “CSV UTF-8”."))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(
            _("The file is not UTF-8 text. In Excel, save it as “CSV UTF-8 (comma delimited)” and upload it again.")
        ) from None
    if not text.strip():
        raise ImportFileError(_("The file is empty."))
    return text


@dataclass
class ParsedFile:
    delimiter: str
    columns: dict[str, int]  # our column → index in the row
    header_length: int
    ignored_columns: list[str]
    rows: list[tuple[int, list[str]]]  # (line number where the row starts, fields)
    empty_lines: int


def _sniff(text: str) -> str:
    """Comma or semicolon: whichever makes the header row name more of our columns."""
    first_line = next(iter(text.splitlines()), "")
    best: tuple[tuple[int, int], str] | None = None
    for delimiter in (",", ";"):
        try:
            header = next(csv.reader([first_line], delimiter=delimiter), [])
        except csv.Error:
            continue
        known = sum(1 for name in header if _header_key(name) in HEADER_ALIASES)
        score = (known, len(header))
        if best is None or score > best[0]:
            best = (score, delimiter)
    return best[1] if best else ","


def parse_csv(text: str) -> ParsedFile:
    """Read the header and the rows. Raises ImportFileError for a file that cannot be used at all."""
    delimiter = _sniff(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise ImportFileError(_("The header row cannot be read (%(reason)s).", reason=str(exc)[:200])) from None
    if not header or not any(cell.strip() for cell in header):
        raise ImportFileError(_("The first line must be a header row with the columns email, name, company and language."))
    columns: dict[str, int] = {}
    ignored: list[str] = []
    for index, cell in enumerate(header):
        key = HEADER_ALIASES.get(_header_key(cell))
        if key is None:
            if cell.strip():
                ignored.append(cell.strip()[:60])
            continue
        if key in columns:
            raise ImportFileError(_("The column “%(column)s” appears twice in the header row.", column=key))
        columns[key] = index
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise ImportFileError(
            _("The header row lacks the columns: %(columns)s. The first line must name the columns email, name, "
              "company and language (and optionally account_manager).", columns=", ".join(missing))
        )
    rows: list[tuple[int, list[str]]] = []
    empty = 0
    line = reader.line_num
    while True:
        start = line + 1
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise ImportFileError(
                _("Line %(line)d cannot be read (%(reason)s). Nothing was imported.", line=start, reason=str(exc)[:200])
            ) from None
        line = reader.line_num
        if not any(cell.strip() for cell in fields):
            empty += 1
            continue
        if len(rows) == MAX_ROWS:
            raise ImportFileError(
                _("The file has more than %(max)s rows. Split it into files of at most %(max)s rows each.",
                  max=format_decimal(MAX_ROWS))
            )
        rows.append((start, fields))
    if not rows:
        raise ImportFileError(_("The file has a header row but no people in it."))
    return ParsedFile(delimiter, columns, len(header), ignored, rows, empty)


def _check_fields(row: ImportRow, language: str) -> None:
    """The reasons a row cannot be used on its own, before anything is looked up."""
    problem = email_problem(row.email)
    if problem:
        row.reasons.append(problem)
    if not row.name:
        row.reasons.append("name_missing")
    elif len(row.name) > NAME_MAX:
        row.reasons.append("name_too_long")
    elif _has_control_chars(row.name):
        row.reasons.append("name_control")
    if not row.company:
        row.reasons.append("company_missing")
    elif len(row.company) > COMPANY_MAX:
        row.reasons.append("company_too_long")
    elif _has_control_chars(row.company):
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
            name=_squash(cell(fields, "name")),
            company=_squash(cell(fields, "company")),
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


class ImportForm(Form):
    file = FileField(_l("CSV file"), description=_l("A .csv file with a header row."),
                     render_kw={"accept": ".csv,text/csv,text/plain"})
    send_invitations = BooleanField(_l("Send the invitation e-mail to the people who are added"), default=True)

    def validate_file(self, field) -> None:
        upload = field.data
        if upload is None or not getattr(upload, "filename", None):
            raise ValidationError(_("Choose a CSV file to upload."))


@bp.route("/admin/participants/import", methods=["GET", "POST"])
@roles(MARKETER)
def index_import():
    form = ImportForm()
    if request.method == "GET":
        return _import_page(form)
    if form.validate():
        upload = form.file.data
        raw = upload.stream.read(current_app.config["MAX_CONTENT_LENGTH"] + 1)
        filename = _clip(_squash("".join(ch for ch in (upload.filename or "") if not _has_control_chars(ch))), 120)
        try:
            if len(raw) > current_app.config["MAX_CONTENT_LENGTH"]:
                raise ImportFileError(_("The file is larger than 2 MB. Split it into smaller files."))
            parsed = parse_csv(decode_csv(raw))
            result = import_participants(parsed, form.send_invitations.data, current_user)
            entry = audit.record(
                current_user, IMPORT_ACTION, None, filename or "upload.csv",
                **_report_details(result, filename, form.send_invitations.data),
            )
            report_id = entry.id  # read before the commit expires it (and would reload the whole report)
            db.session.commit()
        except ImportFileError as exc:
            db.session.rollback()
            form.file.errors.append(str(exc))
        except IntegrityError:  # someone added one of these people or companies at the same moment
            db.session.rollback()
            form.file.errors.append(_("Someone else added some of these people or companies just now. Import the file again: "
                                      "nobody is added twice."))
        else:
            flash(_("The file is imported. Here is what happened to every row."), "success")
            return redirect_to(url_for(".index_import_report", report_id=report_id))
    return _import_page(form, status=422)


def _import_page(form: ImportForm, status: int = 200):
    recent = db.session.execute(
        select(AuditEntry.id, AuditEntry.created_at, AuditEntry.summary, User.name)
        .outerjoin(User, User.id == AuditEntry.actor_id)
        .where(AuditEntry.action == IMPORT_ACTION)
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .limit(10)
    ).all()
    return render("admin/participants/import.html", form=form, recent=recent, max_rows=MAX_ROWS, status=status)


def _report_or_404(report_id: int) -> AuditEntry:
    entry = db.session.get(AuditEntry, report_id)
    if entry is None or entry.action != IMPORT_ACTION or not isinstance(entry.details, dict):
        abort(404)
    return entry


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


def _report_rows(entry: AuditEntry) -> list[ReportRow]:
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


@bp.route("/admin/participants/imports/<int:report_id>")
@roles(MARKETER)
def index_import_report(report_id: int):
    entry = _report_or_404(report_id)
    rows = _report_rows(entry)
    bad = [row for row in rows if row.outcome == BAD]
    existing = [row for row in rows if row.outcome == EXISTING]
    return render(
        "admin/participants/report.html", entry=entry, details=entry.details, counts=entry.details.get("counts", {}),
        bad=bad, existing=existing, shown=REPORT_ROWS_SHOWN,
    )


@bp.route("/admin/participants/imports/<int:report_id>/report.csv")
@roles(MARKETER)
def index_import_report_csv(report_id: int):
    entry = _report_or_404(report_id)
    delimiter = entry.details.get("delimiter") if entry.details.get("delimiter") in (",", ";") else ","
    rows = [[row.line, row.email, row.name, row.outcome_label, " ".join(row.reasons)] for row in _report_rows(entry)]
    # Names and e-mail addresses: csv_download marks it private (no-store).
    response = csv_download([_("Line"), _("E-mail address"), _("Name"), _("Result"), _("Reason")], rows,
                            f"import-report-{entry.id}.csv", delimiter=delimiter)
    return response

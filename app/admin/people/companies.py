"""Company pages for marketing and admins: the list, a new company, and one company's page
(rename, account manager, merge a duplicate with a preview of what moves)."""
from __future__ import annotations

from flask import Blueprint, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict

from app.admin.people.forms import (
    AccountManagerForm,
    CompanyNameForm,
    CompanySearchForm,
    ConfirmMergeForm,
    MergeForm,
    NewCompanyForm,
)
from app.auth.models import MARKETER, Company
from app.auth.services import AccountError
from app.extensions import db
from app.htmx import redirect_to, render
from app.pagination import paginate
from app.participants import companies
from app.security import roles

bp = Blueprint("admin_companies", __name__)

PER_PAGE = 25


@bp.route("/admin/companies")
@roles(MARKETER)
def index():
    form = CompanySearchForm(formdata=MultiDict({"q": request.args["q"]} if "q" in request.args else {}))
    valid = form.validate()
    q = form.q.data if valid else None
    page = paginate(companies.companies_query(q), per_page=PER_PAGE)
    args = {"q": q} if q else {}
    return render("admin/people/companies.html", form=form, page=page, args=args, status=200 if valid else 422)


def _name_taken(form) -> None:
    form.name.errors.append(_("There is already a company called “%(name)s”.", name=form.name.data))


@bp.route("/admin/companies/new", methods=["GET", "POST"])
@roles(MARKETER)
def index_new():
    form = NewCompanyForm()
    if request.method == "POST":
        if form.validate():
            try:
                company = companies.create_company(current_user, form.name.data, form.chosen_manager)
                company_id = company.id
                db.session.commit()
            except AccountError as exc:
                db.session.rollback()
                form.name.errors.append(str(exc))
            except IntegrityError:  # the same name, added at this very moment
                db.session.rollback()
                _name_taken(form)
            else:
                flash(_("The company %(name)s is added.", name=form.name.data), "success")
                return redirect_to(url_for(".index_company", company_id=company_id))
        return render("admin/people/company_new.html", form=form, status=422)
    return render("admin/people/company_new.html", form=form)


def _company_page(company: Company, status: int = 200, name_form=None, manager_form=None, merge_form=None):
    name_form = name_form or CompanyNameForm(formdata=None, name=company.name)
    manager_form = manager_form or AccountManagerForm(formdata=None, account_manager=str(company.account_manager_id))
    merge_form = merge_form or MergeForm(formdata=None, company_choices=companies.company_choices(company.id))
    return render("admin/people/company.html", company=company, counts=companies.belongings(company.id),
                  name_form=name_form, manager_form=manager_form, merge_form=merge_form, status=status)


@bp.route("/admin/companies/<int:company_id>")
@roles(MARKETER)
def index_company(company_id: int):
    return _company_page(db.get_or_404(Company, company_id))


@bp.route("/admin/companies/<int:company_id>/rename", methods=["POST"])
@roles(MARKETER)
def index_rename(company_id: int):
    company = db.get_or_404(Company, company_id)
    form = CompanyNameForm()
    if form.validate():
        try:
            companies.rename_company(current_user, company, form.name.data)
            db.session.commit()
        except AccountError as exc:
            db.session.rollback()
            form.name.errors.append(str(exc))
        except IntegrityError:
            db.session.rollback()
            _name_taken(form)
        else:
            flash(_("The company is now called %(name)s.", name=form.name.data), "success")
            return redirect_to(url_for(".index_company", company_id=company_id))
        company = db.get_or_404(Company, company_id)
    return _company_page(company, status=422, name_form=form)


@bp.route("/admin/companies/<int:company_id>/account-manager", methods=["POST"])
@roles(MARKETER)
def index_manager(company_id: int):
    company = db.get_or_404(Company, company_id)
    form = AccountManagerForm()
    if form.validate():
        try:
            moved = companies.set_account_manager(current_user, company, form.chosen_manager)
            db.session.commit()
        except AccountError as exc:
            db.session.rollback()
            form.account_manager.errors.append(str(exc))
            return _company_page(db.get_or_404(Company, company_id), status=422, manager_form=form)
        if moved is None:
            flash(_("%(name)s already looks after this company.", name=form.chosen_manager.name), "info")
        else:
            flash(_("%(name)s is now the account manager. Moved to them: %(follow_ups)d open NPS follow-up(s) and "
                    "%(asks)d ask(s) to follow up; %(referrals)d referral(s) now show in their pipeline. "
                    "Both have been told.", name=form.chosen_manager.name, follow_ups=moved.follow_ups,
                    asks=moved.asks, referrals=moved.referrals), "success")
        return redirect_to(url_for(".index_company", company_id=company_id))
    return _company_page(company, status=422, manager_form=form)


def _merge_target(company: Company, raw) -> tuple[Company | None, str | None]:
    text = str(raw or "")
    if not text:
        return None, _("Choose the company to keep.")
    if not (text.isascii() and text.isdigit() and 0 < int(text) <= 2**31 - 1):
        return None, _("Choose one of the options shown.")
    if int(text) == company.id:
        return None, _("A company cannot be merged into itself. Choose the other company.")
    target = db.session.get(Company, int(text))
    if target is None:
        return None, _("That company no longer exists. Choose another one.")
    return target, None


@bp.route("/admin/companies/<int:company_id>/merge", methods=["GET", "POST"])
@roles(MARKETER)
def index_merge(company_id: int):
    """GET: the preview of what moves (from the merge form on the company's page). POST: the merge."""
    company = db.get_or_404(Company, company_id)
    raw = request.form.get("into") if request.method == "POST" else request.args.get("into")
    target, problem = _merge_target(company, raw)
    if problem:
        merge_form = MergeForm(formdata=None, company_choices=companies.company_choices(company.id))
        merge_form.into.errors = [problem]
        return _company_page(company, status=422, merge_form=merge_form)
    if request.method == "GET":
        return render("admin/people/company_merge.html", company=company, target=target,
                      counts=companies.belongings(company.id), target_counts=companies.belongings(target.id),
                      form=ConfirmMergeForm(formdata=None, into=str(target.id)))
    form = ConfirmMergeForm()
    if not form.validate():  # the CSRF token
        return render("admin/people/company_merge.html", company=company, target=target, form=form,
                      counts=companies.belongings(company.id), target_counts=companies.belongings(target.id),
                      status=422)
    source_name, target_id = company.name, target.id
    try:
        companies.merge(current_user, company, target)
        db.session.commit()
    except (AccountError, IntegrityError):
        db.session.rollback()
        flash(_("The merge could not be made: someone changed these companies just now. Try again."), "error")
        return redirect_to(url_for(".index_company", company_id=company_id))
    flash(_("%(source)s is merged into %(target)s.", source=source_name, target=target.name), "success")
    return redirect_to(url_for(".index_company", company_id=target_id))

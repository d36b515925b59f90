"""How the log says what happened, in the language of whoever reads it.

Every action has a group and a label for the filter and the "what" column, and optionally a detail
template with named fields taken from the entry's details. An action without wording (one an area
added later) still reads: its humanised name, its object, and the fields it changed or named.
Areas that add actions call `register` once at import time.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from app.analytics.programme_models import GOAL_LABELS
from app.audit.objects import humanise
from app.i18n_content import localized_value
from app.money import money
from app.nps.labels import OUTCOME_LABELS

# Keys of `details` that are not named facts of their own.
RESERVED = {"summary_by_locale", "before", "after", "changes"}

GROUPS: dict[str, LazyString] = {
    "design": _l("Journey design"),
    "moderation": _l("Moderation and rewards"),
    "participants": _l("Participants"),
    "people": _l("Staff and companies"),
    "sales": _l("Sales"),
    "nps": _l("NPS"),
    "feedback": _l("Customer feedback"),
    "privacy": _l("Privacy"),
    "programme": _l("Programme"),
    "other": _l("Other"),
}


@dataclass(frozen=True)
class Wording:
    group: str
    label: LazyString
    detail: LazyString | None = None
    fields: Callable[[Mapping], dict] | None = None  # details → the template's named fields
    show_named: bool = False  # also list the details' named facts (e.g. settings saved as values)


ACTIONS: dict[str, Wording] = {}


def register(action: str, group: str, label: LazyString, detail: LazyString | None = None,
             fields: Callable[[Mapping], dict] | None = None, show_named: bool = False) -> None:
    ACTIONS[action] = Wording(group if group in GROUPS else "other", label, detail, fields, show_named)


def _places(d: Mapping) -> dict:
    position = d.get("position") if isinstance(d.get("position"), list) else [None, None]
    return {"from": position[0], "to": position[-1]}


def _counted(*names: str) -> Callable[[Mapping], dict]:
    return lambda d: {name: len(d.get(name) or []) if isinstance(d.get(name), list) else d.get(name) for name in names}


def _import_counts(d: Mapping) -> dict:
    counts = d.get("counts") if isinstance(d.get("counts"), Mapping) else {}
    return {name: counts.get(name, 0) for name in ("imported", "existing", "bad")}


def _erased_by(d: Mapping) -> dict:
    return {"who": _("at the customer's own request") if d.get("by_customer") else _("by an admin")}


def _reference_call(d: Mapping) -> dict:
    try:
        day = format_date(date.fromisoformat(d.get("called_on")))
    except (TypeError, ValueError):
        day = "–"
    return {"called_on": day, "prospect": d.get("prospect") or "–"}
def _feedback(d: Mapping) -> dict:
    kinds = {"idea": _("Idea"), "problem": _("Problem"), "praise": _("Praise")}
    return {"kind": kinds.get(d.get("kind"), value_text(d.get("kind"))),
            "answer": _("with an answer") if d.get("answered") else _("without an answer")}


# --- what is recorded today ---------------------------------------------------------------------
register("level.create", "design", _l("Level added"), _l("Points needed: %(threshold)s"))
register("level.update", "design", _l("Level changed"))
register("level.move", "design", _l("Level moved"), _l("From place %(from)s to %(to)s"), _places)
register("level.delete", "design", _l("Level deleted"))
register("level.publish", "design", _l("Level published"))
register("challenge.create", "design", _l("Challenge added"), _l("Type: %(type)s"))
register("challenge.update", "design", _l("Challenge changed"))
register("challenge.publish", "design", _l("Challenge published"))
register("challenge.unpublish", "design", _l("Challenge made a draft"))
register("challenge.archive", "design", _l("Challenge archived"))
register("challenge.delete", "design", _l("Challenge deleted"))
register("challenge.duplicate", "design", _l("Challenge duplicated"), _l("Copy of challenge #%(original)s"))
register("challenge.move", "design", _l("Challenge moved"), _l("From place %(from)s to %(to)s"), _places)
register("badge.create", "design", _l("Badge added"))
register("badge.update", "design", _l("Badge changed"))
register("badge.delete", "design", _l("Badge deleted"))
register("badge.activate", "design", _l("Badge activated"))
register("badge.deactivate", "design", _l("Badge deactivated"))
register("reward.create", "design", _l("Reward added"))
register("reward.update", "design", _l("Reward changed"))
register("reward.activate", "design", _l("Reward activated"))
register("reward.deactivate", "design", _l("Reward deactivated"))

register("submission.approve", "moderation", _l("Answer approved"), _l("%(points)s points awarded"))
register("submission.reject", "moderation", _l("Answer rejected"), _l("Note to the customer: %(note)s"))
register("redemption.fulfil", "moderation", _l("Reward claim fulfilled"))
register("redemption.cancel", "moderation", _l("Reward claim cancelled"),
         _l("%(points_returned)s points returned"))
register("library.export", "moderation", _l("Content library exported"), _l("%(rows)s items"))

register("participant.invite", "participants", _l("Customer invited"), _l("Company: %(company)s"))
register("participant.resend_invitation", "participants", _l("Invitation sent again"))
register("participant.deactivate", "participants", _l("Customer deactivated"))
register("participant.reactivate", "participants", _l("Customer reactivated"))
register("staff.invite", "people", _l("Colleague invited"))
register("staff.role", "people", _l("Colleague's role changed"))
register("staff.manager", "people", _l("Colleague's manager changed"))
register("staff.deactivate", "people", _l("Colleague deactivated"))
register("staff.reactivate", "people", _l("Colleague reactivated"))
register("staff.resend_invitation", "people", _l("Colleague's invitation sent again"))
register("staff.password_reset", "people", _l("Password reset link sent to a colleague"))
register("company.create", "people", _l("Company added"))
register("company.rename", "people", _l("Company renamed"))
register("company.account_manager", "people", _l("Account manager changed"))
register("company.merge", "people", _l("Companies merged"), _l("%(merged_name)s merged into this company"))
register("participant.update", "participants", _l("Customer's details changed"))
register("points.correct", "participants", _l("Points corrected"), _l("%(points)+d points: %(reason)s"))
register("participants.import", "participants", _l("Customers imported"),
         _l("%(imported)s imported, %(existing)s already taking part, %(bad)s refused"), _import_counts)

register("referral.new", "sales", _l("Introduction moved back to new"))
register("referral.contacted", "sales", _l("Introduction contacted"))
register("referral.meeting", "sales", _l("Introduction: meeting planned"))
register("referral.opportunity", "sales", _l("Introduction became an opportunity"))
register("referral.won", "sales", _l("Introduction won"))
register("referral.lost", "sales", _l("Introduction lost"))
register("referral.flag_cleared", "sales", _l("Sign-up approved after review"))
register("referral.flag_rejected", "sales", _l("Sign-up rejected after review"))
register("sales_ask.claim", "sales", _l("Customer claimed for the ask"))
register("sales_ask.yes", "sales", _l("Referral ask logged: yes"))
register("sales_ask.no", "sales", _l("Referral ask logged: no"))
register("sales_ask.later", "sales", _l("Referral ask logged: later"))
register("sales_ask.follow_up_done", "sales", _l("Ask follow-up done"))
register("referral.entered", "sales", _l("Referral entered by sales"), _l("Origin: %(origin)s"),
         lambda d: {"origin": VALUE_LABELS["origin"].get(d.get("origin"), d.get("origin"))})
register("referral.owner", "sales", _l("Referral given to another owner"))
register("referral.value", "sales", _l("Referral's deal value changed"))
register("reference_call.log", "sales", _l("Reference call logged"), _l("On %(called_on)s with %(prospect)s"),
         _reference_call)

register("nps_follow_up.open", "nps", _l("NPS follow-up reopened"))
register("nps_follow_up.contacted", "nps", _l("NPS follow-up: customer contacted"))
register("nps_follow_up.closed", "nps", _l("NPS follow-up closed"))
register("nps_upsell.open", "nps", _l("Follow-up about more services reopened"))
register("nps_upsell.contacted", "nps", _l("Follow-up about more services: customer contacted"))
register("nps_upsell.closed", "nps", _l("Follow-up about more services closed"), _l("Outcome: %(outcome)s"),
         lambda d: {"outcome": OUTCOME_LABELS.get(d.get("outcome"), d.get("outcome") or "–")})
register("nps_survey.send", "nps", _l("Survey sent"), _l("“%(occasion)s”: sent to %(sent)s, %(skipped)s skipped"),
         _counted("occasion", "sent", "skipped"))

register("feedback.answer", "feedback", _l("Customer feedback answered"), _l("Kind: %(kind)s"), _feedback)
register("feedback.close", "feedback", _l("Customer feedback closed"), _l("Kind: %(kind)s, %(answer)s"), _feedback)
register("privacy.erase", "privacy", _l("Personal data erased"), _l("Erased %(who)s"), _erased_by)
register("privacy.export", "privacy", _l("Personal data downloaded"))

register("terms.publish", "programme", _l("Programme terms published"), _l("Version %(number)s (%(kind)s)"),
         lambda d: {"number": d.get("number"), "kind": field_value("kind", d.get("kind"))})
register("identity.update", "programme", _l("Organisation's identity changed"))
register("api_token.create", "programme", _l("API token made"), _l("Token “%(name)s”"), show_named=False)
register("api_token.revoke", "programme", _l("API token revoked"), _l("Token “%(name)s”"))
register("programme.update", "programme", _l("Programme settings changed"), show_named=True)
register("mail.retry", "programme", _l("E-mail queued again"), _l("Kind: %(kind)s"))
register("webhook.create", "programme", _l("Webhook endpoint added"))
register("webhook.update", "programme", _l("Webhook endpoint changed"))
register("webhook.rotate", "programme", _l("Webhook secret rotated"))
register("webhook.delete", "programme", _l("Webhook endpoint deleted"))
register("webhook.test", "programme", _l("Test event sent to a webhook endpoint"))
register("webhook.replay", "programme", _l("Webhook message queued again"))


def _chat_scope(d: Mapping) -> dict:
    return {"scope": _("team channel") if d.get("scope") == "team" else _("own channel")}


register("chat_channel.save", "people", _l("Chat alert channel saved"), _l("Which: %(scope)s"), _chat_scope)
register("chat_channel.remove", "people", _l("Chat alert channel removed"), _l("Which: %(scope)s"), _chat_scope)


def _amount(d: Mapping) -> dict:
    """A month's running cost as euros, from the entry's values after the change."""
    after = d.get("after") if isinstance(d.get("after"), Mapping) else {}
    cents = after.get("amount_cents")
    return {"month": d.get("month"), "amount": money(cents) if isinstance(cents, int) else "–"}


def _wins(d: Mapping) -> dict:
    after = d.get("after") if isinstance(d.get("after"), Mapping) else {}
    return {"month": d.get("month"), "won": after.get("won", "–")}


def _goal(d: Mapping) -> dict:
    values = d.get("after") if isinstance(d.get("after"), Mapping) and d.get("after") else d.get("before")
    values = values if isinstance(values, Mapping) else {}
    return {"quarter": d.get("quarter"), "metric": field_value("metric", d.get("metric")),
            "target": values.get("target", "–")}


register("programme_cost.set", "programme", _l("Running cost entered"), _l("Month starting %(month)s: %(amount)s"),
         _amount)
register("other_wins.set", "programme", _l("Deals won without a referral entered"),
         _l("Month starting %(month)s: %(won)s won"), _wins)
register("goal.set", "programme", _l("Quarterly goal set"), _l("%(quarter)s, %(metric)s: %(target)s"), _goal)
register("goal.remove", "programme", _l("Quarterly goal removed"), _l("%(quarter)s, %(metric)s (was %(target)s)"),
         _goal)


# --- field names and values ----------------------------------------------------------------------
FIELD_LABELS: dict[str, LazyString] = {
    "name": _l("Name"), "name_nl": _l("Name (Dutch)"), "name_en": _l("Name (English)"),
    "title_nl": _l("Title (Dutch)"), "title_en": _l("Title (English)"),
    "body_nl": _l("Text (Dutch)"), "body_en": _l("Text (English)"),
    "description_nl": _l("Description (Dutch)"), "description_en": _l("Description (English)"),
    "points_threshold": _l("Points needed"), "required_challenges": _l("Required challenges"),
    "points": _l("Points"), "starts_at": _l("Starts"), "ends_at": _l("Ends"), "repeatable": _l("Repeatable"),
    "needs_review": _l("Needs a review"), "config": _l("Settings"), "level_id": _l("Level"),
    "status": _l("Status"), "position": _l("Place"), "icon": _l("Icon"), "rule": _l("Rule"),
    "rule_value": _l("Rule value"), "rule_level_id": _l("Rule level"), "rule_challenge_id": _l("Rule challenge"),
    "rule_type_key": _l("Rule challenge type"), "kind": _l("Kind"), "point_cost": _l("Points to claim"),
    "stock": _l("Stock"), "active": _l("Active"), "enabled": _l("Enabled"), "role": _l("Role"), "manager": _l("Manager"), "account_manager": _l("Account manager"), "email": _l("E-mail address"),
    "company": _l("Company"), "company_id": _l("Company"), "locale": _l("Language"), "manager_id": _l("Manager"),
    "account_manager_id": _l("Account manager"), "is_active": _l("Active"), "reason": _l("Reason"),
    "note": _l("Note"), "stage": _l("Stage"), "balance": _l("Points to spend"), "version": _l("Version"),
    "points_contacted": _l("Points when contacted"), "points_meeting": _l("Points for a meeting"),
    "points_opportunity": _l("Points for an opportunity"), "points_won": _l("Points when won"),
    "ask_cap_days": _l("Days between asks"), "daily_referral_cap": _l("Introductions per day"),
    "referee_retention_days": _l("Days to keep unconverted referees"),
    "organisation_name": _l("Organisation name"), "pitch_nl": _l("Pitch (Dutch)"), "pitch_en": _l("Pitch (English)"),
    "about_nl": _l("What we do (Dutch)"), "about_en": _l("What we do (English)"),
    "ideal_customer_nl": _l("A good introduction (Dutch)"), "ideal_customer_en": _l("A good introduction (English)"),
    "sender_name": _l("Sender name"), "reply_to": _l("Reply-to address"), "logo": _l("Logo"),
}
# Codes stored as values, said in words (the same words the pages that set them use).
VALUE_LABELS: dict[str, dict[str, LazyString]] = {
    "status": {"draft": _l("Draft"), "published": _l("Published"), "archived": _l("Archived"),
               "open": _l("Open"), "contacted": _l("Contacted"), "closed": _l("Closed")},
    "metric": GOAL_LABELS,
    "role": {"customer": _l("Customer"), "marketer": _l("Marketing"), "sales": _l("Sales"), "admin": _l("Admin")},
    "kind": {"material": _l("material change"), "minor": _l("minor change")},
    "stage": {"new": _l("New"), "contacted": _l("Contacted"), "meeting": _l("Meeting"),
              "opportunity": _l("Opportunity"), "won": _l("Won"), "lost": _l("Lost")},
}
# The referral's origin, owner and deal values (the sales pipeline).
VIA_API_TOKEN = "via_api_token"  # set on every entry recorded during a REST API call (app.audit.services)
FIELD_LABELS.update({VIA_API_TOKEN: _l("Via API token"), "owner": _l("Owner"), "origin": _l("Origin"), "deal_value": _l("Deal value in euros"),
                     "expected_value": _l("Expected value in euros")})
VALUE_LABELS["origin"] = {"asked": _l("Asked"), "proactive": _l("Proactive"), "received": _l("Received"),
                          "share": _l("Share link"), "linkedin": _l("LinkedIn")}
TEXT_MAX = 80


def field_label(name: str) -> str:
    known = FIELD_LABELS.get(name)
    return str(known) if known else humanise(name)


def field_value(name: str, value) -> str:
    known = VALUE_LABELS.get(name, {}).get(value) if isinstance(value, str) else None
    return str(known) if known is not None else value_text(value)


def value_text(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(value_text(v) for v in value) or "—"
    if isinstance(value, Mapping):
        text = localized_value(value) if set(value) <= {"nl", "en"} else ", ".join(
            f"{k}: {value_text(v)}" for k, v in value.items())
    else:
        text = str(value)
    return text if len(text) <= TEXT_MAX else text[: TEXT_MAX - 1] + "…"


class _Fields(dict):
    def __missing__(self, key):
        return "—"


def action_label(action: str) -> str:
    known = ACTIONS.get(action)
    return str(known.label) if known else humanise(action)


def action_detail(action: str, details: Mapping) -> str | None:
    known = ACTIONS.get(action)
    if known is None or known.detail is None:
        return None
    raw = known.fields(details) if known.fields else details
    return str(known.detail) % _Fields({k: value_text(v) for k, v in raw.items()})


def changed_fields(details: Mapping) -> list[tuple[str, str, str]]:
    """(field label, before, after) for each changed value."""
    before = details.get("before") if isinstance(details.get("before"), Mapping) else {}
    after = details.get("after") if isinstance(details.get("after"), Mapping) else {}
    return [(field_label(name), field_value(name, before.get(name)), field_value(name, after.get(name)))
            for name in dict.fromkeys([*before, *after])]


def named_facts(action: str, details: Mapping) -> list[tuple[str, str]]:
    """The other facts an entry names, for actions without a template of their own."""
    known = ACTIONS.get(action)
    if known is not None and not known.show_named:
        # A change made through the REST API always says which token it came with.
        via = details.get(VIA_API_TOKEN)
        return [(field_label(VIA_API_TOKEN), str(via))] if isinstance(via, str) else []
    return [(field_label(name), field_value(name, value)) for name, value in details.items()
            if name not in RESERVED and not isinstance(value, (list, Mapping))]


def action_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Grouped (group label, [(action, label)]) for the filter, in the viewer's language."""
    grouped: dict[str, list[tuple[str, str]]] = {key: [] for key in GROUPS}
    for action, wording in ACTIONS.items():
        grouped[wording.group].append((action, str(wording.label)))
    return [(str(GROUPS[key]), sorted(items, key=lambda item: item[1].lower()))
            for key, items in grouped.items() if items]

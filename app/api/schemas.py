"""The API's request and response bodies (marshmallow): what an integration needs, nothing more —
no password hashes, tokens, referral codes or unique keys."""
from __future__ import annotations

import base64
import binascii
from datetime import timezone

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.auth.models import LOCALES
from app.nps.models import CATEGORIES
from app.points.models import CORRECTION_REASON_MAX
from app.referrals.models import LOST, OPPORTUNITY, ORIGINS, STAGES, WON

MAX_LIMIT = 100


class ProblemSchema(Schema):
    """RFC 9457 problem details."""

    type = fields.String(required=True, metadata={"description": "A URI that names the kind of problem."})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    errors = fields.Raw(metadata={"description": "What was wrong with the input, per place and field."})


class Naive(fields.DateTime):
    """A moment as the database holds it: UTC without a zone. Given with a zone, converted to UTC."""

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        if moment.tzinfo is not None:
            moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
        return moment


class Utc(fields.DateTime):
    """A stored (naive UTC) moment, written with its zone."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc).isoformat()


class Cursor(fields.String):
    """An opaque cursor (the last id of the previous page, encoded); loads as that id."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            decoded = base64.urlsafe_b64decode(text.encode() + b"=" * (-len(text) % 4)).decode()
            kind, _, number = decoded.partition(":")
            if kind != "after" or not number.isdigit() or len(number) > 12:
                raise ValueError(decoded)
            return int(number)
        except (ValueError, UnicodeError, binascii.Error) as exc:
            raise ValidationError("Not a cursor this API gave.") from exc


class PageArgs(Schema):
    limit = fields.Integer(load_default=25, validate=validate.Range(min=1, max=MAX_LIMIT),
                           metadata={"description": "Items per page (1–100)."})
    cursor = Cursor(metadata={"description": "The `next_cursor` of the previous page."})


def page_schema(item: type[Schema], name: str) -> type[Schema]:
    return Schema.from_dict({
        "items": fields.List(fields.Nested(item), required=True),
        "next_cursor": fields.String(required=True, allow_none=True,
                                     metadata={"description": "Pass as `cursor` for the next page; null on the last."}),
    }, name=name)


# --- participants -------------------------------------------------------------------------------

class ParticipantSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    email = fields.String(required=True)
    language = fields.String(required=True, attribute="locale")
    company_id = fields.Integer(required=True, allow_none=True)
    level = fields.Integer(required=True, metadata={"description": "The position of the highest level reached."})
    active = fields.Boolean(required=True, attribute="is_active")
    invited_at = Utc(required=True, allow_none=True)
    created_at = Utc(required=True)
    updated_at = Utc(required=True, allow_none=True)


class ParticipantFilters(PageArgs):
    company_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    level = fields.Integer(validate=validate.Range(min=1, max=1000))
    language = fields.String(validate=validate.OneOf(LOCALES))
    updated_since = Naive(metadata={"description": "Only participants whose record changed at or after this moment."})


class ParticipantCreate(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    language = fields.String(load_default="nl", validate=validate.OneOf(LOCALES))
    company_id = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1))


class ParticipantUpdate(Schema):
    language = fields.String(validate=validate.OneOf(LOCALES))
    company_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))


# --- companies ----------------------------------------------------------------------------------

class CompanySchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    account_manager_id = fields.Integer(required=True)
    created_at = Utc(required=True)


class CompanyFilters(PageArgs):
    account_manager_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))


class CompanyUpdate(Schema):
    account_manager_id = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1),
                                        metadata={"description": "An active sales user."})


# --- referrals ----------------------------------------------------------------------------------

class ReferralSchema(Schema):
    id = fields.Integer(required=True)
    referrer_id = fields.Integer(required=True)
    name = fields.String(required=True)
    company = fields.String(required=True)
    job_role = fields.String(required=True)
    email = fields.String(required=True, allow_none=True)
    benefit = fields.String(required=True)
    may_mention = fields.Boolean(required=True)
    language = fields.String(required=True, attribute="message_locale")
    stage = fields.String(required=True, validate=validate.OneOf(STAGES))
    origin = fields.String(required=True, validate=validate.OneOf(ORIGINS))
    source = fields.String(required=True)
    waiting_for_review = fields.Boolean(required=True, metadata={"description": "Flagged: waits for a check by sales."})
    owner_id = fields.Integer(required=True, allow_none=True)
    lost_reason = fields.String(required=True)
    currency = fields.String(required=True)
    expected_value_cents = fields.Integer(required=True, allow_none=True)
    deal_value_cents = fields.Integer(required=True, allow_none=True)
    created_at = Utc(required=True)
    stage_changed_at = Utc(required=True)


class ReferralFilters(PageArgs):
    stage = fields.String(validate=validate.OneOf(STAGES))
    origin = fields.String(validate=validate.OneOf(ORIGINS))
    owner_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    updated_since = Naive(metadata={"description": "Only referrals created or moved at or after this moment."})


class ReferralCreate(Schema):
    """A referral sales received for a customer (origin "received"), with the same guards as the form."""

    referrer_id = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1),
                                 metadata={"description": "The customer who gave the referral."})
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    company = fields.String(required=True, validate=validate.Length(min=1, max=200))
    job_role = fields.String(load_default="", validate=validate.Length(max=120))
    email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=254))
    benefit = fields.String(required=True, validate=validate.Length(min=1, max=1000))
    may_mention = fields.Boolean(load_default=False)
    language = fields.String(load_default="nl", validate=validate.OneOf(LOCALES))


class StageChange(Schema):
    stage = fields.String(required=True, validate=validate.OneOf(STAGES))
    from_stage = fields.String(validate=validate.OneOf(STAGES), metadata={
        "description": "The stage you saw; when given and the referral moved since, the answer is 409."})
    deal_value_cents = fields.Integer(validate=validate.Range(min=1, max=10**13),
                                      metadata={"description": "Required to move to won, not allowed otherwise."})
    expected_value_cents = fields.Integer(validate=validate.Range(min=1, max=10**13),
                                          metadata={"description": "From the opportunity on."})
    lost_reason = fields.String(validate=validate.Length(max=500), metadata={"description": "Required to move to lost."})
    note = fields.String(validate=validate.Length(max=2000))
    follow_up_on = fields.Date()

    @validates_schema
    def _consistent(self, data, **_kwargs):
        stage = data.get("stage")
        if stage == WON and data.get("deal_value_cents") is None:
            raise ValidationError("Give the deal value to move it to won.", "deal_value_cents")
        if stage != WON and data.get("deal_value_cents") is not None:
            raise ValidationError("The deal value is for a won referral.", "deal_value_cents")
        if data.get("expected_value_cents") is not None and stage not in (OPPORTUNITY, WON):
            raise ValidationError("An expected value belongs to an opportunity or a won referral.",
                                  "expected_value_cents")
        if stage == LOST and not (data.get("lost_reason") or "").strip():
            raise ValidationError("Say why it was lost.", "lost_reason")
        follow_up = data.get("follow_up_on")
        if follow_up is not None and not (2000 <= follow_up.year <= 2100):
            raise ValidationError("Choose a date between 2000 and 2100.", "follow_up_on")


class StageResult(Schema):
    referral = fields.Nested(ReferralSchema, required=True)
    points_awarded = fields.Integer(required=True, metadata={"description": "Milestone points this move awarded."})


# --- NPS, content, points -----------------------------------------------------------------------

class NpsAnswerSchema(Schema):
    id = fields.Integer(required=True)
    user_id = fields.Integer(required=True)
    company_id = fields.Integer(required=True, allow_none=True)
    score = fields.Integer(required=True)
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    reason = fields.String(required=True)
    language = fields.String(required=True, allow_none=True, attribute="locale")
    source = fields.String(required=True)
    created_at = Utc(required=True)


class NpsFilters(PageArgs):
    category = fields.String(validate=validate.OneOf(CATEGORIES))
    since = Naive(metadata={"description": "Only answers given at or after this moment."})


class ConsentScopeSchema(Schema):
    channels = fields.List(fields.String(), required=True)
    valid_until = fields.Date(required=True, allow_none=True)
    may_show_name = fields.Boolean(required=True, allow_none=True)
    may_show_company = fields.Boolean(required=True, allow_none=True)
    may_show_logo = fields.Boolean(required=True, allow_none=True)
    may_show_photo = fields.Boolean(required=True, allow_none=True)


class ContentItemSchema(Schema):
    id = fields.Integer(required=True, metadata={"description": "The approved answer (submission)."})
    type = fields.String(required=True)
    user_id = fields.Integer(required=True)
    company_id = fields.Integer(required=True, allow_none=True)
    text = fields.String(required=True, metadata={"description": "The text, or a link, as marketing may use it."})
    language = fields.String(required=True, allow_none=True)
    approved_at = Utc(required=True)
    consent = fields.Nested(ConsentScopeSchema, required=True)


class ContentFilters(PageArgs):
    type = fields.String(validate=validate.Length(max=40))


class LedgerEntrySchema(Schema):
    id = fields.Integer(required=True)
    user_id = fields.Integer(required=True)
    points = fields.Integer(required=True)
    source_type = fields.String(required=True)
    source_id = fields.Integer(required=True)
    reason_nl = fields.String(required=True)
    reason_en = fields.String(required=True)
    created_at = Utc(required=True)


class LedgerFilters(PageArgs):
    user_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    since = Naive(metadata={"description": "Only rows added at or after this moment."})


class CorrectionCreate(Schema):
    user_id = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1))
    points = fields.Integer(required=True, validate=[validate.Range(min=-100000, max=100000),
                                                     validate.NoneOf([0], error="A correction of 0 points changes nothing.")])
    reason = fields.String(required=True, validate=validate.Length(min=1, max=CORRECTION_REASON_MAX),
                           metadata={"description": "The customer reads it in their points history."})
    request_key = fields.String(validate=validate.Length(min=8, max=60), metadata={
        "description": "Optional idempotency key: the same key corrects once."})


class CorrectionResult(Schema):
    correction_id = fields.Integer(required=True)
    entry = fields.Nested(LedgerEntrySchema, required=True)
    balance = fields.Integer(required=True)

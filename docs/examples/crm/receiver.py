"""A webhook receiver that keeps HubSpot and Salesforce in step with the portal (reference code for
docs/integrations.md; tested by tests/integrations/test_crm_recipes.py against the recorded payloads
in docs/examples/webhooks/).

`verify_and_map(headers, body, secret)` checks the Standard Webhooks signature with the reference
library (`pip install standardwebhooks`), drops a message it has handled before (same `webhook-id`:
a retry or a replay) and turns the event into the HTTP calls to make on each CRM. It makes no call
itself and uses no CRM SDK: send each `CrmCall` with any HTTP client, with the CRM's own token
(HubSpot: `Authorization: Bearer <private app token>` to https://api.hubapi.com; Salesforce:
`Authorization: Bearer <access token>` to your instance URL). Answer the portal 2xx only when the
calls succeeded, so that a failure is retried by the portal with the same `webhook-id`.

The paths and bodies below are the CRMs' APIs (HubSpot CRM v3 objects, Salesforce REST sObjects),
not the portal's. They assume these custom fields, each marked unique / External ID in the CRM:
- HubSpot: deal property `portal_referral_id`, company property `portal_company_id`, contact
  property `portal_participant_id`;
- Salesforce: `Opportunity.Portal_Referral_Id__c`, `Account.Portal_Company_Id__c`,
  `Contact.Portal_Participant_Id__c` (plus plain fields `Opportunity.Portal_Referrer_Id__c` and
  `Contact.Portal_Language__c`; HubSpot: deal properties `portal_referrer_id`, `portal_origin`).
"""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field

from standardwebhooks import Webhook, WebhookVerificationError

SALESFORCE_VERSION = "v62.0"
SF = f"/services/data/{SALESFORCE_VERSION}/sobjects"
HUBSPOT_PIPELINE = "default"

# Portal stage -> HubSpot `dealstage` (internal ids of the default sales pipeline; use your pipeline's)
# and Salesforce `StageName` (the standard Opportunity stage picklist).
HUBSPOT_STAGES = {
    "new": "appointmentscheduled",
    "contacted": "qualifiedtobuy",
    "meeting": "presentationscheduled",
    "opportunity": "decisionmakerboughtin",
    "won": "closedwon",
    "lost": "closedlost",
}
SALESFORCE_STAGES = {
    "new": "Prospecting",
    "contacted": "Qualification",
    "meeting": "Needs Analysis",
    "opportunity": "Proposal/Price Quote",
    "won": "Closed Won",
    "lost": "Closed Lost",
}
HUBSPOT, SALESFORCE = "hubspot", "salesforce"


class Refused(Exception):
    """The message is not from the portal (bad or missing signature, stale timestamp): answer 400."""


@dataclass(frozen=True)
class CrmCall:
    """One HTTP call on a CRM. `then` is a second call that needs the record id the first one
    answers (`{id}` in its path: HubSpot's `results[0].id`)."""

    crm: str
    method: str
    path: str
    json: dict | None = None
    then: CrmCall | None = field(default=None, compare=False)


class SeenIds:
    """The `webhook-id`s handled lately (a retry or replay keeps its id). In production keep them in
    your store (a table with a unique key, Redis SET NX with a few days' expiry)."""

    def __init__(self, size: int = 10_000):
        self.size = size
        self._ids: OrderedDict[str, None] = OrderedDict()

    def add(self, msg_id: str) -> bool:
        """True when the id is new (and remembers it), False when it was seen before."""
        if msg_id in self._ids:
            return False
        self._ids[msg_id] = None
        while len(self._ids) > self.size:
            self._ids.popitem(last=False)
        return True

    def forget(self, msg_id: str) -> None:
        """The CRM calls failed: let the portal's retry of this message through."""
        self._ids.pop(msg_id, None)


SEEN = SeenIds()


def verify_and_map(headers: Mapping[str, str], body: bytes | str, secret: str, *, seen: SeenIds | None = None,
                   hubspot_companies: Mapping[int, str] | None = None) -> list[CrmCall]:
    """The CRM calls for one delivery; [] for a message already handled or an event the CRMs ignore.
    `hubspot_companies` maps a portal company id to its HubSpot company record id (the nightly
    reconciliation keeps it) so that NPS tasks are associated with the company."""
    try:
        payload = Webhook(secret).verify(body, dict(headers))
    except WebhookVerificationError as exc:
        raise Refused(str(exc)) from None
    msg_id = {k.lower(): v for k, v in headers.items()}["webhook-id"]
    if not (seen if seen is not None else SEEN).add(msg_id):
        return []
    mapper = MAPPERS.get(payload["type"])
    return mapper(payload["data"], payload["timestamp"], hubspot_companies or {}) if mapper else []


def _deal_name(referral: dict) -> str:
    return f"{referral['company'] or 'Referral'} (referral {referral['id']})"


def referral_created(data: dict, _at: str, _companies) -> list[CrmCall]:
    """An idempotent upsert keyed on the referral id: a retry or a second delivery changes nothing."""
    referral = data["referral"]
    rid = str(referral["id"])
    hubspot = {"inputs": [{"idProperty": "portal_referral_id", "id": rid, "properties": {
        "dealname": _deal_name(referral), "pipeline": HUBSPOT_PIPELINE, "dealstage": HUBSPOT_STAGES[referral["stage"]],
        "portal_referrer_id": str(referral["referrer_id"]), "portal_origin": referral["origin"]}}]}
    salesforce = {"Name": _deal_name(referral), "StageName": SALESFORCE_STAGES[referral["stage"]],
                  "CloseDate": referral["created_at"][:10], "LeadSource": "Customer referral",
                  "Portal_Referrer_Id__c": str(referral["referrer_id"])}
    return [CrmCall(HUBSPOT, "POST", "/crm/v3/objects/deals/batch/upsert", hubspot),
            CrmCall(SALESFORCE, "PATCH", f"{SF}/Opportunity/Portal_Referral_Id__c/{rid}", salesforce)]


def _move(rid: str, stage: str, at: str) -> list[CrmCall]:
    hubspot = {"properties": {"dealstage": HUBSPOT_STAGES[stage]}}
    salesforce: dict = {"StageName": SALESFORCE_STAGES[stage]}
    if stage in ("won", "lost"):
        hubspot["properties"]["closedate"] = at
        salesforce["CloseDate"] = at[:10]
    return [CrmCall(HUBSPOT, "PATCH", f"/crm/v3/objects/deals/{rid}?idProperty=portal_referral_id", hubspot),
            CrmCall(SALESFORCE, "PATCH", f"{SF}/Opportunity/Portal_Referral_Id__c/{rid}", salesforce)]


def referral_stage_changed(data: dict, at: str, _companies) -> list[CrmCall]:
    return _move(str(data["referee_id"]), data["to_stage"], at)


def referral_won(data: dict, at: str, _companies) -> list[CrmCall]:
    return _move(str(data["referee_id"]), "won", at)


def referee_erased(data: dict, _at: str, _companies) -> list[CrmCall]:
    """The person objected or was purged: delete the deal. HubSpot deletes by record id only, so
    find it by the referral id first."""
    rid = str(data["referee_id"])
    search = {"filterGroups": [{"filters": [{"propertyName": "portal_referral_id", "operator": "EQ", "value": rid}]}],
              "properties": ["portal_referral_id"], "limit": 1}
    return [CrmCall(HUBSPOT, "POST", "/crm/v3/objects/deals/search", search,
                    then=CrmCall(HUBSPOT, "DELETE", "/crm/v3/objects/deals/{id}")),
            CrmCall(SALESFORCE, "DELETE", f"{SF}/Opportunity/Portal_Referral_Id__c/{rid}")]


def nps_task(data: dict, at: str, companies: Mapping[int, str]) -> list[CrmCall]:
    """`nps.answered` and `nps.alert_raised`: a task on the customer's company (urgent for an alert)."""
    answer = data["answer"]
    alert = "follow_up" in data
    subject = (f"NPS {'alert' if alert else 'answer'}: {answer['score']} ({answer['category']}) "
               f"from participant {answer['user_id']}")
    hubspot: dict = {"properties": {"hs_timestamp": at, "hs_task_subject": subject, "hs_task_status": "NOT_STARTED",
                                    "hs_task_priority": "HIGH" if alert else "LOW", "hs_task_type": "TODO"}}
    hubspot_company = companies.get(answer["company_id"]) if answer["company_id"] else None
    if hubspot_company:
        # 192: the HubSpot-defined association type task -> company.
        hubspot["associations"] = [{"to": {"id": hubspot_company}, "types": [
            {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 192}]}]
    salesforce: dict = {"Subject": subject, "Status": "Not Started", "Priority": "High" if alert else "Normal",
                        "ActivityDate": (data["follow_up"]["due_at"] or at)[:10] if alert else at[:10]}
    if answer["company_id"]:
        salesforce["What"] = {"attributes": {"type": "Account"}, "Portal_Company_Id__c": str(answer["company_id"])}
    return [CrmCall(HUBSPOT, "POST", "/crm/v3/objects/tasks", hubspot),
            CrmCall(SALESFORCE, "POST", f"{SF}/Task", salesforce)]


def participant_created(data: dict, _at: str, _companies) -> list[CrmCall]:
    """A contact keyed on the participant id, tied to the company. The payload carries no name or
    e-mail (minimum personal data): the reconciliation reads them with GET /api/v1/participants/{id}."""
    participant = data["participant"]
    pid = str(participant["id"])
    properties = {"portal_participant_id": pid, "hs_language": participant["locale"]}
    if participant["company_id"]:
        properties["portal_company_id"] = str(participant["company_id"])
    salesforce: dict = {"LastName": f"Participant {pid}", "Portal_Language__c": participant["locale"]}
    if participant["company_id"]:
        salesforce["Account"] = {"Portal_Company_Id__c": str(participant["company_id"])}
    return [CrmCall(HUBSPOT, "POST", "/crm/v3/objects/contacts/batch/upsert",
                    {"inputs": [{"idProperty": "portal_participant_id", "id": pid, "properties": properties}]}),
            CrmCall(SALESFORCE, "PATCH", f"{SF}/Contact/Portal_Participant_Id__c/{pid}", salesforce)]


MAPPERS = {
    "referral.created": referral_created,
    "referral.stage_changed": referral_stage_changed,
    "referral.won": referral_won,
    "referee.erased": referee_erased,
    "nps.answered": nps_task,
    "nps.alert_raised": nps_task,
    "participant.created": participant_created,
}

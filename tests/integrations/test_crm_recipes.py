"""docs/integrations.md (the HubSpot and Salesforce recipes) and its reference receiver
docs/examples/crm/receiver.py, held to the real payloads and the real API:
- every recorded payload in docs/examples/webhooks/, signed by the portal's signing code, is verified
  and mapped by the receiver into the CRM calls the page shows (deal upsert on the referral id, every
  portal stage mapped, deletion on erasure, a task per NPS answer, a contact per participant);
  duplicates and bad signatures are refused;
- the payloads the page quotes are the recorded files, and its CRM calls are the receiver's;
- every portal call the page shows (`curl … "$PORTAL/api/v1/…"`) is in the generated OpenAPI document
  with its method, query parameters and body fields, and is run for real with a token."""
from __future__ import annotations

import importlib.util
import json
import re
import shlex
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from app.api.core import RESOURCE_OF, encode_cursor, scope_needed
from app.api.tokens import SCOPES
from app.dates import utcnow
from app.events import NAMES
from app.referrals.models import STAGES
from app.webhooks import signing
from tests import factories
from tests.api.conftest import bearer

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "integrations.md"
EXAMPLES = ROOT / "docs" / "examples" / "webhooks"
MAPPED = {"referral.created", "referral.stage_changed", "referral.won", "referee.erased", "nps.answered",
          "nps.alert_raised", "participant.created"}
HUBSPOT_COMPANY = "<HubSpot company id>"  # the placeholder the page shows


def _load_receiver():
    """The receiver lives under docs/ (it is documentation): import it from its file."""
    spec = importlib.util.spec_from_file_location("crm_receiver", ROOT / "docs" / "examples" / "crm" / "receiver.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


receiver = _load_receiver()


def example(name: str) -> dict:
    return json.loads((EXAMPLES / f"{name}.json").read_text())


def wire(payload: dict) -> bytes:
    """The body as the portal sends it (app.webhooks.payloads.body: compact, keys sorted)."""
    return json.dumps(payload, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()


def delivery(payload: dict, *secrets: str, msg_id: str | None = None, at=None) -> tuple[dict, bytes]:
    body = wire(payload)
    return signing.headers(secrets, msg_id or signing.new_message_id(), at or utcnow(), body), body


def mapped(payload: dict, secret: str | None = None, **kwargs) -> list:
    secret = secret or signing.new_secret()
    headers, body = delivery(payload, secret)
    return receiver.verify_and_map(headers, body, secret, seen=receiver.SeenIds(), **kwargs)


def by_crm(calls) -> dict:
    assert sorted(call.crm for call in calls) == ["hubspot", "salesforce"]
    return {call.crm: call for call in calls}


# --- the receiver against the recorded payloads ----------------------------------------------------

@pytest.mark.parametrize("name", sorted(NAMES))
def test_every_recorded_payload_verifies_and_maps(name):
    payload = example(name)
    assert payload["type"] == name
    calls = mapped(payload)
    if name in MAPPED:
        by_crm(calls)
        for call in calls:
            json.dumps(call.json)  # what is sent is JSON
            assert call.path.startswith("/crm/v3/objects/" if call.crm == "hubspot" else "/services/data/v")
    else:
        assert calls == []


def test_the_admins_test_event_maps_to_no_call():
    assert mapped({"data": {"endpoint_id": 1}, "timestamp": "2026-03-02T09:30:00Z", "type": "webhook.test"}) == []


def test_referral_created_upserts_a_deal_keyed_on_the_referral_id():
    payload = example("referral.created")
    referral = payload["data"]["referral"]
    calls = by_crm(mapped(payload))
    hubspot, salesforce = calls["hubspot"], calls["salesforce"]
    assert (hubspot.method, hubspot.path) == ("POST", "/crm/v3/objects/deals/batch/upsert")
    [item] = hubspot.json["inputs"]
    assert (item["idProperty"], item["id"]) == ("portal_referral_id", str(referral["id"]))
    assert item["properties"]["dealstage"] == receiver.HUBSPOT_STAGES[referral["stage"]]
    assert referral["company"] in item["properties"]["dealname"]
    assert (salesforce.method, salesforce.path) == (
        "PATCH", f"/services/data/{receiver.SALESFORCE_VERSION}/sobjects/Opportunity/Portal_Referral_Id__c/{referral['id']}")
    assert salesforce.json["StageName"] == receiver.SALESFORCE_STAGES[referral["stage"]]
    assert salesforce.json["CloseDate"] == referral["created_at"][:10]
    assert "not.sent" not in json.dumps(hubspot.json) + json.dumps(salesforce.json)


@pytest.mark.parametrize("stage", STAGES)
def test_every_portal_stage_is_mapped_on_both_crms(stage):
    assert set(receiver.HUBSPOT_STAGES) == set(receiver.SALESFORCE_STAGES) == set(STAGES)
    payload = example("referral.stage_changed")
    payload["data"]["to_stage"] = stage
    rid = payload["data"]["referee_id"]
    calls = by_crm(mapped(payload))
    assert (calls["hubspot"].method, calls["hubspot"].path) == (
        "PATCH", f"/crm/v3/objects/deals/{rid}?idProperty=portal_referral_id")
    assert calls["hubspot"].json["properties"]["dealstage"] == receiver.HUBSPOT_STAGES[stage]
    assert calls["salesforce"].method == "PATCH"
    assert calls["salesforce"].path.endswith(f"/sobjects/Opportunity/Portal_Referral_Id__c/{rid}")
    assert calls["salesforce"].json["StageName"] == receiver.SALESFORCE_STAGES[stage]
    assert ("CloseDate" in calls["salesforce"].json) == (stage in ("won", "lost"))


def test_referral_won_closes_the_deal_as_won():
    calls = by_crm(mapped(example("referral.won")))
    assert calls["hubspot"].json["properties"]["dealstage"] == "closedwon"
    assert calls["salesforce"].json == {"StageName": "Closed Won", "CloseDate": "2026-03-02"}


def test_referee_erased_deletes_the_deal_on_both_crms():
    calls = by_crm(mapped(example("referee.erased")))
    hubspot, salesforce = calls["hubspot"], calls["salesforce"]
    assert (hubspot.method, hubspot.path) == ("POST", "/crm/v3/objects/deals/search")
    [condition] = hubspot.json["filterGroups"][0]["filters"]
    assert condition == {"propertyName": "portal_referral_id", "operator": "EQ", "value": "9601"}
    assert (hubspot.then.method, hubspot.then.path.format(id="123")) == ("DELETE", "/crm/v3/objects/deals/123")
    assert (salesforce.method, salesforce.json) == ("DELETE", None)
    assert salesforce.path.endswith("/sobjects/Opportunity/Portal_Referral_Id__c/9601")


@pytest.mark.parametrize("name, priority", [("nps.answered", ("LOW", "Normal")), ("nps.alert_raised", ("HIGH", "High"))])
def test_nps_makes_a_task_on_the_company(name, priority):
    calls = by_crm(mapped(example(name), hubspot_companies={9101: "555"}))
    hubspot, salesforce = calls["hubspot"], calls["salesforce"]
    assert (hubspot.method, hubspot.path, salesforce.method) == ("POST", "/crm/v3/objects/tasks", "POST")
    assert hubspot.json["properties"]["hs_task_priority"] == priority[0] and salesforce.json["Priority"] == priority[1]
    assert hubspot.json["associations"][0]["to"] == {"id": "555"}
    assert salesforce.path.endswith("/sobjects/Task")
    assert salesforce.json["What"] == {"attributes": {"type": "Account"}, "Portal_Company_Id__c": "9101"}
    assert "associations" not in by_crm(mapped(example(name)))["hubspot"].json  # company not known yet


def test_participant_created_makes_a_contact_tied_to_the_company():
    calls = by_crm(mapped(example("participant.created")))
    [item] = calls["hubspot"].json["inputs"]
    assert (item["idProperty"], item["id"], item["properties"]["portal_company_id"]) == (
        "portal_participant_id", "9002", "9101")
    assert calls["salesforce"].path.endswith("/sobjects/Contact/Portal_Participant_Id__c/9002")
    assert calls["salesforce"].json["Account"] == {"Portal_Company_Id__c": "9101"}


def test_a_repeated_webhook_id_is_handled_once():
    secret, seen = signing.new_secret(), receiver.SeenIds()
    headers, body = delivery(example("referral.created"), secret)
    assert len(receiver.verify_and_map(headers, body, secret, seen=seen)) == 2
    retry_headers, _ = delivery(example("referral.created"), secret, msg_id=headers["webhook-id"])
    assert receiver.verify_and_map(retry_headers, body, secret, seen=seen) == []  # a retry or replay
    seen.forget(headers["webhook-id"])  # the CRM calls failed: the next retry goes through
    assert len(receiver.verify_and_map(retry_headers, body, secret, seen=seen)) == 2
    other, _ = delivery(example("referral.created"), secret)
    assert len(receiver.verify_and_map(other, body, secret, seen=seen)) == 2


def test_a_bad_signature_is_refused():
    secret = signing.new_secret()
    headers, body = delivery(example("referral.won"), secret)
    refusals = [
        (headers, body, signing.new_secret()),  # another secret
        (headers, body.replace(b"9601", b"9602"), secret),  # the body changed on the way
        ({**headers, "webhook-id": "msg_other"}, body, secret),
        ({k: v for k, v in headers.items() if k != "webhook-signature"}, body, secret),
        (delivery(example("referral.won"), secret, at=utcnow() - timedelta(minutes=10))[0], body, secret),  # stale
    ]
    for bad_headers, bad_body, bad_secret in refusals:
        with pytest.raises(receiver.Refused):
            receiver.verify_and_map(bad_headers, bad_body, bad_secret, seen=receiver.SeenIds())


def test_during_a_rotation_either_secret_verifies():
    new, old = signing.new_secret(), signing.new_secret()
    headers, body = delivery(example("referral.won"), new, old)
    for secret in (new, old):
        assert len(receiver.verify_and_map(headers, body, secret, seen=receiver.SeenIds())) == 2


# --- the page against the payloads and the receiver ------------------------------------------------

def blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", DOC.read_text(), flags=re.S | re.M)


def test_the_page_quotes_the_recorded_payloads_verbatim():
    quoted = {}
    for block in blocks("json"):
        payload = json.loads(block)
        if payload.get("type") in NAMES:
            assert block == (EXAMPLES / f"{payload['type']}.json").read_text(), f"{payload['type']} drifted"
            quoted[payload["type"]] = payload
    assert set(quoted) == MAPPED


def _http_calls(block: str) -> list[tuple]:
    calls, current = [], None
    for line in block.splitlines() + [""]:
        request = re.match(r"^(GET|POST|PATCH|PUT|DELETE) (\S+)$", line)
        if request:
            current = [request.group(1), request.group(2), ""]
        elif line.strip() and current is not None:
            current[2] += line + "\n"
        elif current is not None:
            calls.append((current[0], current[1], json.loads(current[2]) if current[2].strip() else None))
            current = None
    return calls


def test_the_crm_calls_on_the_page_are_the_receivers():
    produced = []
    for name in MAPPED:
        payload = example(name)
        for call in mapped(payload, hubspot_companies={9101: HUBSPOT_COMPANY}):
            produced += [(call.method, call.path, call.json)]
            if call.then is not None:
                produced += [(call.then.method, call.then.path, call.then.json)]
    shown = [call for block in blocks("http") for call in _http_calls(block)]
    assert len(shown) >= 11
    for call in shown:
        assert call in produced, f"docs/integrations.md shows a CRM call the receiver does not make: {call[:2]}"


def test_the_stage_table_on_the_page_is_the_receivers():
    rows = re.findall(r"^\| `(\w+)`\s*\| `(\w+)`\s*\| `([^`]+)`\s*\|$", DOC.read_text(), flags=re.M)
    assert {stage: hubspot for stage, hubspot, _sf in rows} == receiver.HUBSPOT_STAGES
    assert {stage: sf for stage, _hubspot, sf in rows} == receiver.SALESFORCE_STAGES


# --- the page against the API ---------------------------------------------------------------------

def portal_calls() -> list[dict]:
    """Every `curl` on the page that targets "$PORTAL/api/v1/…": method, path, query, JSON body."""
    calls = []
    for block in blocks("sh"):
        for line in block.replace("\\\n", " ").splitlines():
            if not line.startswith("curl"):
                continue
            words, method, data, headers = shlex.split(line), "GET", None, {}
            url = next(word for word in words if word.startswith("$PORTAL/"))
            if "-X" in words:
                method = words[words.index("-X") + 1]
            if "-d" in words:
                data = json.loads(words[words.index("-d") + 1])
            for i, word in enumerate(words[:-1]):
                name, _, value = words[i + 1].partition(": ")
                if word == "-H" and name not in ("Authorization", "Content-Type"):
                    headers[name] = value
            parts = urlsplit(url.removeprefix("$PORTAL"))
            calls.append({"method": method, "path": parts.path, "query": dict(parse_qsl(parts.query)), "json": data,
                          "headers": headers})
    return calls


def _operation(spec: dict, method: str, path: str) -> dict:
    for template, operations in spec["paths"].items():
        pattern = re.sub(r"\\\{\w+\\\}", r"[^/]+", re.escape(template))
        if re.fullmatch(pattern, path) and method.lower() in operations:
            return operations[method.lower()]
    raise AssertionError(f"docs/integrations.md calls {method} {path}: not in /api/v1/openapi.json")


def _schema(spec: dict, ref: dict) -> dict:
    return spec["components"]["schemas"][ref["$ref"].rsplit("/", 1)[1]]


def test_every_portal_call_on_the_page_is_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    calls = portal_calls()
    assert {(c["method"], c["path"].split("/")[3]) for c in calls} >= {
        ("GET", "referrals"), ("GET", "companies"), ("GET", "nps"), ("GET", "participants"), ("POST", "referrals")}
    for call in calls:
        operation = _operation(spec, call["method"], call["path"])
        parameters = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
        assert set(call["query"]) <= parameters, (call["path"], set(call["query"]) - parameters)
        if call["json"] is not None:
            schema = _schema(spec, operation["requestBody"]["content"]["application/json"]["schema"])
            assert set(call["json"]) <= set(schema["properties"]), (call["path"], set(call["json"]) - set(schema["properties"]))
            assert set(schema.get("required", [])) <= set(call["json"])


def test_the_fields_the_page_reads_are_in_the_schemas(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    used = re.findall(r"^\| `(Referral|Company|NpsAnswer|Participant)\.(\w+)`", DOC.read_text(), flags=re.M)
    assert len(used) >= 10
    for schema, name in used:
        assert name in spec["components"]["schemas"][schema]["properties"], f"{schema}.{name}"


def test_the_scopes_on_the_page_are_real_and_enough():
    text = DOC.read_text()
    commands = [line for block in blocks("sh") for line in block.splitlines() if "create-api-token" in line]
    granted = set()
    for line in commands:
        words = shlex.split(line)
        chosen = words[words.index("--scopes") + 1].split(",")
        assert set(chosen) <= set(SCOPES), chosen
        granted |= set(chosen)
        for scope in chosen:
            assert f"`{scope}`" in text  # the table names them too
    for call in portal_calls():
        resource = call["path"].split("/")[3]
        assert scope_needed(resource, call["method"]) in granted, call
        assert resource in RESOURCE_OF.values()


def test_the_portal_calls_on_the_page_run_against_the_app(client, db):
    referrer = factories.make_user()
    referee = factories.make_referee(referrer, stage="opportunity")
    factories.make_nps_response(referrer, score=3)
    token = factories.make_api_token(scopes=" ".join(SCOPES))
    db.session.commit()
    values = {"$SINCE": (utcnow() - timedelta(days=1)).isoformat(timespec="seconds") + "Z",
              "$CURSOR": encode_cursor(referee.id - 1), "$REFERRAL_ID": str(referee.id),
              "$PARTICIPANT_ID": str(referrer.id)}
    answers = []
    for call in portal_calls():
        path = call["path"]
        query = {k: values.get(v, v) for k, v in call["query"].items()}
        for name, value in values.items():
            path = path.replace(name, value)
        body = dict(call["json"]) if call["json"] is not None else None
        if body and "referrer_id" in body:
            body["referrer_id"] = referrer.id
        response = client.open(path, method=call["method"], query_string=query, json=body,
                              headers={**bearer(token), **call["headers"]})
        assert response.status_code in (200, 201), (call["method"], path, response.get_json())
        answers.append((call, response.get_json()))
    lists = [answer for call, answer in answers if call["path"] == "/api/v1/referrals" and call["method"] == "GET"]
    assert all(referee.id in [item["id"] for item in answer["items"]] for answer in lists)  # moved since $SINCE
    [(move, moved)] = [(c, a) for c, a in answers if c["path"].endswith("/stage")]
    assert moved["referral"]["stage"] == "won" and moved["referral"]["deal_value_cents"] == 1250000
    assert moved["points_awarded"] > 0
    [(_, created)] = [(c, a) for c, a in answers if c["path"] == "/api/v1/referrals" and c["method"] == "POST"]
    assert created["origin"] == "received" and created["referrer_id"] == referrer.id

    # Sent again (the CRM's automation fires twice): the problem the page shows.
    again = client.post(f"/api/v1/referrals/{referee.id}/stage", headers={**bearer(token), **move["headers"]},
                        json=move["json"])
    shown = next(json.loads(block) for block in blocks("json") if '"status": 409' in block)
    problem = again.get_json()
    assert again.status_code == 409 and again.mimetype == "application/problem+json"
    assert problem["type"].endswith(shown["type"].split("/api/v1/docs")[1])
    assert {k: problem[k] for k in ("title", "status", "detail")} == {k: shown[k] for k in ("title", "status", "detail")}

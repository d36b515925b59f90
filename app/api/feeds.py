"""API resources to read: NPS answers and the content library (approved items with their consent scope)."""
from __future__ import annotations

from sqlalchemy import select

from app.admin.moderation.library import _library_item, _library_query
from app.api.core import page_of, problems, resource_blueprint, secured
from app.api.schemas import ContentFilters, ContentItemSchema, NpsAnswerSchema, NpsFilters, page_schema
from app.challenges import get_type
from app.challenges.registry import data_of
from app.journey.models import Submission
from app.nps.models import NpsResponse

nps = resource_blueprint("nps", "nps", "NPS answers: scores, categories and reasons.")
content = resource_blueprint("content", "content", "The content library: approved contributions marketing may use now.")
NpsPage = page_schema(NpsAnswerSchema, "NpsAnswerPage")
ContentPage = page_schema(ContentItemSchema, "ContentItemPage")


@nps.route("", methods=["GET"])
@nps.arguments(NpsFilters, location="query")
@nps.response(200, NpsPage)
@nps.doc(**secured("nps"))
@problems(nps)
def list_nps(args):
    """List NPS answers (from challenges and surveys), oldest first."""
    statement = select(NpsResponse)
    if args.get("category"):
        statement = statement.where(NpsResponse.category == args["category"])
    if args.get("since"):
        statement = statement.where(NpsResponse.created_at >= args["since"])
    return page_of(statement, NpsResponse.id, args)


def _content_item(submission: Submission) -> dict:
    item = _library_item(submission)
    data = data_of(submission)
    ctype = get_type(submission.challenge.type_key)
    chosen = data.get("channels") if isinstance(data.get("channels"), list) else []
    shows = item.may_show
    return {
        "id": submission.id, "type": ctype.key, "user_id": submission.user_id,
        "company_id": submission.user.company_id, "text": item.text, "language": submission.locale,
        "approved_at": item.approved_at,
        "consent": {"channels": [c for c in chosen if isinstance(c, str) and c in ctype.usage_channels],
                    "valid_until": item.until, "may_show_name": shows["show_name"],
                    "may_show_company": shows["show_company"], "may_show_logo": shows["show_logo"],
                    "may_show_photo": shows["show_photo"]},
    }


@content.route("", methods=["GET"])
@content.arguments(ContentFilters, location="query")
@content.response(200, ContentPage)
@content.doc(**secured("content"))
@problems(content)
def list_content(args):
    """List the items marketing may use now: approved, consent in force, not past their end date.
    A withdrawn or expired consent takes an item out at once."""
    filters = {"type": args["type"]} if args.get("type") else {}
    page = page_of(_library_query(filters), Submission.id, args)
    return {"items": [_content_item(s) for s in page["items"]], "next_cursor": page["next_cursor"]}

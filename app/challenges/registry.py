"""The challenge-type registry and the base class every type extends.

A type says how marketers configure it (`config_form`), what customers fill in (`answer_form`),
how the answer is stored (`to_data`) and shown (`summary`, `template`, `staff_answer`), whether it
needs a review before points are awarded, and whether approved answers belong in the content
library. `app.challenges.types` registers the built-in types.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar

from flask_babel import lazy_gettext as _l

from app.forms import Form

REGISTRY: dict[str, ChallengeType] = {}

# What a publication consent can allow, in the order staff read it.
PUBLICATION_SCOPE = {
    "show_name": _l("Name"), "show_company": _l("Company name"), "show_logo": _l("Logo"), "show_photo": _l("Photo"),
}


@dataclass
class StaffAnswer:
    """A customer's answer as staff see it (moderation queue, content library), safe to render."""

    text: str = ""  # the customer's own words, shown as a quote or paragraph
    url: str | None = None  # a link the customer gave (a review), only when it is plain http(s)
    facts: list[tuple[str, str]] = field(default_factory=list)  # (label, value)
    scope: list[tuple[str, bool]] = field(default_factory=list)  # publication consent: (what, allowed)


@dataclass
class Tally:
    """How often each fixed option was chosen (a poll's results). `respondents` counts answers, so with
    several choices per answer the percentages add up to more than 100."""

    options: list[tuple[str, int]]  # (label in the viewer's language, times chosen), in the marketer's order
    respondents: int = 0
    multiple: bool = False  # customers could choose several options

    def percent(self, count: int) -> float:
        """The share of respondents who chose it, 0–100."""
        return 100 * count / self.respondents if self.respondents else 0.0
@dataclass(frozen=True)
class ReferenceTerms:
    """What a customer offered as a reference: at most this many calls per quarter, about what, and how."""

    calls_per_quarter: int
    topics: str = ""
    contact: str = ""  # how they want to be reached, in the reader's language


def data_of(submission) -> dict:
    """A submission's stored answer; anything that is not a dict counts as empty."""
    data = getattr(submission, "data", None)
    return data if isinstance(data, dict) else {}


class AnswerRefused(Exception):
    """A valid answer the domain will not take (a duplicate referee, a daily cap …): the form comes
    back with `message` on `field` and everything the customer typed."""

    def __init__(self, field: str, message):
        super().__init__(str(message))
        self.field = field
        self.message = message


def register(cls: type[ChallengeType]) -> type[ChallengeType]:
    if cls.key in REGISTRY:
        raise ValueError(f"challenge type {cls.key!r} registered twice")
    REGISTRY[cls.key] = cls()
    return cls


def get_type(key: str) -> ChallengeType:
    try:
        return REGISTRY[key]
    except KeyError:
        raise LookupError(f"unknown challenge type {key!r}") from None


class ChallengeType:
    key: ClassVar[str]
    label: ClassVar[Any]  # lazy string: the type's name for marketers and customers
    help: ClassVar[Any] = ""  # one line for marketers choosing a type
    level: ClassVar[int] = 1  # the level this type is meant for
    needs_review: ClassVar[bool] = False  # default for new challenges of this type
    # Level-3 types: nothing is awarded for merely submitting; points come at sales milestones.
    awards_on_submit: ClassVar[bool] = True
    # Shown under "my contributions"; `consent` ones can be withdrawn, which unpublishes them.
    contribution: ClassVar[bool] = False
    consent: ClassVar[bool] = False
    # Approval means we publish it (a quote, a story); otherwise approval only confirms it.
    publishes: ClassVar[bool] = False
    submit_label: ClassVar[Any] = _l("Send")
    # The customer first sees what will be sent (`preview`) and approves it word for word.
    confirm_step: ClassVar[bool] = False
    # A repeatable challenge of this type may be sent again while an earlier answer still waits
    # (several introductions, each followed up by sales).
    parallel: ClassVar[bool] = False
    # Its answer can put advocacy asks on hold (an NPS score from a detractor): a completion then
    # reads the pause again instead of keeping the one it started with.
    affects_advocacy: ClassVar[bool] = False

    # --- marketers -------------------------------------------------------------------------
    def config_form(self, formdata=None, config: dict | None = None, **kwargs) -> Form | None:
        """A form for this type's settings, or None when it has none.

        Pre-filled from `config` (or `default_config()` when neither is given); `formdata` is what
        was posted. `kwargs` go to the form's constructor (e.g. `meta={"csrf": False}`).
        """
        return None

    def config_from_form(self, form: Form) -> dict:
        return {}

    def default_config(self) -> dict:
        return {}

    # --- customers -------------------------------------------------------------------------
    def answer_form(self, challenge, formdata=None, user=None) -> Form:
        raise NotImplementedError

    def to_data(self, form: Form, challenge, user) -> dict:
        """The answer as JSON-safe data, stored on the submission."""
        return {name: field.data for name, field in form._fields.items() if name not in ("csrf_token", "submit")}

    def after_submit(self, submission, user) -> None:
        """Side effects of a stored answer (e.g. profile fields copied onto the account). Flush only.
        May raise AnswerRefused; the route then rolls back and shows the form again."""

    def check(self, data: dict, user) -> None:
        """Before anything is stored: raise AnswerRefused for an answer the domain will not take."""

    def preview(self, form: Form, challenge, user) -> dict:
        """For `confirm_step` types: what the customer approves before the answer is stored."""
        return {}

    @property
    def preview_template(self) -> str:
        return f"challenges/types/{self.key}_preview.html"

    def context(self, challenge, user) -> dict:
        """Extra template context for the challenge page. Flush only: the page commits once, with the
        view it records (so a referral code made for an older account is kept)."""
        return {}

    @property
    def template(self) -> str:
        """The partial that renders the answer form's fields."""
        return f"challenges/types/{self.key}.html"

    @property
    def info_template(self) -> str:
        """An optional partial shown above the form and after sending (a link, a QR code …)."""
        return f"challenges/types/{self.key}_info.html"

    @property
    def waiting_text(self):
        """What the customer reads while a submission waits."""
        if not self.awards_on_submit:
            return _l("Thank you! Your account manager takes it from here. Points follow when the introduction leads to a real conversation.")
        return _l("Thank you! We will look at it soon; your points follow after that.")

    def summary(self, submission) -> str:
        """One line describing a submission, for lists."""
        return ""

    # --- staff -----------------------------------------------------------------------------
    # Approved answers are content marketing may use (quotes, stories, reviews), each under its consent.
    in_library: ClassVar[bool] = False
    # Where an approved answer may be used (key -> label), as the customer chose under data["channels"].
    usage_channels: ClassVar[dict[str, Any]] = {}
    # The answer's keys the content library's search looks in.
    library_search_keys: ClassVar[tuple[str, ...]] = ()

    def staff_answer(self, submission) -> StaffAnswer:
        """The whole answer for staff. Read defensively: old or odd data must never break a page."""
        try:
            return StaffAnswer(text=self.summary(submission))
        except (AttributeError, TypeError, ValueError):
            return StaffAnswer()

    def library_text(self, data: dict) -> str:
        """The answer in one line of the library's export: the words, the link, or what it is about."""
        return ""

    def library_channels(self, data: dict) -> str:
        """The channels the customer allowed, as one line."""
        chosen = data.get("channels")
        if not isinstance(chosen, list):
            return ""
        return ", ".join(str(self.usage_channels[key]) for key in chosen
                         if isinstance(key, str) and key in self.usage_channels)

    def library_until(self, data: dict) -> date | None:
        """The last day the answer may be used, or None for "until the consent is withdrawn"."""
        return None

    def publication_scope(self, data: dict) -> dict[str, bool] | None:
        """Per `PUBLICATION_SCOPE` key whether the customer allowed it, or None when the type asks nothing of it."""
        return None

    # --- answers per challenge (staff) --------------------------------------------------------
    # The answer's keys that hold the customer's own words: the answers list searches in them.
    answer_search_keys: ClassVar[tuple[str, ...]] = ()
    # For types with fixed options: the answer's key that holds the chosen option(s), which results
    # are counted on (see `results`); None for types without results.
    results_key: ClassVar[str | None] = None

    def answer_text(self, submission) -> str:
        """The whole answer as one line of plain text (the answers export): the words, a link, the facts."""
        answer = self.staff_answer(submission)
        parts = [answer.text, answer.url or "", *(f"{label}: {value}" for label, value in answer.facts)]
        return " · ".join(" ".join(part.split()) for part in parts if part)

    def results(self, challenge, counted: list[tuple[Any, int]]) -> Tally | None:
        """The results of a type with fixed options, from (value under `results_key`, number of answers
        with that value) pairs, the values as stored; None for other types. Old or odd values never raise."""
        return None
    # --- the customer's voice (participant page, the ask) -------------------------------------
    # How the ask page names where quoted words come from; %(title)s is the challenge's title.
    ask_source: ClassVar[Any] = _l("Answer to “%(title)s”")
    # StaffAnswer.text is the customer's own writing (marked with the language they wrote in), not
    # words of ours such as the options of a poll (shown in the reader's language).
    text_in_own_words: ClassVar[bool] = False
    # Its answer says how the customer wants to be reached (the participant page shows the latest).
    contact_details: ClassVar[bool] = False
    # Its answer is an offer to be a reference for prospects (the reference offers list).
    offers_reference: ClassVar[bool] = False

    def ask_quote(self, data: dict) -> str:
        """The customer's own words from an approved answer that sales may quote back to them in the
        ask ("you told us …"), or "" when this type's answers hold none."""
        return ""

    def contact_facts(self, submission) -> list[tuple[str, str]]:
        """For `contact_details` types: (label, value) pairs on how to reach the customer. Read defensively."""
        return []

    def reference_terms(self, data: dict) -> ReferenceTerms | None:
        """For `offers_reference` types: the terms of the offer, or None when the data holds no usable limit."""
        return None


def keys_where(attribute: str) -> list[str]:
    """The keys of the registered types that have `attribute` set (a flag such as `offers_reference`)."""
    return [key for key, ctype in REGISTRY.items() if getattr(ctype, attribute, False)]


def quotable_keys() -> list[str]:
    """The keys of the types whose answers may hold words to quote in the ask."""
    return [key for key, ctype in REGISTRY.items() if type(ctype).ask_quote is not ChallengeType.ask_quote]

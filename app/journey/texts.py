"""What the journey pages show of the published journey, in one language: worked out once per cached
journey and locale, so a page does not call gettext and get_locale for every challenge it lists."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app, has_request_context, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _

from app.challenges import get_type
from app.i18n_content import localized_in
from app.journey.definition import ChallengeDef, Definition, LevelDef

# The tag beside a challenge: its css class per status (the words come from `status_labels`).
STATUS_CLASSES = {"done": "tag-done", "waiting": "tag-waiting", "locked": "tag-locked", "closed": "tag-locked",
                  "paused": "tag-waiting", "open": "tag-open"}


@dataclass(frozen=True, slots=True)
class ChallengeText:
    title: str
    body: str
    type_label: str
    points: str  # "15 points", or "points at each milestone" for the asks sales follows up
    href: str


@dataclass(frozen=True, slots=True)
class LevelText:
    heading: str  # "Level 2"
    name: str
    description: str
    progress_label: str  # for the progress bar's screen-reader label


@dataclass(frozen=True)
class JourneyTexts:
    challenges: dict[int, ChallengeText]
    levels: dict[int, LevelText]
    status: dict[str, str]
    status_classes: dict[str, str]
    # A challenge's line in the journey list depends on nothing but the challenge and its status:
    # rendered once per (challenge, status) and kept, as Markup.
    rows: dict[tuple[int, str], str] = field(default_factory=dict, repr=False)

    def row(self, challenge_state) -> str:
        key = (challenge_state.challenge.id, challenge_state.status)
        html = self.rows.get(key)
        if html is None:
            macro = current_app.jinja_env.get_template("journey/_row.html").module.challenge_row
            html = self.rows[key] = macro(self.challenges[key[0]], key[1], self.status[key[1]],
                                          self.status_classes[key[1]])
        return html


def status_labels() -> dict[str, str]:
    return {"done": _("Done"), "waiting": _("Waiting for review"), "locked": _("Locked"),
            "closed": _("Not open now"), "paused": _("On hold"), "open": _("Open")}


def points_text(challenge: ChallengeDef) -> str:
    if get_type(challenge.type_key).awards_on_submit:
        return ngettext("%(num)d point", "%(num)d points", challenge.points)
    return _("points at each milestone")


def _challenge_text(challenge: ChallengeDef, locale: str) -> ChallengeText:
    return ChallengeText(
        title=localized_in(challenge, "title", locale), body=localized_in(challenge, "body", locale),
        type_label=str(get_type(challenge.type_key).label), points=points_text(challenge),
        href=url_for("journey.challenge", challenge_id=challenge.id),
    )


def _level_text(level: LevelDef, locale: str) -> LevelText:
    return LevelText(
        heading=_("Level %(n)d", n=level.position), name=localized_in(level, "name", locale),
        description=localized_in(level, "description", locale),
        progress_label=_("Progress towards level %(n)d", n=level.position),
    )


def journey_texts(definition: Definition) -> JourneyTexts:
    """The texts of `definition` in the request's language, made on first use and kept with it."""
    locale = str(get_locale() or "nl")
    key = (locale, request.script_root if has_request_context() else "")
    texts = definition.texts.get(key)
    if texts is None:
        challenges = {c.id: c for level in definition.levels for c in (*level.challenges, *level.required)}
        texts = JourneyTexts(
            challenges={cid: _challenge_text(c, locale) for cid, c in challenges.items()},
            levels={level.id: _level_text(level, locale) for level in definition.levels},
            status=status_labels(), status_classes=STATUS_CLASSES,
        )
        definition.texts[key] = texts
    return texts

"""Expected answers per role for this area's endpoints (see tests/access_tables/__init__.py)."""
TO_LOGIN = "login"

# Marketers (and admins) only; the sample ids do not exist, so staff get 404 there.
_PAGE = (TO_LOGIN, 403, 200, 403, 200)
_MISSING = (TO_LOGIN, 403, 404, 403, 404)

EXPECTED: dict[str, tuple] = {
    "admin_designer.levels": _PAGE,
    "admin_designer.levels_new": _PAGE,
    "admin_designer.levels_edit": _MISSING,
    "admin_designer.levels_move": _MISSING,
    "admin_designer.levels_delete": _MISSING,
    "admin_designer.levels_publish": _MISSING,
    "admin_designer.challenges": _PAGE,
    "admin_designer.challenges_new": _PAGE,
    "admin_designer.challenges_edit": _MISSING,
    "admin_designer.challenges_preview": _MISSING,
    "admin_designer.challenges_duplicate": _MISSING,
    "admin_designer.challenges_move": _MISSING,
    "admin_designer.challenges_publish": _MISSING,
    "admin_designer.challenges_unpublish": _MISSING,
    "admin_designer.challenges_archive": _MISSING,
    "admin_designer.challenges_delete": _MISSING,
    "admin_designer.badges": _PAGE,
    "admin_designer.badges_new": _PAGE,
    "admin_designer.badges_edit": _MISSING,
    "admin_designer.badges_activate": _MISSING,
    "admin_designer.badges_deactivate": _MISSING,
    "admin_designer.badges_delete": _MISSING,
    "admin_designer.rewards": _PAGE,
    "admin_designer.rewards_new": _PAGE,
    "admin_designer.rewards_edit": _MISSING,
    "admin_designer.rewards_activate": _MISSING,
    "admin_designer.rewards_deactivate": _MISSING,
}
SAMPLE_ARGS: dict[str, object] = {"level_id": 999999, "challenge_id": 999999, "badge_id": 999999, "reward_id": 999999}

"""The built-in challenge types, one module per type; importing this package registers them all."""
# The order below is the order marketers see the types in (by level), so keep it.
# isort: off
from app.challenges.types import question, poll, nps, profile, content  # noqa: F401  level 1
from app.challenges.types import quote, case_story, review, event, reference_call  # noqa: F401  level 2
from app.challenges.types import referral, linkedin_intro, share  # noqa: F401  level 3
# isort: on

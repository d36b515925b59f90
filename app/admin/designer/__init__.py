"""Journey designer: marketers shape the levels, challenges, badges and rewards customers meet.

Every change is audited in the same transaction and each request commits once; the rules a change
must keep live in app.journey.design. Lists are paginated with a fixed number of queries; forms
work without JavaScript and htmx enhances them.
"""
from app.admin.designer import badges, challenges, levels, preview, rewards  # noqa: F401  (their routes join bp)
from app.admin.designer.common import bp  # noqa: F401

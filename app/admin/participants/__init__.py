"""Participants pages for marketing (blueprint `admin_participants`): the views and their forms."""
from app.admin.participants import detail  # noqa: F401  (the participant page's routes, on the same blueprint)
from app.admin.participants.routes import bp  # noqa: F401  (app/__init__.py registers participants.bp)

"""Participants: find, invite, import and deactivate customers."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin_participants", __name__)

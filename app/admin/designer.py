"""Journey designer: levels, challenges, badges and rewards."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin_designer", __name__)

"""Moderation queue, content library and reward fulfilment."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin_moderation", __name__)

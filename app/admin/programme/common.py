"""The programme settings' blueprint: the referral programme's rules and the organisation's identity."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin_programme", __name__, url_prefix="/admin")

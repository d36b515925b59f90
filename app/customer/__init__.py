"""The customer's own pages (points, badges, rewards, contributions, profile, leaderboard): one blueprint."""
from flask import Blueprint

bp = Blueprint("customer", __name__)

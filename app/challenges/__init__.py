"""Challenge types: one class per type, found through the registry. Adding a type touches no core code."""
from app.challenges.registry import REGISTRY, ChallengeType, get_type, register  # noqa: F401

"""Moderation queue, content library and reward fulfilment: marketing's daily follow-up work.

Every decision is a conditional UPDATE (only while the item is still pending or requested), so two
marketers acting at the same moment never both succeed: the second one is told it was already done.
A decision, its points, the customer's notification and the audit entry are one commit.
"""
from app.admin.moderation import fulfilment, library, queue  # noqa: F401  (their routes join the blueprint)
from app.admin.moderation.common import bp  # noqa: F401

"""The audit log: every change staff make, as a structured event (who, what, when), shown to admins."""

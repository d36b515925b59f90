"""The sales workspace: ready for the ask, the ask log, the referral pipeline and follow-ups."""

"""The marketing workspace under /admin: designer, moderation, participants, library, audit."""

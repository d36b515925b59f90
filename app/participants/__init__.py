"""Participants (the programme's customers): the directory, invitations, deactivation and the CSV import."""

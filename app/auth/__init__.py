"""Accounts: people, companies, login, invitations and password reset."""

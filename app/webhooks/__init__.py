"""Signed webhooks (Standard Webhooks): admins name endpoints and the domain events they want; each
event is queued per endpoint in the change's own transaction and delivered, signed, with retries."""

"""Referrals: introductions by customers, share links, the referee's landing page and privacy."""

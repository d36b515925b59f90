"""Badges and rewards."""

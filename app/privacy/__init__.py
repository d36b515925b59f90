"""Customers' data rights: the export of everything we hold about them, erasure, consent records."""

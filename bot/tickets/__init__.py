"""Admission tickets: numbers, signed QR tokens, seats."""

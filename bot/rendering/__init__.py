"""Rendering of documents for people: admission tickets as PNG and PDF with a QR code."""

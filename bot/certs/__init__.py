"""Certificates (K1-K5): signed verification tokens for the certificate QR code."""

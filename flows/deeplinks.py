"""Routing of /start deep-link payloads (`inv_…`, later `tk_…` tickets and `ct_…` certificates)."""

from __future__ import annotations

from dataclasses import dataclass

PREFIXES = {"inv_": "invite", "tk_": "ticket", "ct_": "certificate"}


@dataclass(frozen=True)
class Payload:
    """A parsed deep-link payload: its kind and the value after the prefix."""

    kind: str
    value: str = ""


def parse(payload: str) -> Payload:
    """Classify a /start payload; an empty one is `none`, an unrecognized one `unknown`."""
    payload = payload.strip()
    if not payload:
        return Payload("none")
    for prefix, kind in PREFIXES.items():
        if payload.startswith(prefix) and len(payload) > len(prefix):
            return Payload(kind, payload[len(prefix):])
    return Payload("unknown", payload)

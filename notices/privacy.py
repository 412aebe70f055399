"""The one masking rule (Henan measure Art. 4, 28): public and third-party notices mask personal data."""

from __future__ import annotations


def mask_id(value: str | None) -> str:
    """Resident ID and similar numbers: keep the first 4 and last 4, e.g. 4101**********123X."""
    value = value or ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_name(value: str | None) -> str:
    """A person's name: keep the surname, e.g. 张三丰 → 张**."""
    value = value or ""
    if len(value) <= 1:
        return value
    return value[0] + "*" * (len(value) - 1)


def needs_masking(audience: str) -> bool:
    """Only the subject's own notices (and internal records) carry personal data in full."""
    return audience in ("public", "third_party")

import pytest

from calendars import WorkingCalendar


@pytest.fixture(scope="session")
def cal() -> WorkingCalendar:
    """The calendar without overrides (built once: it is immutable)."""
    return WorkingCalendar()

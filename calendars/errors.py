"""Errors raised by the calendar. Every message says what was wrong and what is expected."""


class CalendarError(ValueError):
    """Bad input to the calendar, or a question it cannot answer (e.g. a year out of range)."""

    code = "calendar.invalid"


class OutOfRangeError(CalendarError):
    """A date outside the supported years 2000-2099."""

    code = "calendar.out_of_range"


class OverrideFileError(CalendarError):
    """An override file that cannot be read or contradicts itself."""

    code = "calendar.override_invalid"

"""Business hours: when the service clock runs, and arithmetic on it.

    calendar = BusinessCalendar.parse("08:00-20:00", "1-7", "Asia/Shanghai")
    calendar.add(start, 120)                 # 120 minutes of business time after `start`
    calendar.minutes_between(start, end)     # business minutes in [start, end)

Hours are local opening periods of a business day (`"08:00-20:00"`, several with commas:
`"08:00-12:00,13:00-18:00"`, `24:00` for midnight); days are ISO weekdays (1 = Monday):
`"1-7"`, `"1-5"`, `"1-5,7"`. A clock started outside business hours starts at the next opening.
An empty period (`"23:59-23:59"`) is no opening time; a calendar with none at all (a test's
"always closed") cannot count business time, so it counts every hour.

The appointment windows are the calendar's too (`APPOINTMENT_WINDOWS`,
`"morning=08:00-12:00,afternoon=12:00-18:00,evening=18:00-20:00"`): the one place their hours
are written, read by the backend (a visit's on-site due time) and the bot (which window "3pm"
is: bot/dialogue/when.py).

The process's calendar comes from the settings (`configure(settings)`, called by `create_app`;
code running without an app gets the one of `get_settings()`), like the encryption keys: the
ticket service computes due times deep inside its transactions, where no request is at hand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from backend.kernel.config import Settings, get_settings

MINUTES_PER_DAY = 24 * 60
_PERIOD = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")
_DAYS = re.compile(r"^([1-7])(?:-([1-7]))?$")
# The windows' names (backend.tickets.enums.AppointmentWindow), in the order of the day.
WINDOW_NAMES = ("morning", "afternoon", "evening")


class CalendarError(ValueError):
    """BUSINESS_HOURS or BUSINESS_DAYS cannot be understood (the message says which)."""


def _minute_of_day(hours: str, minutes: str, text: str, setting: str = "BUSINESS_HOURS") -> int:
    value = int(hours) * 60 + int(minutes)
    if int(minutes) >= 60 or value > MINUTES_PER_DAY:
        raise CalendarError(f"{setting}: {text!r} is not a time of day")
    return value


def parse_hours(text: str) -> tuple[tuple[int, int], ...]:
    """`"08:00-12:00,13:00-20:00"` → ((480, 720), (780, 1200)): minutes after local midnight.
    Empty periods (start = end) are left out."""
    periods = []
    for part in (p.strip() for p in text.split(",")):
        match = _PERIOD.match(part)
        if match is None:
            raise CalendarError(f"BUSINESS_HOURS: {part!r} is not HH:MM-HH:MM")
        start = _minute_of_day(match[1], match[2], part)
        end = _minute_of_day(match[3], match[4], part)
        if end < start:
            raise CalendarError(f"BUSINESS_HOURS: {part!r} ends before it starts (periods over "
                                "midnight: write two, …-24:00 and 00:00-…)")
        if end > start:
            periods.append((start, end))
    periods.sort()
    for (_, end), (start, _) in zip(periods, periods[1:], strict=False):
        if start < end:
            raise CalendarError(f"BUSINESS_HOURS: periods overlap in {text!r}")
    return tuple(periods)


Windows = tuple[tuple[str, int, int], ...]


def parse_windows(text: str) -> Windows:
    """`"morning=08:00-12:00,afternoon=12:00-18:00,evening=18:00-20:00"` → (("morning", 480,
    720), …): each window's local start and end, minutes after midnight, in WINDOW_NAMES'
    order. Every one of WINDOW_NAMES once, none empty."""
    windows: dict[str, tuple[int, int]] = {}
    for part in (p.strip() for p in text.split(",")):
        name, _, hours = (s.strip() for s in part.partition("="))
        match = _PERIOD.match(hours)
        if name not in WINDOW_NAMES or name in windows or match is None:
            raise CalendarError(f"APPOINTMENT_WINDOWS: {part!r} is not one of "
                                f"{', '.join(WINDOW_NAMES)}=HH:MM-HH:MM, each once")
        start = _minute_of_day(match[1], match[2], part, "APPOINTMENT_WINDOWS")
        end = _minute_of_day(match[3], match[4], part, "APPOINTMENT_WINDOWS")
        if end <= start:
            raise CalendarError(f"APPOINTMENT_WINDOWS: {part!r} ends before it starts")
        windows[name] = (start, end)
    if set(windows) != set(WINDOW_NAMES):
        raise CalendarError(f"APPOINTMENT_WINDOWS: {text!r} lacks "
                            f"{', '.join(n for n in WINDOW_NAMES if n not in windows)}")
    return tuple((name, *windows[name]) for name in WINDOW_NAMES)


DEFAULT_WINDOWS = parse_windows(Settings.model_fields["appointment_windows"].default)


def parse_days(text: str) -> frozenset[int]:
    """`"1-5,7"` → {1, 2, 3, 4, 5, 7} (ISO weekdays, 1 = Monday)."""
    days: set[int] = set()
    for part in (p.strip() for p in text.split(",")):
        match = _DAYS.match(part)
        if match is None:
            raise CalendarError(f"BUSINESS_DAYS: {part!r} is not a weekday 1-7 or a range 1-5")
        first, last = int(match[1]), int(match[2] or match[1])
        if last < first:
            raise CalendarError(f"BUSINESS_DAYS: {part!r} runs backwards")
        days.update(range(first, last + 1))
    return frozenset(days)


@dataclass(frozen=True)
class BusinessCalendar:
    timezone: ZoneInfo
    periods: tuple[tuple[int, int], ...]  # minutes after local midnight, sorted, disjoint
    days: frozenset[int]  # ISO weekdays
    # Appointment windows: (name, local start, end), minutes after midnight.
    windows: Windows = DEFAULT_WINDOWS

    @classmethod
    def parse(cls, hours: str, days: str, timezone: str,
              windows: str | None = None) -> BusinessCalendar:
        """`windows` None: the default APPOINTMENT_WINDOWS."""
        return cls(timezone=ZoneInfo(timezone), periods=parse_hours(hours),
                   days=parse_days(days),
                   windows=DEFAULT_WINDOWS if windows is None else parse_windows(windows))

    @classmethod
    def from_settings(cls, settings: Settings) -> BusinessCalendar:
        return cls.parse(settings.business_hours, settings.business_days,
                         settings.ticket_timezone, settings.appointment_windows)

    def _at(self, day: date, minute: int) -> datetime:
        """Local `minute` of `day` (1440 = the next midnight) as an aware datetime."""
        return (datetime.combine(day, time(0), tzinfo=self.timezone)
                + timedelta(minutes=minute)).astimezone(self.timezone)

    def _open_periods(self, start: datetime, end: datetime | None = None):
        """The opening periods (local open, close), in order, from the one `start` falls in or
        before; ends at `end` if given (else runs on for as long as it is asked)."""
        day = start.astimezone(self.timezone).date()
        while end is None or self._at(day, 0) < end:
            if day.isoweekday() in self.days:
                for first, last in self.periods:
                    opens, closes = self._at(day, first), self._at(day, last)
                    if closes > start:
                        yield opens, closes
            day += timedelta(days=1)

    def add(self, start: datetime, minutes: float) -> datetime:
        """The moment `minutes` of business time after `start`."""
        remaining = timedelta(minutes=minutes)
        if not self.periods:
            return start + remaining
        for opens, closes in self._open_periods(start):
            begin = max(start, opens)
            if begin + remaining <= closes:
                return begin + remaining
            remaining -= closes - begin
        raise AssertionError("unreachable: the calendar has business hours every week")

    def minutes_between(self, start: datetime, end: datetime) -> float:
        """Business minutes in [start, end) (0 if end is not after start)."""
        if not self.periods:
            return max((end - start).total_seconds() / 60, 0.0)
        total = timedelta(0)
        for opens, closes in self._open_periods(start, end):
            begin, finish = max(start, opens), min(end, closes)
            if finish > begin:
                total += finish - begin
        return total.total_seconds() / 60

    def opening(self, day: date) -> datetime:
        """When the first opening period of `day` begins (local), business day or not
        (midnight without any)."""
        return self._at(day, self.periods[0][0] if self.periods else 0)

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.timezone).date()

    def window(self, name: str) -> tuple[int, int]:
        """The appointment window's local (start, end), minutes after midnight."""
        for window, start, end in self.windows:
            if window == name:
                return start, end
        raise KeyError(name)

    def window_end(self, day: date, name: str) -> datetime:
        """When the appointment window `name` of `day` ends (local wall-clock time)."""
        end = self.window(name)[1]
        day += timedelta(days=end // MINUTES_PER_DAY)  # 24:00: the next midnight
        return datetime.combine(day, time(end // 60 % 24, end % 60), tzinfo=self.timezone)

    def window_at(self, hour: int) -> str | None:
        """The appointment window a visit at local `hour` (0-23) o'clock falls in, or None
        outside them all."""
        return next((name for name, start, end in self.windows if start <= hour * 60 < end),
                    None)


def due(*, start: datetime, minutes: float, business_hours_only: bool,
        calendar: BusinessCalendar) -> datetime:
    """When a clock of `minutes` started at `start` runs out: in business time if
    `business_hours_only`, else around the clock."""
    if business_hours_only:
        return calendar.add(start, minutes)
    return start + timedelta(minutes=minutes)


def warning(*, start: datetime, due_at: datetime, business_hours_only: bool,
            calendar: BusinessCalendar, left: float = 0.25) -> datetime:
    """From when a clock running from `start` to `due_at` has less than `left` (a fraction) of
    its window left: "nearly due". Measured in business time if `business_hours_only`."""
    if business_hours_only:
        window = calendar.minutes_between(start, due_at)
        return calendar.add(start, window * (1 - left))
    return start + (due_at - start) * (1 - left)


_calendar: BusinessCalendar | None = None


def configure(settings: Settings) -> BusinessCalendar:
    """Use the business hours of `settings` from now on (process-wide)."""
    global _calendar
    _calendar = BusinessCalendar.from_settings(settings)
    return _calendar


def current() -> BusinessCalendar:
    return _calendar or configure(get_settings())

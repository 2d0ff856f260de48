"""When channels get their digests: crontab lines in IANA time zones, run by APScheduler.

A schedule is what people already write for cron: "0 8 * * 1-5 Europe/London" is 08:00 London
time, Monday to Friday. APScheduler 3 reads a crontab's day-of-week numbers from Monday = 0
(crontab's 1-5 would be Tuesday to Saturday there), so numbers are turned into day names first.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.base import BaseTrigger

from bot.store import Conversation, Schedule, channel_key
from summarizers.errors import InputError, NewsbriefError

log = logging.getLogger("newsbrief.schedule")

_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")  # crontab: 0 and 7 are Sunday
_NOT_A_DAY = "{!r} is not a day of the week or a range of them (0-7 or sun-sat; Sunday is 0 or 7)."
_DAY_PART = re.compile(r"^(\*|\d+|[a-z]{3})(?:-(\d+|[a-z]{3}))?(?:/(\d+))?$")
# A digest held up past its time while the bot runs (the event loop busy, the machine asleep)
# still runs if it is this late. One due while the bot was down is made up once at start
# (`missed`), however many were due: it carries what is new.
MISFIRE_GRACE_S = 3600
# How often a running bot reads the schedules from its store: a schedule set or stopped through
# another bot sharing the store is kept to within this long (through this bot: at once).
SCHEDULES_REREAD_S = 60
_REREAD_JOB = "schedules:reread"
_RETRY = ":retry"  # a digest job's id, and this: its one-off retry
USAGE = ("Give a crontab line and, if you like, a time zone: schedule 0 8 * * 1-5 Europe/London "
         "(08:00 on weekdays). schedule off stops the digest.")


def check_timezone(name: str) -> ZoneInfo:
    """The IANA zone named, or an error that says how to name one."""
    try:
        if "/" in name.strip("/") or name in ("UTC", "GMT"):
            return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder ("America/Argentina")
        pass
    raise InputError(f"{name!r} is not a time zone I know; use a name like Europe/London, "
                     "America/New_York or UTC.")


def _day_number(token: str, end: bool = False) -> int:
    """A crontab day of the week as its number (Sunday 0; "sun" closing a range is 7)."""
    if token.isdigit():
        return int(token)
    if token in _DAYS:
        return 7 if end and token == "sun" else _DAYS.index(token)
    raise InputError(_NOT_A_DAY.format(token))


def _day_names(field: str) -> str:
    """A crontab day-of-week field as a list of day names, which APScheduler reads as cron
    does (its own numbers start on Monday, and its ranges of names end on Sunday)."""
    out = []
    for part in field.lower().split(","):
        m = _DAY_PART.match(part)
        if not m:
            raise InputError(_NOT_A_DAY.format(part))
        start, end, step = m.groups()
        if start == "*":
            lo, hi = 0, 6
        else:
            lo = _day_number(start)
            hi = _day_number(end, end=True) if end else (6 if step else lo)  # "1/2": to Saturday
        if hi > 7 or lo > hi:
            raise InputError(_NOT_A_DAY.format(part))
        out.extend(_DAYS[d] for d in range(lo, hi + 1, int(step or 1)))
    return ",".join(dict.fromkeys(out))


def trigger(schedule: Schedule) -> Any:
    """The APScheduler trigger of a schedule; InputError when the line is not a crontab.
    As in cron, a day of the month and a day of the week both given mean either of them."""
    from apscheduler.triggers.combining import OrTrigger
    from apscheduler.triggers.cron import CronTrigger

    fields = schedule.cron.split()
    if len(fields) != 5:
        raise InputError(f"{schedule.cron!r} is not a crontab line of five fields "
                         "(minute hour day month weekday). " + USAGE)
    minute, hour, day, month, weekday = fields
    zone = check_timezone(schedule.timezone)
    try:
        days = _day_names(weekday)
        if day.startswith("*") or weekday.startswith("*"):
            cron: Any = CronTrigger(minute=minute, hour=hour, day=day, month=month,
                                    day_of_week=days, timezone=zone)
        else:
            cron = OrTrigger([
                CronTrigger(minute=minute, hour=hour, day=day, month=month, timezone=zone),
                CronTrigger(minute=minute, hour=hour, month=month, day_of_week=days,
                            timezone=zone),
            ])
    except ValueError as err:
        raise InputError(f"{schedule.cron!r}: {err}. " + USAGE) from None
    return _OnceAtEachTime(cron) if "*" not in hour else cron


class _OnceAtEachTime(BaseTrigger):
    """A job at a fixed hour runs once when the clocks go back, as in cron: APScheduler's cron
    trigger fires at 01:30 summer time and again at 01:30 winter time."""

    def __init__(self, cron: Any) -> None:
        self.cron = cron

    def get_next_fire_time(self, previous: datetime | None, now: datetime) -> datetime | None:
        when = self.cron.get_next_fire_time(previous, now)
        while when is not None and _second_of_two(when):
            # In UTC: aware times in one zone compare by the clock face, fold ignored.
            when = self.cron.get_next_fire_time(
                when, when.astimezone(UTC) + timedelta(microseconds=1))
        return when

    def __str__(self) -> str:
        return str(self.cron)


def _second_of_two(when: datetime) -> bool:
    """Is this the second time the clock shows this time today (the hour the clocks go back)?"""
    return when.fold == 1 and when.replace(fold=0).utcoffset() != when.utcoffset()


def parse_schedule(text: str, default_timezone: str) -> Schedule:
    """ "0 8 * * 1-5 Europe/London" (the zone may be left out) to a checked Schedule."""
    words = text.split()
    zone = default_timezone
    if len(words) == 6:
        zone = words.pop()
    schedule = Schedule(" ".join(words), zone)
    if next_run(schedule) is None:  # "0 8 30 2 *": 30 February never comes
        raise InputError(f"{schedule.cron!r} names a day that never comes. " + USAGE)
    return schedule


def next_run(schedule: Schedule, after: datetime | None = None) -> datetime | None:
    zone = check_timezone(schedule.timezone)
    return trigger(schedule).get_next_fire_time(None, after or datetime.now(zone))


def missed(schedule: Schedule, now: datetime | None = None) -> datetime | None:
    """The first time a digest was due after the schedule last ran, if that is already past."""
    if schedule.last_run is None:
        return None
    zone = check_timezone(schedule.timezone)
    since = datetime.fromtimestamp(schedule.last_run + 1, zone)
    due = trigger(schedule).get_next_fire_time(None, since)
    return due if due is not None and due <= (now or datetime.now(UTC)) else None


def describe(schedule: Schedule) -> str:
    """ "0 8 * * 1-5 (Europe/London), next on Fri 4 Dec 08:00" """
    when = next_run(schedule)
    nxt = f", next on {when:%a} {when.day} {when:%b %H:%M}" if when else ""
    return f"{schedule.cron} ({schedule.timezone}){nxt}"


def _job_id(where: Conversation) -> str:
    return "digest:" + ":".join(channel_key(where))


class DigestClock:
    """Runs `deliver(where)` at each channel's scheduled times, on the running event loop."""

    def __init__(self, deliver: Callable[[Conversation], Awaitable[None]]) -> None:
        from apscheduler.schedulers.asyncio import AsyncIOScheduler

        self._deliver = deliver
        self._scheduler = AsyncIOScheduler(job_defaults={
            "coalesce": True,  # several missed runs make one digest, not a burst
            "max_instances": 1,  # a slow digest is not started again on top of itself
            "misfire_grace_time": MISFIRE_GRACE_S,
        })
        self._kept: dict[str, Schedule] = {}  # job id -> the schedule its trigger was made from

    def start(self, schedules: list[tuple[Conversation, Schedule]],
              reread: Callable[[], list[tuple[Conversation, Schedule]]] | None = None,
              every: float = SCHEDULES_REREAD_S) -> None:
        """Start the clock (in a running event loop) with the schedules the store kept. A
        digest that fell due while no bot was running is made up now, once. With `reread`
        (the store's schedules), they are read again every `every` seconds and kept to."""
        for where, schedule in schedules:
            try:
                due = missed(schedule)
                if due is not None:
                    log.info("the digest for %s due at %s did not run; it runs now", where, due)
                self.set(where, schedule, now=due is not None)
            except InputError as err:  # a zone the system no longer has, say
                log.error("digest schedule for %s not started: %s", where, err)
        if reread is not None:
            self._scheduler.add_job(self._reread, "interval", seconds=every, args=[reread],
                                    id=_REREAD_JOB, name="schedules read again")
        self._scheduler.start()

    async def _reread(self, read: Callable[[], list[tuple[Conversation, Schedule]]]) -> None:
        try:
            stored = await asyncio.to_thread(read)
        except NewsbriefError as err:  # the store is down: keep the clock as it is
            log.error("could not read the digest schedules again: %s", err)
            return
        self.keep_to(stored)

    def keep_to(self, schedules: list[tuple[Conversation, Schedule]]) -> None:
        """Keep to these schedules (the store's): set those that are new or changed, stop those
        that are gone; one unchanged keeps its next run time. No missed run is made up here:
        the bot that changed a schedule set its clock, and runs are claimed in the store."""
        wanted = {_job_id(where): (where, schedule) for where, schedule in schedules}
        for job, (where, schedule) in wanted.items():
            if self._kept.get(job) != schedule:
                log.info("the digest schedule for %s is now %s", where, describe(schedule))
                try:
                    self.set(where, schedule)
                except InputError as err:
                    log.error("digest schedule for %s not kept to: %s", where, err)
        for job in set(self._kept) - set(wanted):
            log.info("the digest schedule %s was stopped", job)
            self._stop(job)

    def set(self, where: Conversation, schedule: Schedule | None, now: bool = False) -> None:
        """Replace the channel's schedule (None stops its digests). `now`: run it at once
        first, then at its times."""
        job = _job_id(where)
        if schedule is None:
            self._stop(job)
            return
        first = {"next_run_time": datetime.now(UTC)} if now else {}
        self._scheduler.add_job(self._deliver, trigger(schedule), args=[where], id=job,
                                replace_existing=True, name=f"digest for {where}", **first)
        self._kept[job] = schedule

    def retry(self, where: Conversation, when: int) -> None:
        """Run the channel's digest once more at `when` (seconds since the epoch): a run another
        bot is making, to be made here if that bot dies first."""
        self._scheduler.add_job(self._deliver, "date", args=[where],
                                run_date=datetime.fromtimestamp(when, UTC),
                                id=_job_id(where) + _RETRY, replace_existing=True,
                                name=f"digest for {where}, if still due")

    def _stop(self, job: str) -> None:
        self._kept.pop(job, None)
        for one in (job, job + _RETRY):
            if self._scheduler.get_job(one) is not None:
                self._scheduler.remove_job(one)

    def jobs(self) -> dict[str, datetime | None]:
        """Digest job id -> its next run time (for logs and tests)."""
        return {j.id: getattr(j, "next_run_time", None) for j in self._scheduler.get_jobs()
                if j.id != _REREAD_JOB}

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

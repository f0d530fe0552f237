"""Reminders of deadlines and the e-mail digest, run by a job or ``manage.py send_reminders``.

The apps that own deadlines declare what to remind of: ``AppConfig.reminders(agency, now)``
returns ``Reminder``s (whom, of what kind, the link), found through the app registry as the
job kinds are, so this app imports no agency app. Each reminder has a key, and a
recipient is notified of a key once, so the job can run as often as the schedule likes.

The digest tells each user with new notifications, by e-mail through Django's mail
backend (the console in the demo), *that* something waits and where to sign in — never
what: no name, no case, no number of a record, nothing of the notification but a count.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from samverkan.accounts.models import Agency, User
from samverkan.jobs.kinds import JobKind, JobOutcome, Progress
from samverkan.jobs.models import Job
from samverkan.notices.actions import do_notify
from samverkan.notices.models import Notice, NoticeKind

REMINDERS = "notice_reminders"
# How far ahead a deadline is reminded of.
DUE_WITHIN = dt.timedelta(hours=24)


@dataclass(frozen=True)
class Reminder:
    recipients: tuple[int, ...]  # user ids
    kind: NoticeKind
    link: str
    key: str


@dataclass(frozen=True)
class RunResult:
    notified: int
    emailed: int


def declared_reminders(agency: Agency | None, now: dt.datetime) -> Iterable[Reminder]:
    for config in apps.get_app_configs():
        declare = getattr(config, "reminders", None)
        if declare is not None:
            yield from declare(agency, now)


def remind(agency: Agency | None = None, now: dt.datetime | None = None) -> int:
    """Notify of every deadline the apps declare (of one agency, or all); returns how many were new."""
    now = now or timezone.now()
    created = 0
    for reminder in declared_reminders(agency, now):
        created += do_notify(reminder.recipients, reminder.kind, reminder.link, key=reminder.key)
    return created


def site_url(path: str) -> str:
    return settings.SAMVERKAN_SITE_URL.rstrip("/") + path


def send_digest(agency: Agency | None = None) -> int:
    """E-mail each user with notifications not yet mailed that something waits; returns the e-mails sent."""
    pending = Notice.objects.unread().filter(emailed_at__isnull=True)
    if agency is not None:
        pending = pending.filter(recipient__membership_record__agency=agency)
    counts: dict[int, int] = {}
    for recipient_id in pending.values_list("recipient_id", flat=True):
        counts[recipient_id] = counts.get(recipient_id, 0) + 1
    users = User.objects.filter(pk__in=counts, is_active=True).exclude(email="")
    sent = 0
    link = site_url(reverse("notices:list"))
    for user in users:
        with translation.override(settings.LANGUAGE_CODE):
            subject = _("Samverkan: something is waiting for you")
            body = _(
                "You have new notifications in Samverkan (%(count)s). Sign in to read them:\n%(link)s\n\n"
                "This e-mail says nothing more on purpose: what waits is shown only after you sign in."
            ) % {"count": counts[user.pk], "link": link}
        with transaction.atomic():
            marked = pending.filter(recipient=user).update(emailed_at=timezone.now())
            if not marked:
                continue
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
        sent += 1
    return sent


def run(agency: Agency | None = None, now: dt.datetime | None = None) -> RunResult:
    return RunResult(notified=remind(agency, now), emailed=send_digest(agency))


def _job(job: Job, progress: Progress) -> JobOutcome:
    result = run(job.agency)
    return JobOutcome(
        summary=[
            _("New notifications: %(count)s") % {"count": result.notified},
            _("E-mails sent: %(count)s") % {"count": result.emailed},
        ],
        url=reverse("notices:list"),
        data={"notified": result.notified, "emailed": result.emailed},
    )


JOB_KINDS = [
    JobKind(REMINDERS, gettext_lazy("Reminders of deadlines and the e-mail digest"), "notice", _job, one_at_a_time_per_agency=True),
]

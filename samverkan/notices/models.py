"""In-app notifications: that something waits for a user, and where.

A notification holds no personal data: its kind, a link to the record's page (which
checks access itself, as every page does) and when it was read. The page behind the
link decides what the user sees; a notification never copies a record's content, so
the e-mail digest built from them can carry none either.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NoticeKind(models.TextChoices):
    CONCERN_NEW = "concern_new", _("A new child-concern report")
    CONCERN_DUE = "concern_due", _("A deadline of a child-concern report within 24 hours")
    CONCERN_OVERDUE = "concern_overdue", _("A child-concern report past its deadline")
    DISCLOSURE_REQUEST = "disclosure_request", _("A disclosure request to answer")
    DISCLOSURE_ANSWER = "disclosure_answer", _("An answer to your disclosure request")


class NoticeQuerySet(models.QuerySet["Notice"]):
    def of(self, user: Any) -> NoticeQuerySet:
        """A user's own notifications; nobody reads another's."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(recipient=user)

    def unread(self) -> NoticeQuerySet:
        return self.filter(read_at__isnull=True)


class Notice(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices", verbose_name=_("recipient")
    )
    kind = models.CharField(_("kind"), max_length=32, choices=NoticeKind.choices)
    # A path within the site (the record's page), never a full address nor any content.
    link = models.CharField(_("link"), max_length=300)
    # Idempotency: a reminder job run twice notifies once (``concern:12:decision:due``).
    key = models.CharField(max_length=100, blank=True, default="")
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    # When the e-mail digest told the recipient about it (each notification once).
    emailed_at = models.DateTimeField(null=True, blank=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notice_unread")]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "key"], condition=~Q(key=""), name="notice_key_once_per_recipient"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.recipient_id})"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

"""The append-only, hash-chained audit log.

Every event stores an HMAC-SHA256 over its own content and the previous
event's hash, under a key held outside the database (``audit/keys.py``;
events written before the chain was keyed keep their plain SHA-256 and an
empty ``key_id``). Appends are serialised by a lock on the single chain-head row,
so that concurrent writers can never fork the chain; ``seq`` is unique as a
last wall. Nothing in the code deletes an event, and on PostgreSQL a trigger
refuses it (migration 0002). The one update is a redaction: the free text of an
event that names a purged person (``detail``, ``purpose``) is replaced through
``actions.do_redact_event``, which appends a ``redact`` event vouching for the
new text; the trigger lets only that through (migration 0004).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from samverkan.accounts.models import Agency, Role
from samverkan.accounts.policy import Action, RecordType, Scope, user_scope
from samverkan.audit.keys import Keyring, keyring

GENESIS_HASH = "0" * 64


class AuditAction(models.TextChoices):
    VIEW = "view", _("view")
    LIST = "list", _("list")
    CREATE = "create", _("create")
    UPDATE = "update", _("update")
    DELETE = "delete", _("delete")
    EXPORT = "export", _("export")
    DISCLOSE = "disclose", _("disclose")
    LOGIN = "login", _("login")
    LOGIN_FAILED = "login_failed", _("failed login")
    LOGOUT = "logout", _("logout")
    DENIED = "denied", _("denied")
    # A person's name or number replaced in an earlier event's text (retention.purge): the
    # event names the redacted event by its sequence number and vouches for its new content.
    REDACT = "redact", _("redact")


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def visible_to(self, user: Any) -> AuditEventQuerySet:
        """An agency's auditors see their own agency's log; nobody else sees any."""
        if user_scope(user, RecordType.AUDIT_EVENT, Action.LIST) is not Scope.OWN_AGENCY:
            return self.none()
        return self.filter(agency=user.agency)


class AuditEvent(models.Model):
    seq = models.BigIntegerField(_("sequence number"), unique=True)
    timestamp = models.DateTimeField(_("time"), db_index=True)
    # The user is kept as id and name, not as a foreign key: the event must
    # survive the user's deletion unchanged (and the table refuses updates).
    user_id = models.BigIntegerField(_("user id"), null=True, blank=True, db_index=True)
    username = models.CharField(_("user"), max_length=150, blank=True)
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agency"),
    )
    role = models.CharField(_("role"), max_length=32, blank=True)
    action = models.CharField(_("action"), max_length=16, choices=AuditAction.choices)
    record_type = models.CharField(_("record type"), max_length=32, blank=True)
    record_id = models.CharField(_("record id"), max_length=64, blank=True)
    purpose = models.CharField(_("purpose"), max_length=300, blank=True)
    detail = models.CharField(_("detail"), max_length=500, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    client_ip = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    # The key the hash was computed with (audit/keys.py); empty for an event
    # written before the chain was keyed (a plain SHA-256).
    key_id = models.CharField(max_length=32, blank=True, default="")

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-seq"]
        indexes = [
            models.Index(fields=["agency", "-seq"]),
            models.Index(fields=["record_type", "record_id"]),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.record_type}:{self.record_id} by {self.username}"

    @property
    def role_label(self) -> str:
        """The role's name in the current language; the stored code if it is no longer a role."""
        try:
            return str(Role(self.role).label)
        except ValueError:
            return self.role

    @property
    def record_type_label(self) -> str:
        try:
            return str(RecordType(self.record_type).label)
        except ValueError:
            return self.record_type

    @property
    def shown_detail(self) -> str:
        """The detail in the user's language (stored, and exported, as written)."""
        from samverkan.audit.details import shown_detail

        return shown_detail(self.detail)

    def content(self) -> dict[str, Any]:
        """The fields the hash covers, in a canonical form (the key id too, when there is one)."""
        content = {
            "seq": self.seq,
            "timestamp": self.timestamp.astimezone(UTC).isoformat(timespec="microseconds"),
            "user_id": self.user_id,
            "username": self.username,
            "agency_id": self.agency_id,
            "role": self.role,
            "action": self.action,
            "record_type": self.record_type,
            "record_id": self.record_id,
            "purpose": self.purpose,
            "detail": self.detail,
            "request_id": self.request_id,
            "client_ip": self.client_ip,
            "prev_hash": self.prev_hash,
        }
        if self.key_id:
            content["key_id"] = self.key_id
        return content

    def canonical(self) -> bytes:
        return json.dumps(
            self.content(), sort_keys=True, ensure_ascii=False, separators=(",", ":")
        ).encode("utf-8")

    def compute_hash(self, keys: Keyring | None = None) -> str:
        """The event's hash: HMAC-SHA256 under its key, or plain SHA-256 for an unkeyed event.

        ``keys`` defaults to the configured keyring; a ``key_id`` it does not hold
        raises ``KeyError``.
        """
        if not self.key_id:
            return hashlib.sha256(self.canonical()).hexdigest()
        return (keys or keyring()).sign(self.key_id, self.canonical())


class AuditChainHead(models.Model):
    """The single row holding the chain's last sequence number and hash.

    Appending locks this row (SELECT … FOR UPDATE), which serialises writers.
    It also lets ``verify_audit`` notice events removed from the end.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = _("audit chain head")

    def __str__(self) -> str:
        return f"audit chain head at #{self.seq}"

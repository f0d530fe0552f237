"""Register extracts: what one agency holds about one person, as the person may ask for it.

Social services answer under GDPR art. 15, the police under the Criminal Data Act
(brottsdatalagen 4 kap. 6 §, the right of access). Each agency answers for its own
records only: an extract belongs to the agency that made it, and the other agency
never reaches it (``visible_to``, the policy's ``REGISTER_EXTRACT`` row).

An extract is gathered into a draft of *parts* (``gather.py``), one per record or
per free-text field of a record, each a frozen copy of what the agency held when it
was gathered. The handler reviews the draft and withholds a part under a secrecy
provision with a reason; an approved extract is frozen and delivered as a PDF and
JSON (``render.py``), where a withheld part shows only its heading and provision.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samverkan.accounts.access import RestrictedQuerySet
from samverkan.accounts.models import Agency
from samverkan.accounts.policy import RecordType
from samverkan.extracts.provisions import SecrecyProvision


class SubjectKind(models.TextChoices):
    """How the requester is identified: the typed identifiers both agencies keep."""

    PERSONNUMMER = "personnummer", _("Personal identity number")
    SAMORDNINGSNUMMER = "samordningsnummer", _("Co-ordination number")
    RESERVE = "reserve", _("Reserve number")


class ExtractStatus(models.TextChoices):
    DRAFT = "draft", _("Draft, being reviewed")
    APPROVED = "approved", _("Approved for delivery")


class Section(models.TextChoices):
    """Where a part belongs in the extract, in the order it is shown."""

    PERSON = "person", _("Records about the person")
    IDENTIFIERS = "identifiers", _("Identity numbers")
    AGES = "ages", _("Age assessments")
    ENCOUNTERS = "encounters", _("Encounters")
    SUPPORT = "support", _("Support actions")
    REFERRALS = "referrals", _("Referrals")
    CONSENTS = "consents", _("Consents")
    CONCERNS = "concerns", _("Child-concern reports")
    CRIME_REPORTS = "crime_reports", _("Crime reports")
    DISCLOSURES = "disclosures", _("Disclosures to other authorities")
    READS = "reads", _("Reads of the records")


class ExtractQuerySet(RestrictedQuerySet["Extract"]):
    record_type = RecordType.REGISTER_EXTRACT


class Extract(models.Model):
    """One answer to one request for a register extract, by one agency."""

    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("agency")
    )
    subject_kind = models.CharField(
        _("kind of identity number"), max_length=20, choices=SubjectKind.choices
    )
    # Normalised as the records keep it: twelve digits, or a cleaned reserve number.
    subject_identifier = models.CharField(_("identity number"), max_length=40)
    subject_issuer = models.CharField(_("issued by"), max_length=100, blank=True)
    received_on = models.DateField(_("request received"))
    status = models.CharField(
        _("status"), max_length=16, choices=ExtractStatus.choices, default=ExtractStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("gathered by"),
    )
    created_at = models.DateTimeField(_("gathered"), default=timezone.now, editable=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)

    objects = ExtractQuerySet.as_manager()

    class Meta:
        verbose_name = _("register extract")
        verbose_name_plural = _("register extracts")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="approved")
                | (Q(approved_by__isnull=False) & Q(approved_at__isnull=False)),
                name="extract_approved_by_someone",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_subject_kind_display()} {self.subject_display}"

    @property
    def subject_display(self) -> str:
        v = self.subject_identifier
        if self.subject_kind != SubjectKind.RESERVE and len(v) == 12:
            return f"{v[:8]}-{v[8:]}"
        return f"{v} ({self.subject_issuer})" if self.subject_issuer else v

    @property
    def is_draft(self) -> bool:
        return self.status == ExtractStatus.DRAFT


class ExtractPartQuerySet(RestrictedQuerySet["ExtractPart"]):
    record_type = RecordType.REGISTER_EXTRACT
    agency_path = "extract__agency"


class ExtractPart(models.Model):
    """One part of an extract: a record, or one free-text field of it, as it was gathered."""

    extract = models.ForeignKey(
        Extract, on_delete=models.CASCADE, related_name="parts", verbose_name=_("extract")
    )
    position = models.PositiveIntegerField(_("position"))
    section = models.CharField(_("section"), max_length=20, choices=Section.choices)
    # The record the part comes from (its type and id), for the handler and the audit log.
    record_type = models.CharField(_("record"), max_length=32, blank=True)
    record_id = models.CharField(_("record id"), max_length=64, blank=True)
    heading = models.CharField(_("heading"), max_length=300)
    # [[label, value], ...], as gathered, in the gatherer's language.
    fields = models.JSONField(_("content"), default=list)
    withheld = models.BooleanField(_("withheld"), default=False)
    provision = models.CharField(
        _("secrecy provision"), max_length=16, choices=SecrecyProvision.choices, blank=True
    )
    reason = models.TextField(_("reason"), max_length=2000, blank=True)
    withheld_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("withheld by"),
    )
    withheld_at = models.DateTimeField(_("withheld"), null=True, blank=True)

    objects = ExtractPartQuerySet.as_manager()

    class Meta:
        verbose_name = _("part of a register extract")
        verbose_name_plural = _("parts of register extracts")
        ordering = ["extract", "position"]
        constraints = [
            models.UniqueConstraint(fields=["extract", "position"], name="extract_part_position"),
            models.CheckConstraint(
                condition=Q(withheld=False) | (~Q(provision="") & ~Q(reason="")),
                name="extract_part_withheld_with_provision",
            ),
        ]

    def __str__(self) -> str:
        return self.heading

    def as_delivered(self) -> dict[str, Any]:
        """The part as the person receives it: a withheld part keeps its heading and provision."""
        part: dict[str, Any] = {"section": self.section, "heading": self.heading}
        if self.withheld:
            part["withheld"] = {
                "provision": self.provision,
                "provision_label": str(SecrecyProvision(self.provision).label),
            }
        else:
            part["content"] = [{"label": label, "value": value} for label, value in self.fields]
        return part

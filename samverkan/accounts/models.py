"""Agencies, areas, collaborations, users and their memberships.

Agencies and areas are reference data with validity dates: the map changes
(Stockholm's city districts were merged in 2020 and 2023, its police district
was split into new local police areas in 2025), and records keep the area
that was valid when they happened.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any, Literal, overload

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

if TYPE_CHECKING:
    from django.db.models.query import QuerySet


class AgencyKind(models.TextChoices):
    POLICE = "police", _("Police")
    SOCIAL_SERVICES = "social_services", _("Social services")


class Agency(models.Model):
    """A police region or a municipality's social services."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=AgencyKind.choices)
    # Some agencies send their coordinators out with the field staff; the policy
    # (``policy.goes_out_in_field``) staffs a coordinator on a shift only where this is set.
    coordinators_in_field = models.BooleanField(
        _("coordinators go out in the field"),
        default=False,
        db_default=False,
        help_text=_("Whether this agency's coordinators can be staffed on a shift as field staff."),
    )

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_police(self) -> bool:
        return self.kind == AgencyKind.POLICE


class Collaboration(models.Model):
    """The agreement that joins a police region with a municipality's social services."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    agencies = models.ManyToManyField(Agency, related_name="collaborations", verbose_name=_("agencies"))
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    class Meta:
        verbose_name = _("collaboration")
        verbose_name_plural = _("collaborations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AreaKind(models.TextChoices):
    POLICE_DISTRICT = "police_district", _("Police district")
    LOCAL_POLICE_AREA = "local_police_area", _("Local police area")
    CITY_DISTRICT = "city_district", _("City district")


class AreaQuerySet(models.QuerySet["Area"]):
    def valid_on(self, day: datetime.date) -> AreaQuerySet:
        return self.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=day)
        )


class Area(models.Model):
    """A local police area, a police district or a city district, valid for a period."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=AreaKind.choices)
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="areas", verbose_name=_("agency")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("part of"),
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = AreaQuerySet.as_manager()

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["kind", "name", "valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="area_valid_period",
            )
        ]

    def __str__(self) -> str:
        if self.valid_to:
            return f"{self.name} (–{self.valid_to:%Y-%m-%d})"
        if self.valid_from and self.valid_from.year >= 2020:
            return f"{self.name} ({self.valid_from:%Y-%m-%d}–)"
        return self.name

    def is_valid_on(self, day: datetime.date) -> bool:
        if self.valid_from and day < self.valid_from:
            return False
        return not (self.valid_to and day > self.valid_to)


class AreaMapping(models.Model):
    """A dated overlap between a local police area and a city district (not one to one)."""

    police_area = models.ForeignKey(
        Area, on_delete=models.CASCADE, related_name="district_mappings", verbose_name=_("police area")
    )
    district = models.ForeignKey(
        Area, on_delete=models.CASCADE, related_name="police_mappings", verbose_name=_("city district")
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    class Meta:
        verbose_name = _("area mapping")
        verbose_name_plural = _("area mappings")
        constraints = [
            models.UniqueConstraint(
                fields=["police_area", "district", "valid_from"], name="area_mapping_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.police_area.name} ↔ {self.district.name}"


class Role(models.TextChoices):
    POLICE_OFFICER = "police_officer", _("Police officer")
    POLICE_INVESTIGATOR = "police_investigator", _("Police investigator")
    POLICE_ANALYST = "police_analyst", _("Police analyst")
    SOCIAL_WORKER = "social_worker", _("Social worker")
    COORDINATOR = "coordinator", _("Coordinator")
    MANAGER = "manager", _("Manager")
    AUDITOR = "auditor", _("Auditor")
    ADMIN = "admin", _("Administrator")


POLICE_ROLES = frozenset({Role.POLICE_OFFICER, Role.POLICE_INVESTIGATOR, Role.POLICE_ANALYST})
SOCIAL_SERVICES_ROLES = frozenset({Role.SOCIAL_WORKER})
ANY_AGENCY_ROLES = frozenset({Role.COORDINATOR, Role.MANAGER, Role.AUDITOR, Role.ADMIN})


def roles_for_agency_kind(kind: str) -> frozenset[Role]:
    if kind == AgencyKind.POLICE:
        return POLICE_ROLES | ANY_AGENCY_ROLES
    return SOCIAL_SERVICES_ROLES | ANY_AGENCY_ROLES


class User(AbstractUser):
    """A person who logs in. Their agency and role come from their membership."""

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    @cached_property
    def membership(self) -> Membership | None:
        try:
            return Membership.objects.select_related("agency").get(user=self)
        except Membership.DoesNotExist:
            return None

    @property
    def role(self) -> Role | None:
        m = self.membership
        return Role(m.role) if m else None

    @property
    def agency(self) -> Agency | None:
        m = self.membership
        return m.agency if m else None

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    def collaborations(self) -> QuerySet[Collaboration]:
        agency = self.agency
        if agency is None:
            return Collaboration.objects.none()
        return Collaboration.objects.filter(agencies=agency)


class Membership(models.Model):
    """A user's place in an agency: their role, and optionally their unit and areas."""

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="membership_record", verbose_name=_("user")
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("agency")
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    unit = models.CharField(_("unit"), max_length=200, blank=True)
    areas = models.ManyToManyField(Area, blank=True, verbose_name=_("areas"))

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user.username}: {self.get_role_display()} ({self.agency})"

    def clean(self) -> None:
        if self.agency_id is None or not self.role:
            return
        if self.role not in roles_for_agency_kind(self.agency.kind):
            raise ValidationError(
                {"role": _("This role does not exist in an agency of this kind.")}
            )


class ActivationCode(models.Model):
    """A one-time code that lets a user connect their first authenticator app.

    An administrator of the user's agency issues it (``accounts.actions``) and
    hands it over out of band (in person, by phone): whoever holds only the
    password cannot take the second factor. Only a hash is stored; the code is
    shown once, expires, and is spent when the app is confirmed. A reset of
    two-factor authentication deletes the app and any unused code, so that the
    account needs a new code.
    """

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="activation_codes", verbose_name=_("user")
    )
    code_hash = models.CharField(max_length=256)
    # The issuer as id and name, like the audit log: the record survives the issuer.
    issued_by_id = models.BigIntegerField(_("issued by (id)"), null=True, blank=True)
    issued_by_name = models.CharField(_("issued by"), max_length=150, blank=True)
    issued_at = models.DateTimeField(_("issued"))
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    class Meta:
        verbose_name = _("activation code")
        verbose_name_plural = _("activation codes")
        indexes = [models.Index(fields=["user", "expires_at"])]

    def __str__(self) -> str:
        return f"activation code of {self.user_id}, valid until {self.expires_at:%Y-%m-%d %H:%M}"


def withdraw_once(record: Any, user: User) -> bool:
    """Record that ``user`` withdrew ``record`` (a consent) now: its ``withdrawn_at`` and
    ``withdrawn_by``. A record already withdrawn stays as it was, and the answer is False."""
    if record.withdrawn_at is not None:
        return False
    record.withdrawn_at = timezone.now()
    record.withdrawn_by = user
    record.save(update_fields=["withdrawn_at", "withdrawn_by"])
    return True


@overload
def user_reference(
    verbose_name: StrOrPromise, *, optional: Literal[False] = False
) -> models.ForeignKey[User, User]: ...
@overload
def user_reference(
    verbose_name: StrOrPromise, *, optional: Literal[True]
) -> models.ForeignKey[User | None, User | None]: ...
def user_reference(verbose_name: StrOrPromise, *, optional: bool = False) -> models.ForeignKey[Any, Any]:
    """The user who did something to a record: kept as long as the record (PROTECT), no reverse name.

    ``optional`` for a step that may not have happened yet (withdrawn by, decided by).
    """
    return models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=optional,
        blank=optional,
        related_name="+",
        verbose_name=verbose_name,
    )

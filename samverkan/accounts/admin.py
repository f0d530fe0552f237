"""User administration for the ``admin`` role: their own agency's accounts, nothing else.

A separate admin site (not ``django.contrib.admin.site``) so that no case
data can ever be registered on it by accident. Every change is audited.
"""

from __future__ import annotations

from functools import update_wrapper
from typing import Any

from axes.utils import reset as axes_reset
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.db.models import ForeignKey, ManyToManyField, QuerySet
from django.forms import CheckboxSelectMultiple, ModelChoiceField, ModelMultipleChoiceField
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_totp.models import TOTPDevice

from samverkan.accounts.actions import do_issue_activation_code, do_reset_two_factor
from samverkan.accounts.models import Agency, Area, AreaMapping, Collaboration, Membership, User
from samverkan.accounts.policy import Action, RecordType, can
from samverkan.audit.actions import do_record_event
from samverkan.audit.models import AuditAction


class UserAdminSite(admin.AdminSite):
    site_header = _("Samverkan – user administration")
    site_title = _("User administration")
    index_title = _("Accounts")
    enable_nav_sidebar = False

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        if not (user.is_active and user.is_authenticated):
            return False
        return bool(user.is_superuser or can(user, RecordType.USER, Action.LIST))

    def admin_view(self, view: Any, cacheable: bool = False) -> Any:
        """Logged-in users without the admin role get 404, as for any hidden page."""
        inner = super().admin_view(view, cacheable)

        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), reverse("accounts:login"))
            if not self.has_permission(request):
                raise Http404
            response: HttpResponse = inner(request, *args, **kwargs)
            return response

        return update_wrapper(guarded, inner)

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        # One login for the whole application: password and two-factor code.
        return HttpResponseRedirect(f"{reverse('accounts:login')}?next={request.get_full_path()}")

    def logout(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:  # type: ignore[override]
        from samverkan.accounts.views import logout_view

        return logout_view(request)


user_admin_site = UserAdminSite(name="useradmin")


def _acting(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


class UserPolicyPermissions:
    """Django admin permissions answered by the access policy, not by model permissions."""

    def _allowed(self, request: HttpRequest, action: Action) -> bool:
        acting = _acting(request)
        return bool(acting.is_superuser or can(acting, RecordType.USER, action))

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request, Action.VIEW)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request, Action.CREATE)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request, Action.UPDATE)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request, Action.DELETE)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request, Action.LIST)


class MembershipInline(UserPolicyPermissions, admin.StackedInline):  # type: ignore[type-arg]
    model = Membership
    can_delete = False
    min_num = 1
    extra = 0
    # Checkboxes, not Django's two-box filter: its script labels a plain span (ARIA that
    # axe-core refuses, WCAG 4.1.2), and an agency has a handful of areas.

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a user always has exactly one membership

    def formfield_for_foreignkey(self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any) -> ModelChoiceField[Any] | None:
        acting = _acting(request)
        if db_field.name == "agency" and not acting.is_superuser:
            kwargs["queryset"] = Agency.objects.filter(memberships__user=acting)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field: ManyToManyField[Any, Any], request: HttpRequest, **kwargs: Any) -> ModelMultipleChoiceField[Any] | None:
        acting = _acting(request)
        if db_field.name == "areas" and not acting.is_superuser:
            kwargs["queryset"] = Area.objects.filter(agency=acting.agency)
        if db_field.name == "areas":
            kwargs["widget"] = CheckboxSelectMultiple
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class SamverkanUserAdmin(UserPolicyPermissions, UserAdmin):  # type: ignore[type-arg]
    inlines = [MembershipInline]
    list_display = ("username", "first_name", "last_name", "role_display", "is_active", "has_2fa", "last_login")
    list_filter = ("is_active", "membership_record__role")
    search_fields = ("username", "first_name", "last_name", "email")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
        (_("Status"), {"fields": ("is_active", "last_login", "date_joined")}),
    )
    readonly_fields = ("last_login", "date_joined")
    actions = ["issue_activation_code", "reset_two_factor", "unlock", "deactivate"]

    @admin.display(description=_("role"))
    def role_display(self, obj: User) -> str:
        m = obj.membership
        return m.get_role_display() if m else "–"

    @admin.display(description=_("two-factor"), boolean=True)
    def has_2fa(self, obj: User) -> bool:
        return bool(TOTPDevice.objects.filter(user=obj, confirmed=True).exists())

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        qs = super().get_queryset(request)
        acting = _acting(request)
        if acting.is_superuser:
            return qs
        return qs.filter(membership_record__agency=acting.agency)

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        do_record_event(
            user=request.user,
            action=AuditAction.UPDATE if change else AuditAction.CREATE,
            record_type=RecordType.USER,
            record_id=obj.pk,
            detail=", ".join(form.changed_data)[:500] if change else "",
        )

    def delete_model(self, request: HttpRequest, obj: User) -> None:
        do_record_event(user=request.user, action=AuditAction.DELETE, record_type=RecordType.USER, record_id=obj.pk)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            do_record_event(user=request.user, action=AuditAction.DELETE, record_type=RecordType.USER, record_id=user.pk)
        super().delete_queryset(request, queryset)

    @admin.action(description=_("Reset two-factor authentication (the user needs a new activation code)"))
    def reset_two_factor(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            do_reset_two_factor(acting=_acting(request), user=user)
        self.message_user(
            request,
            ngettext(
                "%d user must connect a new app with a new activation code.",
                "%d users must connect a new app with a new activation code.",
                len(queryset),
            )
            % len(queryset),
            messages.SUCCESS,
        )

    @admin.action(description=_("Issue an activation code for two-factor authentication"))
    def issue_activation_code(self, request: HttpRequest, queryset: QuerySet[User]) -> HttpResponse | None:
        """Each code is shown once, on this page only, to be handed over in person or by phone."""
        issued: list[tuple[User, str, Any]] = []
        for user in queryset.order_by("username"):
            try:
                code, row = do_issue_activation_code(acting=_acting(request), user=user)
            except ValidationError as exc:
                self.message_user(request, f"{user.username}: {' '.join(exc.messages)}", messages.ERROR)
                continue
            issued.append((user, code, row.expires_at))
        if not issued:
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Activation codes"),
            "issued": issued,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/accounts/user/activation_codes.html", context)

    @admin.action(description=_("Unlock after failed logins"))
    def unlock(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            axes_reset(username=user.username)
            do_record_event(
                user=request.user, action=AuditAction.UPDATE, record_type=RecordType.USER,
                record_id=user.pk, detail="unlocked",
            )
        self.message_user(request, _("The selected accounts are unlocked."), messages.SUCCESS)

    @admin.action(description=_("Deactivate (keeps the account for the audit log)"))
    def deactivate(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            if user.pk == request.user.pk:
                continue
            user.is_active = False
            user.save(update_fields=["is_active"])
            do_record_event(
                user=request.user, action=AuditAction.UPDATE, record_type=RecordType.USER,
                record_id=user.pk, detail="deactivated",
            )
        self.message_user(request, _("The selected accounts are deactivated."), messages.SUCCESS)


class ReferenceAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Reference data: visible to administrators, changed only by superusers (operations)."""

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser or can(request.user, RecordType.USER, Action.LIST))  # type: ignore[arg-type]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AreaAdmin(ReferenceAdmin):
    list_display = ("name", "kind", "agency", "parent", "valid_from", "valid_to")
    list_filter = ("kind", "agency")
    search_fields = ("name", "code")


class AgencyAdmin(ReferenceAdmin):
    list_display = ("name", "kind", "code")


class CollaborationAdmin(ReferenceAdmin):
    list_display = ("name", "valid_from", "valid_to")


class AreaMappingAdmin(ReferenceAdmin):
    list_display = ("police_area", "district", "valid_from", "valid_to")


user_admin_site.register(User, SamverkanUserAdmin)
user_admin_site.register(Agency, AgencyAdmin)
user_admin_site.register(Area, AreaAdmin)
user_admin_site.register(AreaMapping, AreaMappingAdmin)
user_admin_site.register(Collaboration, CollaborationAdmin)

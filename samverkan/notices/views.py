"""The user's notifications: a list, opening one (marks it read), marking all read."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from samverkan.accounts.access import signed_in
from samverkan.notices.actions import do_mark_read
from samverkan.notices.forms import NoticeListForm
from samverkan.notices.models import Notice

PAGE_SIZE = 50


@require_GET
@login_required
def notice_list(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    form = NoticeListForm(request.GET)
    if not form.is_valid():
        return render(request, "errors/400.html", status=400)
    notices = Notice.objects.of(user)
    if form.cleaned_data["unread"]:
        notices = notices.unread()
    page = Paginator(notices, PAGE_SIZE).get_page(form.cleaned_data["page"] or 1)
    return render(
        request,
        "notices/notice_list.html",
        # The unread count is the navigation's (``nav_counts``): counted once per page.
        {"page_obj": page, "notices": page.object_list, "form": form},
    )


@require_POST
@login_required
def notice_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one notification read and go where it points (a page that checks access itself)."""
    user = signed_in(request)
    notice = get_object_or_404(Notice.objects.of(user), pk=pk)
    do_mark_read(user, Notice.objects.filter(pk=notice.pk))
    # Only a path of this site: a stored link never sends the user elsewhere.
    if not notice.link.startswith("/") or not url_has_allowed_host_and_scheme(notice.link, allowed_hosts=None):
        return HttpResponseBadRequest()
    return redirect(notice.link)


@require_POST
@login_required
def notice_read_all(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    do_mark_read(user)
    return redirect("notices:list")

"""``Idempotency-Key`` on creates: a retried POST gets the first answer, never a second record."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.http.request import RawPostDataException
from django.utils.translation import gettext_lazy as _

from samverkan.api.errors import ApiError
from samverkan.api.models import IdempotentResponse

HEADER = "Idempotency-Key"
MAX_KEY = 100


def _fingerprint(request: HttpRequest) -> str:
    h = hashlib.sha256()
    h.update(request.method.encode() if request.method else b"")
    h.update(b"\0" + request.path.encode("utf-8", "surrogatepass") + b"\0")
    try:
        h.update(request.body)
    except RawPostDataException:
        # A multipart upload, already read as its fields and files: those are what was sent.
        for name, values in sorted(request.POST.lists()):
            h.update(f"{name}={values!r}\0".encode("utf-8", "surrogatepass"))
        for name in sorted(request.FILES):
            for upload in request.FILES.getlist(name):
                h.update(f"{name}:{upload.name}:{upload.size}\0".encode("utf-8", "surrogatepass"))
                for chunk in upload.chunks():
                    h.update(chunk)
                upload.seek(0)
    return h.hexdigest()


def once(request: HttpRequest, user: Any, create: Callable[[], tuple[int, Any]]) -> tuple[int, Any]:
    """Run ``create`` (status, JSON body) once per key; without a key, every call creates."""
    key = request.headers.get(HEADER, "")
    if not key:
        return create()
    if len(key) > MAX_KEY or not key.isprintable() or "\x00" in key:
        raise ApiError(400, "bad_idempotency_key", _("The Idempotency-Key must be at most 100 printable characters."))
    fingerprint = _fingerprint(request)
    earlier = IdempotentResponse.objects.filter(user=user, key=key).first()
    if earlier is None:
        try:
            with transaction.atomic():
                status, body = create()
                if status < 300:
                    IdempotentResponse.objects.create(
                        user=user, key=key, method=request.method or "", path=request.path[:300],
                        fingerprint=fingerprint, status=status, body=body,
                    )
                return status, body
        except IntegrityError:
            # The same key at the same moment: the other request's create was kept, this one undone.
            earlier = IdempotentResponse.objects.filter(user=user, key=key).first()
            if earlier is None:
                raise
    if earlier.fingerprint != fingerprint:
        raise ApiError(
            422, "idempotency_key_reused",
            _("This Idempotency-Key was used for another request; use a new key for a new record."),
        )
    return earlier.replay()

"""Deployment checks of the audit chain's key and checkpoints (``manage.py check --deploy``)."""

from __future__ import annotations

import stat
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from samverkan.audit.keys import AuditKeyError, keyring


@register(Tags.security, deploy=True)
def audit_key_and_checkpoints(
    app_configs: Sequence[Any] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    if settings.SAMVERKAN_AUDIT_DEV_KEY:
        messages.append(
            Error(
                "The audit chain is signed with a generated development key.",
                hint="Set SAMVERKAN_AUDIT_KEY_FILE to a key file of its own (docs/audit.md).",
                id="samverkan.E001",
            )
        )
    try:
        keys = keyring()
    except AuditKeyError as exc:
        messages.append(
            Error(
                str(exc), hint="docs/audit.md says how to create the key file.", id="samverkan.E002"
            )
        )
    else:
        mode = keys.path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO) & ~stat.S_IRGRP:
            messages.append(
                Warning(
                    f"The audit key file {keys.path} can be read or written by others "
                    f"(mode {stat.S_IMODE(mode):o}).",
                    hint="chmod 600 (or 640 for the application's group).",
                    id="samverkan.W001",
                )
            )
    directory = settings.SAMVERKAN_AUDIT_CHECKPOINT_DIR
    if not directory:
        messages.append(
            Warning(
                "SAMVERKAN_AUDIT_CHECKPOINT_DIR is not set: the audit log has no signed checkpoints, "
                "so events deleted from its end or a log replaced as a whole go unnoticed.",
                hint="Name a directory outside the database's reach and schedule "
                "`manage.py audit_checkpoint` (docs/audit.md).",
                id="samverkan.W002",
            )
        )
    elif not Path(directory).is_dir():
        messages.append(
            Warning(
                f"SAMVERKAN_AUDIT_CHECKPOINT_DIR={directory!r} is not a directory.",
                hint="Create it, writable by the application and the scheduled job.",
                id="samverkan.W003",
            )
        )
    return messages

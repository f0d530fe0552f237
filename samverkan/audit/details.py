"""An audit event's detail in the user's language, for the log review page.

The detail is written once, in English, by the code that records the event,
and is part of the hash chain: it is never changed, and the CSV export gives it
as stored (a record for machines and for other tools). The page shows it in the
user's language: each part (the detail is parts separated by "; ") that matches
a known shape is said again through gettext; an unknown part is shown as stored.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.utils.translation import gettext as _

from samverkan.accounts.policy import Action


def _action(code: str) -> str:
    try:
        return str(Action(code).label)
    except ValueError:
        return code


Say = Callable[[re.Match[str]], str]

PARTS: tuple[tuple[re.Pattern[str], Say], ...] = tuple(
    (re.compile(f"^{pattern}$"), say)
    for pattern, say in (
        (r"(?P<a>view|list|create|update|delete|export|aggregate)", lambda m: _action(m["a"])),
        (r"(?P<a>view|list|create|update|delete|export|aggregate) page", lambda m: _("%(action)s page") % {"action": _action(m["a"])}),
        (r"page=(?P<n>\d+)", lambda m: _("page %(n)s") % {"n": m["n"]}),
        (r"ids=(?P<ids>[\d,]*)", lambda m: _("ids: %(ids)s") % {"ids": m["ids"] or "–"}),
        (r"owner=(?P<code>[\w-]+)", lambda m: _("record owned by %(agency)s") % {"agency": m["code"]}),
        (r"open=(?P<n>\d+)", lambda m: _("open: %(n)s") % {"n": m["n"]}),
        (r"waiting=(?P<n>\d+)", lambda m: _("waiting: %(n)s") % {"n": m["n"]}),
        (r"matched=(?P<n>\d+)", lambda m: _("matched: %(n)s") % {"n": m["n"]}),
        (r"to accept=(?P<n>\d+)", lambda m: _("to accept: %(n)s") % {"n": m["n"]}),
        (r"inbox", lambda m: _("inbox")),
        (r"outbox", lambda m: _("outbox")),
        (r"detail", lambda m: _("the disclosure's page")),
        (r"request form", lambda m: _("request form")),
        (r"oral form", lambda m: _("oral disclosure form")),
        (r"inbox page=(?P<n>\d+)", lambda m: _("inbox, page %(n)s") % {"n": m["n"]}),
        (r"outbox page=(?P<n>\d+)", lambda m: _("outbox, page %(n)s") % {"n": m["n"]}),
        (r"review queue page=(?P<n>\d+)", lambda m: _("review queue, page %(n)s") % {"n": m["n"]}),
        (r"not linked to a client", lambda m: _("not linked to a client")),
        (r"on crime report (?P<n>\d+)", lambda m: _("on crime report %(n)s") % {"n": m["n"]}),
        (r"on child-concern report (?P<n>\d+)", lambda m: _("on child-concern report %(n)s") % {"n": m["n"]}),
        (r"named by disclosure (?P<n>\d+)", lambda m: _("named by disclosure %(n)s") % {"n": m["n"]}),
        (r"search to link encounter (?P<n>\d+)", lambda m: _("search to link encounter %(n)s") % {"n": m["n"]}),
        (r"link (?P<n>\d+)", lambda m: _("link %(n)s") % {"n": m["n"]}),
        (r"graph", lambda m: _("graph")),
        (r"source", lambda m: _("source")),
        (r"counts", lambda m: _("counts")),
        (r"disclosed", lambda m: _("disclosed")),
        (r"disclosed read", lambda m: _("disclosed, read")),
        (r"protected personal data", lambda m: _("protected personal data")),
        (r"start of a crime report", lambda m: _("start of a crime report")),
        (r"minor without a referral", lambda m: _("minor without a referral")),
        (r"minors without a referral", lambda m: _("minors without a referral")),
        (r"unlocked", lambda m: _("unlocked")),
        (r"deactivated", lambda m: _("deactivated")),
        (r"locked out", lambda m: _("locked out")),
        (r"wrong password", lambda m: _("wrong password")),
        (r"wrong code", lambda m: _("wrong code")),
        (r"wrong activation code", lambda m: _("wrong activation code")),
        (r"two-factor reset", lambda m: _("two-factor reset")),
        (r"authenticator app connected", lambda m: _("authenticator app connected")),
        (r"authenticator app connected with an activation code", lambda m: _("authenticator app connected with an activation code")),
        (r"activation code issued, valid until (?P<t>\S+)", lambda m: _("activation code issued, valid until %(time)s") % {"time": m["t"]}),
        (r"audit log (?P<a>\w+)", lambda m: _("audit log: %(action)s") % {"action": _action(m["a"])}),
        (r"api", lambda m: _("API")),
        (r"api list", lambda m: _("API, list")),
        (r"api token (?P<p>\S+)", lambda m: _("API key %(prefix)s") % {"prefix": m["p"]}),
        (r"api token (?P<p>\S+) revoked", lambda m: _("API key %(prefix)s revoked") % {"prefix": m["p"]}),
        (r"(?P<f>[\w.]+): (?P<n>\d+) nodes, (?P<e>\d+) edges",
         lambda m: _("%(format)s: %(nodes)s nodes, %(edges)s edges") % {"format": m["f"], "nodes": m["n"], "edges": m["e"]}),
        (r"(?P<f>\w+): read (?P<r>\d+), new (?P<n>\d+), changed (?P<c>\d+), unchanged (?P<u>\d+), skipped (?P<s>\d+)",
         lambda m: _("%(format)s: read %(read)s, new %(new)s, changed %(changed)s, unchanged %(unchanged)s, skipped %(skipped)s")
         % {"format": m["f"], "read": m["r"], "new": m["n"], "changed": m["c"], "unchanged": m["u"], "skipped": m["s"]}),
        (r"linked (?P<i>\d+) items into (?P<n>\d+) networks \((?P<b>\w+)\)",
         lambda m: _("linked %(items)s items into %(networks)s networks (%(backend)s)") % {"items": m["i"], "networks": m["n"], "backend": m["b"]}),
        (r"job (?P<k>[\w.-]+)", lambda m: _("job %(kind)s") % {"kind": m["k"]}),
        (r"job (?P<k>[\w.-]+): retry", lambda m: _("job %(kind)s: tried again") % {"kind": m["k"]}),
    )
)


def shown_detail(detail: str) -> str:
    """``detail`` in the user's language, part by part; unknown parts as stored."""
    if not detail:
        return ""
    shown = []
    for part in detail.split("; "):
        for pattern, say in PARTS:
            match = pattern.match(part)
            if match:
                shown.append(say(match))
                break
        else:
            shown.append(part)
    return "; ".join(shown)

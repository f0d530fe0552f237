"""Helpers for the browser tests (plain functions; the fixtures are in conftest.py)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from django.core.management import call_command
from django.utils import translation
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page, expect

PASSWORD = "correct horse battery staple"


def current_code(device: TOTPDevice) -> str:
    """The six digits the user's authenticator app shows right now."""
    code = totp(
        device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift
    )
    return f"{code:0{device.digits}d}"


def ui_text(language: str, message: str, **kwargs: object) -> str:
    """``message`` as the UI shows it in ``language`` (English until it is translated)."""
    with translation.override(language):
        text = translation.gettext(message)
    return text % kwargs if kwargs else text


def log_in_with_password(page: Page, username: str) -> None:
    """The first step of the login: user name and password, on to the code."""
    page.goto("/konto/logga-in/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name=ui_text("sv", "Continue")).click()


def log_in(page: Page, username: str, device: TOTPDevice) -> None:
    """Both steps of the login, ending on the start page."""
    log_in_with_password(page, username)
    page.locator("input[name=code]").fill(current_code(device))
    page.get_by_role("button", name=ui_text("sv", "Log in"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/$"))


def open_menu(page: Page) -> None:
    """Open the header's menu where it is folded behind its button (a phone); elsewhere do nothing."""
    menu = page.locator(".menu-button")
    if menu.is_visible() and menu.get_attribute("aria-expanded") != "true":
        menu.click()


def nav_link(page: Page, name: str) -> Locator:
    """The main menu's link ``name`` (as the UI shows it), the phone's menu opened first.

    The link's name may go on with what waits there ("Orosanmälningar, 1 ny"): the
    label matches up to that comma.
    """
    open_menu(page)
    label = re.compile(rf"^{re.escape(name)}(,|$)")
    return page.get_by_role("navigation", name=ui_text("sv", "Main menu")).get_by_role("link", name=label)


# Screenshots of the journeys, kept by CI as artifacts (``/test-results/`` is not committed).
SCREENSHOTS = Path(os.environ.get("SAMVERKAN_SCREENSHOTS", "test-results/screenshots"))


def snap(page: Page, journey: str, step: str, viewport: str, *, full_page: bool = True) -> None:
    """Keep a screenshot of a journey's step (``test-results/screenshots/journey/viewport-step.png``)
    and check the page: no WCAG 2.1 A/AA violation (axe-core), no wider than the viewport.

    The screenshot is of the whole page unless ``full_page=False`` (the first screen only: a
    page many screens tall at a phone's pixel density takes longer to capture than a test waits).
    """
    folder = SCREENSHOTS / journey
    folder.mkdir(parents=True, exist_ok=True)
    path = str(folder / f"{viewport}-{step}.png")
    try:
        page.screenshot(path=path, full_page=full_page, caret="initial")
    except PlaywrightError:
        # A busy machine's Chromium can refuse a capture of a long page ("Unable to capture
        # screenshot"): the screenshot is an artifact, not the check, so keep the first screen.
        page.screenshot(path=path, caret="initial")
    assert_accessible(page, f"{journey} {viewport} {step}")
    assert_fits_viewport(page, f"{journey} {viewport} {step}")


# --- axe-core: WCAG 2.1 A and AA -----------------------------------------------------------------

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ')), count: v.nodes.length,
  }));
}"""


def axe_violations(page: Page) -> list[str]:
    """axe-core's WCAG 2.1 A/AA violations on the page as it is now, one readable line each.

    axe (``vendor/axe.min.js``, vendored from the npm registry) is evaluated through the
    DevTools protocol, which the page's Content Security Policy does not govern: the
    journeys keep the CSP (a violation of it is a console error that fails the test).
    """
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE)
    return [
        f"axe {v['id']} ({v['impact']}, {v['count']} nodes: {', '.join(v['nodes'])}): {v['help']}"
        for v in page.evaluate(AXE_RUN, WCAG_TAGS)
    ]


def assert_accessible(page: Page, where: str = "") -> None:
    """Fail with axe's findings unless the page has no WCAG 2.1 A/AA violation."""
    found = axe_violations(page)
    assert not found, f"{where or page.url} ({page.url}) breaks WCAG 2.1 A/AA:\n" + "\n".join(found)


def page_width(page: Page) -> int:
    """How wide the page is: a mobile browser widens its layout viewport (innerWidth) to fit a
    page wider than the screen, so the larger of that and the document's scroll width."""
    wide, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    return max(int(wide), int(inner))


def assert_fits_viewport(page: Page, where: str = "") -> None:
    """Fail when the page scrolls sideways (WCAG 1.4.10, reflow)."""
    asked = (page.viewport_size or {"width": 0})["width"]
    width = page_width(page)
    assert width <= asked, f"{where or page.url} ({page.url}) is {width} px wide in a {asked} px viewport"


def run_worker(page: Page) -> None:
    """What ``manage.py db_worker`` does in production: every queued job, then stop.

    The user leaves the job's page meanwhile and comes back (the test database is SQLite in
    memory, where the worker's write lock and the page's polling cannot overlap), and the
    page, polling again, shows the result.
    """
    job_page = page.url
    page.goto("about:blank")
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    page.goto(job_page)

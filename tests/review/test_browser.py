"""Acceptance of the review workspace in real Chromium (Debian's, headless) via Playwright,
against the real server process on a state database built by real OCR."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.review.conftest import PASSWORDS, Server

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium not installed (make setup)"),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield browser
        browser.close()


def login(page: Page, server: Server, name: str) -> None:
    page.goto(f"{server.url}/masuk")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORDS[name])
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/antrian"))


def test_reviewer_corrects_a_nik_and_approves(browser: Browser, server: Server, artifacts: Path):
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    seeded = server.seeded

    # Logged out: the queue sends the browser to the login page.
    page.goto(f"{server.url}/antrian")
    expect(page).to_have_url(re.compile(r"/masuk\?next=/antrian"))
    login(page, server, "rina")

    # The queue: urgent cases first, NIKs masked.
    expect(page.locator("table.queue")).to_contain_text(seeded.urgent)
    assert seeded.true_nik not in page.content()
    assert seeded.misread_nik not in page.content()
    first_row = page.locator("table.queue tbody tr").first
    expect(first_row.locator(".badge")).to_have_text("Mendesak")
    page.screenshot(path=str(artifacts / "queue.png"), full_page=True)
    print(f"\nscreenshot: {artifacts / 'queue.png'}")

    # Open the urgent case: the letter's NIK is shown whole, with its confidence.
    page.click(f"table.queue a:text-is('{seeded.urgent}')")
    expect(page.locator("#status")).to_have_text("needs_review")
    letter = page.locator("section.doc", has=page.locator("h2", has_text="Surat keterangan faskes"))
    nik_form = letter.locator("form.field", has=page.locator("input[name=field][value=nik]"))
    expect(nik_form.locator("input.value")).to_have_value(seeded.misread_nik)
    expect(nik_form.locator(".confidence")).to_have_text("41%")
    # The box of the selected field is drawn on the page and the page image has loaded.
    page.wait_for_function(
        "() => [...document.querySelectorAll('.page.shown img')].every(i => i.naturalWidth > 0)",
        timeout=120_000,
    )
    expect(page.locator("rect.selected")).to_have_count(1)
    expect(page.locator(".candidates")).to_contain_text(seeded.true_nik[-4:])
    page.screenshot(path=str(artifacts / "review.png"), full_page=False)
    print(f"screenshot: {artifacts / 'review.png'}")

    # Keyboard: the low-confidence NIK is selected first; Alt+Down/Up move between fields.
    selected = page.locator("form.field.selected input[name=field]")
    expect(selected).to_have_value("nik")
    page.keyboard.press("Alt+ArrowDown")
    expect(selected).to_have_value("name")
    expect(page.locator("rect.selected")).to_have_count(1)
    page.keyboard.press("Alt+ArrowUp")
    expect(selected).to_have_value("nik")

    # Correct the NIK (typing, Enter saves), then approve with the keyboard.
    value = nik_form.locator("input.value")
    value.click()
    value.fill(seeded.true_nik)
    nik_form.locator("input.reason").fill("digit 14 terbaca salah, sesuai KTP")
    value.press("Enter")
    page.wait_for_load_state("load")
    expect(page.locator(".preview")).to_contain_text("ready")
    page.keyboard.press("Alt+s")
    page.wait_for_url(re.compile(r"diputuskan=1"))

    expect(page.locator("#status")).to_have_text("ready")
    audit = page.locator("#audit")
    expect(audit).to_contain_text("rina")
    expect(audit).to_contain_text(seeded.misread_nik)
    expect(audit).to_contain_text(seeded.true_nik)
    expect(audit).to_contain_text("digit 14 terbaca salah")
    expect(audit).to_contain_text("Disetujui")
    page.screenshot(path=str(artifacts / "review-approved.png"), full_page=False)

    # The queue of cases waiting for review no longer holds it.
    page.goto(f"{server.url}/antrian")
    expect(page.locator("table.queue")).not_to_contain_text(seeded.urgent)
    context.close()


def test_form_post_without_csrf_token_is_rejected(browser: Browser, server: Server):
    context = browser.new_context()
    page = context.new_page()
    login(page, server, "rina")
    case = f"{server.url}/kasus/{server.seeded.near}"
    refused = page.request.post(f"{case}/setujui", form={"reason": "tanpa token"})
    assert refused.status == 403
    wrong = page.request.post(f"{case}/setujui", form={"csrf_token": "palsu"})
    assert wrong.status == 403
    page.goto(case)
    expect(page.locator("#status")).to_have_text("needs_review")
    expect(page.locator("#audit")).to_contain_text("Belum ada perubahan")
    context.close()


def test_reviewer_cannot_open_the_admin_page(browser: Browser, server: Server, artifacts: Path):
    context = browser.new_context()
    page = context.new_page()
    login(page, server, "rina")
    response = page.goto(f"{server.url}/admin")
    assert response is not None and response.status == 403
    expect(page.locator("nav")).not_to_contain_text("Admin")
    context.close()

    context = browser.new_context()
    page = context.new_page()
    login(page, server, "adi")
    response = page.goto(f"{server.url}/admin")
    assert response is not None and response.status == 200
    expect(page.locator("table.users")).to_contain_text("rina")
    page.goto(f"{server.url}/dasbor")
    expect(page.locator(".cards")).to_contain_text("Perlu ditinjau")
    page.screenshot(path=str(artifacts / "dashboard.png"), full_page=True)
    print(f"\nscreenshot: {artifacts / 'dashboard.png'}")
    worklist = page.request.get(f"{server.url}/admin/ekspor/worklist.csv")
    assert worklist.status == 200
    assert worklist.text().lstrip("\ufeff").startswith("PRIORITAS,KATEGORI,NIK")
    context.close()


def test_logged_out_requests_are_sent_to_login(browser: Browser, server: Server):
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{server.url}/kasus/{server.seeded.urgent}")
    expect(page).to_have_url(re.compile(r"/masuk\?next=/kasus/"))
    expect(page.locator("h1")).to_have_text("Masuk")
    assert server.seeded.true_nik not in page.content()
    context.close()

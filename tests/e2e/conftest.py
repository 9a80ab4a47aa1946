import os
import shutil

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (make test installs it)")
    # Playwright's sync API runs an event loop in this thread; the Django test code here only
    # prepares data before the browser acts, so the ORM may run beside it.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture
def phone(browser):
    """A page on a 390×844 touch phone."""
    from tests.e2e.browsing import new_page

    context, page = new_page(browser, phone=True)
    yield page
    context.close()


@pytest.fixture
def desk(browser):
    """A page on a 1366 px screen."""
    from tests.e2e.browsing import new_page

    context, page = new_page(browser)
    yield page
    context.close()

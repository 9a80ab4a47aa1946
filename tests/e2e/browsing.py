"""What the browser tests share: logging in as a user of the shared county, and a phone-size window."""

from tests.county import PASSWORD

# The login form's button (the page header holds another form, the logout button, once logged in).
LOGIN_BUTTON = "form:not([action*=logout]) button[type=submit]"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


def login(page, base: str, username: str, password: str = PASSWORD) -> None:
    """Log `username` in on `page` (any session of the page's context is dropped first) and wait to leave the
    login page."""
    page.context.clear_cookies()
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click(LOGIN_BUTTON)
    page.wait_for_url(lambda to: "/login/" not in to)


def new_page(browser, *, phone: bool = False):
    """(context, page) in Chinese: a touch phone of 390×844, or a 1366 px desk."""
    options = {"viewport": PHONE, "is_mobile": True, "has_touch": True, "device_scale_factor": 2} if phone else {
        "viewport": DESKTOP}
    context = browser.new_context(locale="zh-CN", **options)
    page = context.new_page()
    page.set_default_timeout(15000)
    return context, page

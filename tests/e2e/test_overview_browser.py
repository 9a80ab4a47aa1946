"""V1 dashboards in a real Chromium under the app's Content-Security-Policy: ECharts (from npm, static/vendor/echarts)
draws the four charts of static/js/overview_charts.js, nothing is blocked, the 表格/图表 toggle shows the tables and is
remembered, paper gets the tables; then the supervisor walks the real pages (head office → branch → village, an
officer, the xlsx export) on a desk and on a phone. Screenshots: /tmp/shots/overview_*.png."""

import json
import os

import pytest
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import json_script

from tests.e2e.browsing import PHONE

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SHOTS = "/tmp/shots"
CHARTS = ("coverage", "stages", "grades", "trend")
DATA = {
    "targets": {"archive": 0.95, "precredit": 0.70},
    "coverage": {"labels": ["城关支行", "王庄支行", "外链"], "archive": [0.97, 0.80, 0.5],
                 "precredit": [0.72, 0.5, None],
                 "links": ["/overview/branches/1/", "/overview/branches/2/", "https://example.com/"]},
    "stages": {"labels": ["建档", "调查", "测算", "评议", "公示", "生效"],
               "actual": [0.98, 0.7, 0.5, 0.3, 0.1, 0], "planned": [1, 0.8, 0.4, 0.2, 0, None]},
    "grades": {"labels": ["正常", "关注", "次级", "可疑", "损失"],
               "amounts": ["1200000.00", "80000.00", "30000.00", "10000.00", "0.00"]},
    "trend": {"months": ["2026-07", "2026-08", "2026-09"], "outstanding": ["800000", "900000", "1050000"],
              "par30": [0.01, None, 0.02], "archive": [0.5, 0.7, 0.85], "precredit": [0.2, 0.3, 0.45]},
}
EMPTY = {"targets": DATA["targets"], "coverage": {"labels": [], "archive": [], "precredit": [], "links": []},
         "stages": {"labels": [], "actual": [], "planned": []}, "grades": {"labels": ["正常"], "amounts": ["0"]},
         "trend": {"months": [], "outstanding": [], "par30": [], "archive": [], "precredit": []}}

# Every CSP violation, as the page sees it (Chromium also logs them to the console, which we collect too).
WATCH_CSP = ("window.__csp = []; document.addEventListener('securitypolicyviolation', "
             "e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));")
# How many distinct colours a sample of the canvas holds (a blank canvas has one).
CANVAS_COLOURS = """el => { const c = el.querySelector('canvas'); if (!c) return 0;
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data, seen = new Set();
  for (let i = 0; i < d.length; i += 4 * 53) seen.add(d.slice(i, i + 4).join()); return seen.size; }"""


def watch(page) -> list:
    """Console errors and page errors of `page`, collected as they come."""
    problems = []
    page.on("console", lambda m: m.type == "error" and "favicon" not in m.text and problems.append(m.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.add_init_script(WATCH_CSP)
    return problems


def csp_problems(page, problems) -> list:
    return page.evaluate("window.__csp") + [p for p in problems if "Content Security Policy" in p]


def chart_page(client, data) -> tuple[str, str]:
    """(HTML, the app's CSP header): the chart includes of the overview pages around `data`, each chart with a
    table twin, served as the app serves a page."""
    with translation.override("zh-hans"):
        boxes = "".join(render_to_string("supervision/includes/overview_chart.html", {"chart": chart})
                        + f'<div class="chart-table" id="twin-{chart}"><table><tr><td>{chart}</td></tr></table></div>'
                        for chart in CHARTS)
        html = ('<!doctype html><html lang="zh-hans"><head><meta charset="utf-8">'
                '<meta name="viewport" content="width=device-width, initial-scale=1">'
                '<link rel="stylesheet" href="/static/vendor/bootstrap/css/bootstrap.min.css">'
                '<link rel="stylesheet" href="/static/css/app.css"></head><body><main class="container-fluid">'
                + render_to_string("supervision/includes/overview_chart_toggle.html")
                + json_script(data, "overview-data") + boxes + "</main>"
                + render_to_string("supervision/includes/overview_chart_scripts.html") + "</body></html>")
    return html, client.get("/login/")["Content-Security-Policy"]


def serve(page, url, html, csp):
    page.route(url, lambda route: route.fulfill(body=html, content_type="text/html; charset=utf-8",
                                                headers={"Content-Security-Policy": csp}))


def test_the_charts_draw_under_the_csp_and_give_way_to_their_tables(live_server, client, page):
    os.makedirs(SHOTS, exist_ok=True)
    html, csp = chart_page(client, DATA)
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    url = f"{live_server.url}/charts-check/"
    serve(page, url, html, csp)
    problems = watch(page)
    page.goto(url)
    page.wait_for_function("document.querySelectorAll('.overview-chart canvas').length === 4")
    page.wait_for_timeout(300)
    for chart in CHARTS:
        box = page.locator(f".overview-chart[data-chart={chart}]")
        assert box.evaluate(CANVAS_COLOURS) > 10, f"{chart} is blank"
        assert not page.locator(f"#twin-{chart}").is_visible() or page.locator(f"#twin-{chart}").bounding_box()[
            "width"] <= 1  # the twin stands aside (still read by screen readers)
    # a tooltip (drawn on the canvas, not HTML with style attributes) does not trip the CSP either
    page.hover(".overview-chart[data-chart=trend] canvas")
    page.hover(".overview-chart[data-chart=coverage] canvas")
    page.screenshot(path=f"{SHOTS}/overview_charts_check.png", full_page=True)
    assert csp_problems(page, problems) == [] and problems == []

    page.click("[data-chart-toggle]")
    assert page.get_attribute("[data-chart-toggle]", "aria-pressed") == "true"
    assert page.locator("#twin-coverage").bounding_box()["width"] > 1
    assert not page.locator(".overview-chart[data-chart=coverage]").is_visible()
    page.reload()  # remembered
    assert page.evaluate("document.body.classList.contains('overview-tables')")
    assert not page.locator(".overview-chart[data-chart=grades]").is_visible()
    page.click("[data-chart-toggle]")  # back: the charts hidden at load are drawn now
    page.wait_for_function("document.querySelectorAll('.overview-chart canvas').length === 4")
    assert page.locator(".overview-chart[data-chart=grades]").evaluate(CANVAS_COLOURS) > 10

    page.emulate_media(media="print")  # paper gets the tables, not the canvases
    assert not page.locator(".overview-chart[data-chart=stages]").is_visible()
    assert page.locator("#twin-stages").bounding_box()["width"] > 1
    assert not page.locator("[data-chart-toggle]").is_visible()


def test_a_bar_follows_its_own_link_and_never_one_elsewhere(live_server, client, page):
    html, csp = chart_page(client, DATA)
    url = f"{live_server.url}/charts-check/"
    serve(page, url, html, csp)
    page.route(f"{live_server.url}/overview/branches/*/", lambda route: route.fulfill(body="branch"))
    page.emulate_media(reduced_motion="reduce")
    page.goto(url)
    page.wait_for_function("document.querySelectorAll('.overview-chart canvas').length === 4")
    assert page.evaluate("echarts.getInstanceByDom(document.querySelector('#chart-coverage')).getOption().animation"
                         ) is False  # prefers-reduced-motion: no animation

    def click_row(row):
        page.locator("#chart-coverage").scroll_into_view_if_needed()
        box = page.locator("#chart-coverage").bounding_box()
        x, y = page.evaluate(f"echarts.getInstanceByDom(document.querySelector('#chart-coverage'))"
                             f".convertToPixel({{xAxisIndex: 0, yAxisIndex: 0}}, [20, {row}])")
        page.mouse.click(box["x"] + x, box["y"] + y - 6)  # the row's first bar (archive coverage)

    click_row(2)  # https://example.com/: not a path of this site
    page.wait_for_timeout(300)
    assert page.url == url
    click_row(1)
    page.wait_for_url(f"{live_server.url}/overview/branches/2/")


def test_no_data_shows_the_templates_note_and_a_phone_does_not_scroll_sideways(live_server, client, browser):
    from tests.e2e.browsing import new_page

    html, csp = chart_page(client, EMPTY)
    context, phone = new_page(browser, phone=True)
    url = f"{live_server.url}/charts-check/"
    serve(phone, url, html, csp)
    problems = watch(phone)
    phone.goto(url)
    phone.wait_for_load_state("load")
    for chart in ("coverage", "stages", "grades", "trend"):
        box = phone.locator(f"#chart-{chart}")
        assert box.locator("canvas").count() == 0
        assert box.inner_text().strip() == box.get_attribute("data-empty") != ""
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert csp_problems(phone, problems) == [] and problems == []
    context.close()

    html, csp = chart_page(client, DATA)
    context, phone = new_page(browser, phone=True)
    serve(phone, url, html, csp)
    phone.goto(url)
    phone.wait_for_function("document.querySelectorAll('.overview-chart canvas').length === 4")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert phone.viewport_size == PHONE
    context.close()



# --- the real pages ---------------------------------------------------------------------------------------------

def overview_world():
    """The shared county with loans in every branch (one 40 and one 100 days overdue), two households not yet
    archived in 东岭村 (its archive coverage under 95 %: red bars), the classification of today, a stage timetable and
    two daily snapshots (the trend)."""
    import datetime

    from django.utils import timezone
    from django_scopes import scopes_disabled

    from post_loan.services.classification import classify_all
    from supervision.models import Stage, StagePlan
    from supervision.services.progress import snapshot_figures
    from tests.county import build_county
    from tests.post_loan.classification_world import loan, overdue

    county = build_county()
    today = timezone.localdate()
    with scopes_disabled():
        loan(county, due_on=today + datetime.timedelta(days=100), amount=30000)
        loan(county, due_on=today + datetime.timedelta(days=60), amount=20000, village=county.v_a2)
        overdue(county, 40, today=today, amount=8000, village=county.v_b)
        overdue(county, 100, today=today, amount=5000, village=county.v_a2)
        for _ in range(2):
            county.household(county.v_a, archived=False)
        county.household(county.v_b)
        classify_all(today=today)
        StagePlan.objects.create(campaign=county.campaign, stage=Stage.SURVEYED,
                                 starts_on=today - datetime.timedelta(days=10), ends_on=today + datetime.timedelta(days=10))
        for days_ago in (40, 0):
            snapshot_figures(head_office=county.head_office, on=today - datetime.timedelta(days=days_ago))
    return county


def chart_drawn(page, chart: str) -> bool:
    """Every box of `chart` on the page holds a canvas with a picture on it (not blank)."""
    boxes = page.locator(f".overview-chart[data-chart={chart}]")
    return boxes.count() > 0 and all(boxes.nth(i).evaluate(CANVAS_COLOURS) > 10 for i in range(boxes.count()))


def charts_settled(page):
    page.wait_for_function("document.body.classList.contains('charts-ready') && [...document.querySelectorAll("
                           "'.overview-chart')].every(box => box.querySelector('canvas') || "
                           "box.classList.contains('overview-chart-empty'))")
    page.wait_for_timeout(200)


def test_the_supervisor_walks_the_dashboards_and_takes_the_table_home(live_server, desk, browser, tmp_path):
    import openpyxl

    from tests.e2e.browsing import login, new_page

    os.makedirs(SHOTS, exist_ok=True)
    county = overview_world()
    base = live_server.url
    problems = watch(desk)
    login(desk, base, "sue")
    desk.goto(f"{base}/overview/")
    charts_settled(desk)
    for chart in ("coverage", "stages", "grades"):
        assert chart_drawn(desk, chart), f"{chart} is not drawn"
    data = json.loads(desk.locator("#overview-data").text_content())
    if any(value is not None for value in data["trend"]["outstanding"]):
        assert chart_drawn(desk, "trend")
    else:  # no monthly figures: the box says so, in the template's words
        note = desk.locator(".overview-chart[data-chart=trend]")
        assert note.inner_text().strip() == note.get_attribute("data-empty")
    assert data["coverage"]["labels"] == ["城关支行", "王庄支行"]
    desk.screenshot(path=f"{SHOTS}/overview_county.png", full_page=True)
    assert csp_problems(desk, problems) == [], "the CSP blocked something"
    assert problems == []

    # table view: the charts give way to their twins, and the choice holds on the next page
    desk.click("[data-chart-toggle]")
    assert not desk.locator(".overview-chart[data-chart=coverage]").is_visible()
    twin = desk.locator("#overview-children .chart-table table")
    assert twin.is_visible() and "城关支行" in twin.inner_text()
    desk.screenshot(path=f"{SHOTS}/overview_tables.png", full_page=True)

    # the xlsx export of the head office's table
    with desk.expect_download() as caught:
        desk.click("#overview-export")
    path = tmp_path / "overview.xlsx"
    caught.value.save_as(path)
    sheet = openpyxl.load_workbook(path).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    # Level, Code, Name, Branch, Roster, Archived, …: 城关支行 has 5 households on the roster, 3 archived
    branch_a = next(row for row in rows if row[1] == "BRA")
    assert branch_a[2] == "城关支行" and branch_a[4:6] == [5, 3]
    assert len(rows) >= 4  # header, the head office, two branches

    desk.click("[data-chart-toggle]")  # back to charts
    # drill down by the names: head office → 城关支行 → 东岭村 → its officer
    desk.click("#child-table a.drill:text-is('城关支行')")
    desk.wait_for_url(f"{base}/overview/branches/{county.branch_a.pk}/**")
    charts_settled(desk)
    assert chart_drawn(desk, "coverage") and "城关支行" in desk.inner_text("#overview-title")
    desk.screenshot(path=f"{SHOTS}/overview_branch.png", full_page=True)
    desk.click("#child-table a.drill:text-is('东岭村')")
    desk.wait_for_url(f"{base}/overview/villages/{county.v_a.pk}/**")
    charts_settled(desk)
    assert "东岭村" in desk.inner_text("#overview-title")
    desk.screenshot(path=f"{SHOTS}/overview_village.png", full_page=True)
    desk.click(f"#officer-table a.drill[href*='/overview/officers/{county.tina.pk}/']")
    desk.wait_for_url(f"{base}/overview/officers/{county.tina.pk}/**")
    charts_settled(desk)
    assert chart_drawn(desk, "coverage")  # her two villages
    desk.screenshot(path=f"{SHOTS}/overview_officer.png", full_page=True)
    # a bar of the chart drills down too: 南坡村, her second village
    desk.locator("#chart-coverage").scroll_into_view_if_needed()
    box = desk.locator("#chart-coverage").bounding_box()
    x, y = desk.evaluate("echarts.getInstanceByDom(document.querySelector('#chart-coverage'))"
                         ".convertToPixel({xAxisIndex: 0, yAxisIndex: 0}, [1, 1])")
    desk.mouse.click(box["x"] + x + 2, box["y"] + y - 6)
    desk.wait_for_url(f"{base}/overview/villages/{county.v_a2.pk}/**")
    assert csp_problems(desk, problems) == [] and problems == []

    # a phone: the same page fits the screen's width
    context, phone = new_page(browser, phone=True)
    login(phone, base, "sue")
    phone.goto(f"{base}/overview/")
    charts_settled(phone)
    assert chart_drawn(phone, "coverage")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    phone.screenshot(path=f"{SHOTS}/overview_phone.png", full_page=True)
    context.close()

"""End to end in headless Chromium: the page loads, answers a slider, downloads, compares.

Playwright drives Debian's chromium (/usr/bin/chromium, installed by the project's
setup); nothing downloads a browser. The server runs with uvicorn in a thread on a free
127.0.0.1 port. A screenshot of the page is kept in test-artifacts/dashboard.png.
"""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest

from neuroimmune.observables import OBSERVABLE_NAMES
from neuroimmune.web import WebLimits, create_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TIMEOUT_MS = 15_000

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="Debian's chromium is not installed at /usr/bin/chromium "
           "(apt-get install -y chromium); the browser tests need it")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server_url():
    import uvicorn

    port = free_port()
    app = create_app(WebLimits(workers=1), allowed_hosts=["127.0.0.1", "localhost"])
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", ws="none",
                            http="h11", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="dashboard-under-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the dashboard did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser, server_url):
    context = browser.new_context(viewport={"width": 1500, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # Chromium logs every 4xx answer as a console error; those are expected here.
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" and "Failed to load resource" not in message.text
            else None)
    page.goto(server_url)
    page.wait_for_selector('#axis-b g.node[data-node="tnf"]')
    page.wait_for_selector('path[data-series="cortisol_nmol_L"][data-run="B"]')
    yield page
    context.close()
    assert errors == [], errors


CORTISOL = 'path[data-series="cortisol_nmol_L"][data-run="B"]'


def move_slider(page, parameter: str, value: float) -> None:
    page.locator(f'[data-parameter="{parameter}"] input[type="range"]').fill(str(value))


def wait_for_new_plot(page, before: str) -> None:
    page.wait_for_function("([selector, before]) => {"
                           " const path = document.querySelector(selector);"
                           " return path && path.getAttribute('d') !== before; }",
                           arg=[CORTISOL, before])


def test_page_draws_the_panels_and_the_axis(page):
    groups = page.locator("#panels .panel").evaluate_all("els => els.map(e => e.dataset.group)")
    assert groups == ["Pathogen", "Cytokines", "Vital signs", "HPA axis", "Brain", "Tryptophan", "Gut",
                      "Symptoms", "Interventions"]
    assert page.locator("#axis-b g.node").count() == 25
    tnf = float(page.locator('#axis-b g.node[data-node="tnf"]').get_attribute("data-activity"))
    assert tnf > 3  # the default view is the LPS challenge near the TNF peak


def test_slider_change_redraws_the_plot_and_the_axis(page):
    before = page.locator(CORTISOL).get_attribute("d")
    stress_before = page.locator('#axis-b g.node[data-node="stress"]').get_attribute("data-activity")
    move_slider(page, "baseline_stress", 0.6)
    wait_for_new_plot(page, before)
    page.wait_for_function("before => document.querySelector("
                           "'#axis-b g.node[data-node=\"stress\"]').dataset.activity !== before",
                           arg=stress_before)
    stress = float(page.locator('#axis-b g.node[data-node="stress"]').get_attribute("data-activity"))
    assert stress > 2


def test_download_csv_has_the_observable_header(page):
    with page.expect_download() as info:
        page.click("#download-csv")
    download = info.value
    assert download.suggested_filename.endswith(".csv")
    header = Path(download.path()).read_text().splitlines()[0]
    assert header == ",".join(["time_h", *OBSERVABLE_NAMES])


def test_download_toml_carries_the_slider_values(page):
    before = page.locator(CORTISOL).get_attribute("d")
    move_slider(page, "microbiome_health", 0.5)
    wait_for_new_plot(page, before)
    with page.expect_download() as info:
        page.click("#download-toml")
    text = Path(info.value.path()).read_text()
    assert "[patient]" in text and "microbiome_health = 0.5" in text
    sbml = page.locator("#download-sbml").get_attribute("href")
    assert "microbiome_health=0.5" in sbml


def test_wide_positive_range_gets_a_log_slider(page):
    # baseline_inflammation spans 0.2-50: the track runs over log10, so its middle is ~3.2
    track = page.locator('[data-parameter="baseline_inflammation"] input[type="range"]')
    assert float(track.get_attribute("min")) == pytest.approx(-0.699, abs=1e-3)
    assert float(track.get_attribute("max")) == pytest.approx(1.699, abs=1e-3)
    before = page.locator(CORTISOL).get_attribute("d")
    move_slider(page, "baseline_inflammation", 1.0)  # log10(10)
    wait_for_new_plot(page, before)
    number = page.locator('[data-parameter="baseline_inflammation"] input[type="number"]')
    assert float(number.input_value()) == pytest.approx(10.0)
    with page.expect_download() as info:
        page.click("#download-toml")
    assert "baseline_inflammation = 10" in Path(info.value.path()).read_text()


def test_bad_input_shows_the_field_and_keeps_the_plot(page):
    before = page.locator(CORTISOL).get_attribute("d")
    page.fill("#duration", "100000")
    page.dispatch_event("#duration", "change")
    page.wait_for_selector("#errors:not([hidden])")
    assert "scenario.duration_h" in page.inner_text("#errors")
    assert page.locator(CORTISOL).get_attribute("d") == before


def test_upload_a_scenario_file(page):
    text = ('name = "Uploaded stressor"\nduration_h = 12\nclock_start_h = 9\n\n'
            '[[intervention]]\nagent = "stressor"\nfrom_h = 1\nto_h = 2\nintensity = 1.0\n')
    before = page.locator(CORTISOL).get_attribute("d")
    page.set_input_files("#scenario-file", files=[{
        "name": "stress.toml", "mimeType": "text/plain", "buffer": text.encode()}])
    wait_for_new_plot(page, before)
    assert "uploaded: stress.toml" in page.inner_text("#scenario-select")
    assert page.input_value("#duration") == "12"


def test_compare_two_runs_and_keep_a_screenshot(page):
    page.click("#pin")
    run_a = page.locator('path[data-series="cortisol_nmol_L"][data-run="A"]')
    peak_a = run_a.get_attribute("data-max")
    before = page.locator(CORTISOL).get_attribute("d")
    move_slider(page, "baseline_stress", 0.5)
    wait_for_new_plot(page, before)
    page.wait_for_selector("#axis-a g.node")
    assert run_a.get_attribute("data-max") == peak_a  # the pinned run stays as it was
    assert float(page.locator(CORTISOL).get_attribute("data-max")) > float(peak_a)
    assert page.locator("#axis-a-figure").is_visible()
    page.wait_for_timeout(300)  # let the axis diagrams settle for the picture
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
    assert (ARTIFACTS / "dashboard.png").stat().st_size > 10_000

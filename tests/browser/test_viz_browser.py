"""End-to-end: the real page in headless Chromium with the outside network cut off.

Judged by what the main pane shows (the three SVG views and their content), not by buttons:
a blank main pane with working buttons is the known way Solara pages fail.
"""

from __future__ import annotations

import statistics
import time

import pytest

pytestmark = pytest.mark.browser

VIEWS = ".kemitraan-main svg.kemitraan-svg"
STEP_BUDGET_S = 1.5  # generous for a loaded CI machine; the measured time is printed


def month(page) -> str:
    return page.inner_text(".kemitraan-month").strip()


def welfare(page) -> float:
    return float(page.locator(".kemitraan-kpi .value").nth(1).inner_text())


def step(page, times: int = 1) -> list[float]:
    """Click Step and wait until the month shown has advanced; return each wait in seconds."""
    waits = []
    for _ in range(times):
        label, number = month(page).rsplit(" ", 1)
        target = f"{label} {int(number) + 1}"
        start = time.perf_counter()
        page.click(".kemitraan-step")
        page.wait_for_function(
            "t => document.querySelector('.kemitraan-month').innerText.trim() === t", arg=target
        )
        page.wait_for_function(
            "t => document.querySelector('svg.kemitraan-network')"
            ".getAttribute('aria-label').endsWith(t.split(' ').pop() + ')')",
            arg=target,
        )
        waits.append(time.perf_counter() - start)
    return waits


def wait_for_html(page, selector: str, text: str) -> None:
    """Wait until the element's markup contains ``text`` (10 s; the test fails otherwise)."""
    page.wait_for_function(
        "([selector, text]) => document.querySelector(selector)?.innerHTML.includes(text)",
        arg=[selector, text],
        timeout=10_000,
    )


def assert_offline_clean(traffic) -> None:
    assert traffic.blocked == [], f"the page tried to reach other hosts: {traffic.blocked}"
    local_failures = [f for f in traffic.failed if not any(b in f for b in traffic.blocked)]
    assert local_failures == [], (
        f"local requests failed (missing offline assets?): {local_failures}"
    )
    assert traffic.errors == [], f"JavaScript errors: {traffic.errors}"


def test_page_loads_offline_and_main_pane_shows_views(offline_page, shots) -> None:
    page, traffic = offline_page
    views = page.locator(VIEWS)
    assert views.count() == 7  # the network, four trend panels, two community panels
    for i in range(7):
        box = views.nth(i).bounding_box()
        assert box is not None and box["width"] > 300 and box["height"] > 200
    assert page.locator("svg.kemitraan-network circle.org").count() == 50
    assert page.locator("svg.kemitraan-community rect").count() > 20
    assert page.locator("svg.kemitraan-trend polyline, svg.kemitraan-trend circle").count() >= 5
    page.screenshot(path=str(shots / "01-loaded.png"))
    assert_offline_clean(traffic)


def test_step_changes_the_views(offline_page, shots) -> None:
    page, traffic = offline_page
    main = page.locator(".kemitraan-main")
    before = main.screenshot()
    network_before = page.inner_html(".kemitraan-main .kemitraan-view >> nth=0")
    waits = step(page, 6)
    after = main.screenshot(path=str(shots / "02-after-6-steps.png"))
    assert month(page) == "Month 6"
    assert after != before
    assert page.inner_html(".kemitraan-main .kemitraan-view >> nth=0") != network_before
    assert (
        page.locator(
            "svg.kemitraan-network line[stroke-dasharray], "
            "svg.kemitraan-network line:not([stroke-dasharray])"
        ).count()
        > 3
    )
    print(
        f"\nStep round trip in the browser: median {statistics.median(waits):.3f} s, "
        f"max {max(waits):.3f} s over {len(waits)} steps"
    )
    assert statistics.median(waits) < STEP_BUDGET_S
    page.screenshot(path=str(shots / "03-page-month-6.png"), full_page=True)
    assert_offline_clean(traffic)


def test_scenario_picker_loads_a_scenario(offline_page, shots) -> None:
    page, traffic = offline_page
    step(page, 2)
    page.click(".kemitraan-scenario")
    page.click(".v-menu__content .v-list-item:has-text('baseline')")
    page.wait_for_function(
        "() => document.querySelector('.kemitraan-month').innerText.trim() === 'Month 0'"
    )
    # the description follows within a moment (a busy server draws the month first); a page
    # that kept the previous scenario's text fails here after 10 s
    page.wait_for_function(
        "() => document.querySelector('.kemitraan-scenario-description')"
        ".innerText.includes('No partnerships')",
        timeout=10_000,
    )
    step(page, 4)
    partnerships = page.locator(".kemitraan-kpi .value").nth(4).inner_text()
    assert partnerships == "0"
    page.screenshot(path=str(shots / "04-scenario-baseline.png"))
    assert_offline_clean(traffic)


def test_language_switch_translates_the_page(offline_page, shots) -> None:
    page, traffic = offline_page
    page.click(".kemitraan-language button:has-text('Bahasa Indonesia')")
    page.wait_for_selector(".kemitraan-step:has-text('Langkah')")
    # The step button is translated first; each pane follows on its own render, so wait
    # for each text rather than read the panes at once (that raced under load).
    for selector, text in [
        (".kemitraan-month", "Bulan 0"),
        (".kemitraan-main", "Siapa bekerja sama"),
        ("svg.kemitraan-network", "kemitraan formal (D1)"),
        ("svg.kemitraan-domains", "Kesehatan"),
    ]:
        wait_for_html(page, selector, text)
    assert month(page) == "Bulan 0"
    step(page, 2)
    page.screenshot(path=str(shots / "05-bahasa-indonesia.png"))
    page.click(".kemitraan-language button:has-text('English')")
    page.wait_for_selector(".kemitraan-step:has-text('Step')")
    assert_offline_clean(traffic)


def test_funding_cut_button_changes_welfare(offline_page, shots) -> None:
    page, traffic = offline_page
    step(page, 8)
    calm = welfare(page)
    page.click(".kemitraan-reset")
    page.wait_for_function(
        "() => document.querySelector('.kemitraan-month').innerText.trim() === 'Month 0'"
    )
    page.click(".kemitraan-shock-funding")
    page.wait_for_selector(".kemitraan-story li:has-text('funding cut')")
    step(page, 8)
    hit = welfare(page)
    page.screenshot(path=str(shots / "06-after-funding-cut.png"), full_page=True)
    assert hit < calm, f"welfare with a funding cut {hit} should fall below {calm}"
    assert_offline_clean(traffic)


def test_bad_seed_is_reported_and_the_page_keeps_working(offline_page) -> None:
    page, traffic = offline_page
    seed = page.locator(".kemitraan-seed input")
    seed.fill("forty-two")
    seed.press("Enter")
    page.wait_for_selector(".kemitraan-seed .error--text, .kemitraan-seed.error--text")
    assert "forty-two" in page.inner_text(".kemitraan-seed")
    step(page, 1)
    seed.fill("7")
    seed.press("Enter")
    page.click(".kemitraan-apply")
    page.wait_for_function(
        "() => document.querySelector('.kemitraan-month').innerText.trim() === 'Month 0'"
    )
    assert_offline_clean(traffic)

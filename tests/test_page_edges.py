"""Rough edges of the pages (issue 27): what a page is given to show and how, tested without a browser where the
API or the worker decides it (the browser tests are at the end)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
import yaml
from conftest import ROOT
from pictures import photo_like, save

from octoprint_img2print.errors import Img2PrintError
from octoprint_img2print.plugin import worker
from octoprint_img2print.plugin.job_request import Limits
from octoprint_img2print.plugin.upload_reader import run_isolated


def test_the_shipped_printers_named_in_words_are_in_the_catalogue_and_shown_translated():
    named = {yaml.safe_load(path.read_text())["name"]: path.stem
             for path in (ROOT / "profiles" / "printers").glob("*.yaml")}
    generic = {name for name, stem in named.items() if stem.startswith("generic")}
    assert generic == set(worker.SHIPPED_PRINTER_NAMES)
    assert worker.printer_name("Generic 200 mm printer", lambda text: f"<{text}>") == "<Generic 200 mm printer>"
    assert worker.printer_name("Prusa MK4", lambda text: f"<{text}>") == "Prusa MK4"  # a maker's name stays


def test_a_cut_off_picture_is_refused_in_img2prints_words_not_pillows(tmp_path):
    whole = save(photo_like(400, 300), tmp_path / "whole.jpg").read_bytes()
    for name, data in (("cut.jpg", whole[:int(len(whole) * 0.9)]),
                       ("cut.png", save(photo_like(400, 300), tmp_path / "whole.png").read_bytes()[:3000])):
        path = tmp_path / name
        path.write_bytes(data)
        try:
            run_isolated("vet", path, name, Limits(), "en", max_megapixels=50)
        except Img2PrintError as refused:
            assert refused.code == "image_damaged"
            assert "image file is truncated" not in refused.message and "bytes not processed" not in refused.message
            assert "(the file ends before all of the picture's data)" in refused.message, refused.message
        else:
            raise AssertionError(f"{name} was not refused")


def test_a_job_on_a_cut_off_picture_says_it_in_img2prints_words(tmp_path, monkeypatch):
    import json

    from octoprint_img2print.plugin.job_request import JobRequest
    from octoprint_img2print.recipe import Recipe

    whole = save(photo_like(400, 300), tmp_path / "whole.jpg").read_bytes()
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(whole[:int(len(whole) * 0.9)])
    said: list[str] = []
    monkeypatch.setattr(worker, "_send", said.append)
    message = {"limits": {"nice": 0, "memory_mb": 0, "max_job_seconds": 60}, "output": None, "view": None,
               "request": JobRequest("preview", str(cut), "cut.jpg", Recipe(mode="lithophane")).as_dict()}
    assert worker.serve(message) == 1
    error = json.loads(said[-1])["error"]
    assert error["code"] == "image_damaged" and "image file is truncated" not in error["message"]
    assert "the file ends before all of the picture's data" in error["message"]


def test_a_mode_is_offered_its_own_intent_first_and_the_general_ones_and_a_model_every_one():
    from octoprint_img2print.modes import registry
    from octoprint_img2print.slicing.intents import GENERAL_INTENTS, intent_ids, intents_for

    for mode in registry().values():
        offered = intents_for(mode.intent)
        assert offered[0] == mode.intent and set(offered) == {mode.intent, *GENERAL_INTENTS}, mode.id
    assert "cookie-cutter" not in intents_for(registry()["lithophane"].intent)
    assert intents_for(None) == intent_ids()


def test_an_option_says_the_shapes_it_applies_to_and_the_command_line_still_takes_it():
    from octoprint_img2print.modes import registry

    lithophane = registry()["lithophane"]
    shapes = {o["name"]: o.get("shapes") for o in lithophane.describe(str)["options"]}
    assert shapes["curve_angle"] == ["arc"] and shapes["hole"] == shapes["hole_rim"] == ["hook"]
    assert shapes["stand"] == ["flat", "heart", "hook"] and shapes["width"] is None
    keychain = {o["name"]: o.get("shapes") for o in registry()["keychain"].describe(str)["options"]}
    assert keychain["hole"] is None, "a keychain's ring always has its hole"
    options = lithophane.options_from({"shape": "cylinder", "curve_angle": 90, "hole": 8})  # taken as before
    assert options.curve_angle == 90 and options.hole == 8


# --- in a real OctoPrint and headless Chromium -------------------------------------------------------------------

def _phone(driver, server) -> None:
    from selenium.webdriver.common.by import By
    from test_browser import log_in, wait_for

    log_in(driver, server)
    driver.get(f"http://127.0.0.1:{server.port}/plugin/img2print/phone")
    wait_for(lambda: driver.find_element(By.ID, "app").is_displayed())


def _shown(driver, element_id: str) -> bool:
    from selenium.webdriver.common.by import By

    found = driver.find_elements(By.ID, element_id)
    return bool(found) and found[0].is_displayed()


@pytest.mark.octoprint
def test_the_phone_after_slice_and_print_offers_no_print_and_no_bed_clear_while_that_file_prints(server, tmp_path):
    """Slice and print from the phone: while that file prints, the page says so and offers neither "bed is clear"
    nor Print (nor Slice and print); once the print is cancelled they are back."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select
    from test_browser import console_errors, idle, preview_shown, text_of, wait_for
    from test_pages import phone_browser, type_into
    from test_print_safety import connect, wait_state

    session = server.session()
    connect(session)
    photo = save(photo_like(320, 240), tmp_path / "printing.jpg")
    driver = phone_browser(tmp_path)
    try:
        _phone(driver, server)
        assert "The printer is ready." in text_of(driver, "printer-state")
        Select(driver.find_element(By.ID, "mode")).select_by_value("logo")
        type_into(driver, "option-width", "15")
        driver.find_element(By.ID, "photo").send_keys(str(photo))
        wait_for(lambda: driver.find_element(By.ID, "preview").is_enabled())
        driver.find_element(By.ID, "preview").click()
        preview_shown(driver, "body")
        driver.find_element(By.ID, "bed-clear").click()
        wait_for(lambda: driver.find_element(By.ID, "print").is_enabled())
        driver.find_element(By.ID, "print").click()
        wait_for(lambda: text_of(driver, "print-state") == "Printing.", 240)
        assert wait_state(session, ("Printing",)) == "Printing"
        wait_for(lambda: "The printer is printing printing.gcode" in text_of(driver, "printer-state"), 20)
        time.sleep(4)  # the page asks the printer's state again meanwhile: still nothing to press
        driver.save_screenshot(str(tmp_path / "phone-printing.png"))
        offered = [name for name in ("print", "bed-clear", "result-print", "result-bed-clear", "preview-first")
                   if _shown(driver, name)]
        assert offered == [], offered
        assert driver.find_element(By.ID, "preview").is_displayed(), "a preview is still possible"
        session.post("/api/job", json={"command": "cancel"})
        wait_state(session, ("Operational",))
        wait_for(lambda: _shown(driver, "print") and _shown(driver, "bed-clear") and _shown(driver, "result-print"), 30)
        assert "The printer is ready." in text_of(driver, "printer-state")
        assert console_errors(driver) == []
    finally:
        driver.quit()
        idle(server.session())


@pytest.mark.octoprint
def test_the_phone_page_has_disclosure_arrows_options_for_the_shape_and_no_filament_for_a_painting(server, tmp_path):
    """The phone page's summaries show an arrow that turns when opened; a lithophane's options follow its shape;
    a painting has no slicing filament menu, a TD card has; and the page's template is loaded the supported way
    (no deprecation warning in OctoPrint's log)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select
    from test_browser import console_errors
    from test_pages import phone_browser

    driver = phone_browser(tmp_path)
    try:
        _phone(driver, server)
        arrow = "return getComputedStyle(document.querySelector(arguments[0] + ' summary'), '::before')"
        for details in ("#more", "#slicing", "#calibrate"):
            assert driver.execute_script(arrow + ".borderLeftWidth", details) != "0px", details
            closed = driver.execute_script(arrow + ".transform", details)
            driver.find_element(By.CSS_SELECTOR, details + " summary").click()
            time.sleep(0.3)
            assert driver.execute_script(arrow + ".transform", details) != closed, details
        driver.save_screenshot(str(tmp_path / "phone-open.png"))
        shape = Select(driver.find_element(By.ID, "option-shape"))
        for chosen, shown, hidden in (("flat", ["stand", "stand_depth"], ["curve_angle", "hole", "hole_rim"]),
                                      ("arc", ["curve_angle"], ["stand", "stand_depth", "hole"]),
                                      ("cylinder", ["frame_width"], ["curve_angle", "stand", "hole", "hole_rim"]),
                                      ("hook", ["hole", "hole_rim", "stand"], ["curve_angle"])):
            shape.select_by_value(chosen)
            assert [name for name in shown if not _shown(driver, "option-" + name)] == [], chosen
            assert [name for name in hidden if _shown(driver, "option-" + name)] == [], chosen
        mode = Select(driver.find_element(By.ID, "mode"))
        mode.select_by_value("painting")
        assert not _shown(driver, "slicing-filament")
        mode.select_by_value("td-card")
        assert _shown(driver, "slicing-filament"), "a TD card is printed in the filament it tests"
        assert console_errors(driver) == []
    finally:
        driver.quit()
    assert "Loading plugin template 'img2print_phone.jinja2'" not in server.log
    assert "without plugin prefix" not in server.log


@pytest.mark.octoprint
def test_the_tab_offers_the_options_of_the_shape_the_intents_of_the_mode_and_the_farm_button_after_print(server,
                                                                                                        tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select
    from test_browser import browser, console_errors, log_in, open_tab, wait_for

    driver = browser(tmp_path, size=(1366, 900))
    try:
        log_in(driver, server)
        open_tab(driver)
        mode = Select(wait_for(lambda: driver.find_element(By.ID, "img2print-mode")))
        wait_for(lambda: len(mode.options) > 5)
        controls = driver.execute_script(
            "return Array.from(document.querySelectorAll('#img2print input, #img2print select, #img2print button'))"
            ".map(function (e) { return e.id; })")
        assert controls[0] == "img2print-file", controls[:3]
        assert controls.index("img2print-bed-clear-button") > controls.index("img2print-print")
        intents = Select(driver.find_element(By.ID, "img2print-intent"))
        assert [o.get_attribute("value") for o in intents.options] == ["", "lithophane", "display", "functional"]
        mode.select_by_value("cookie-cutter")
        assert [o.get_attribute("value") for o in intents.options] == ["", "cookie-cutter", "display", "functional"]
        mode.select_by_value("lithophane")
        driver.find_element(By.ID, "img2print-more").click()
        shape = Select(driver.find_element(By.ID, "img2print-option-shape"))
        shape.select_by_value("cylinder")
        hidden = ["curve_angle", "hole", "hole_rim", "stand", "stand_depth", "stand_height"]
        assert [name for name in hidden if _shown(driver, "img2print-option-" + name)] == []
        shape.select_by_value("arc")
        assert _shown(driver, "img2print-option-curve_angle") and not _shown(driver, "img2print-option-hole")
        driver.save_screenshot(str(tmp_path / "tab-arc.png"))
        driver.find_element(By.ID, "img2print-slicing-more").click()
        assert _shown(driver, "img2print-slicing-filament")
        mode.select_by_value("painting")
        assert not _shown(driver, "img2print-slicing-filament"), "a painting is heated for its own filaments"
        assert [o.get_attribute("value") for o in intents.options] == ["", "painting", "display", "functional"]
        mode.select_by_value("td-card")
        assert _shown(driver, "img2print-slicing-filament")
        assert console_errors(driver) == []
    finally:
        driver.quit()


@pytest.mark.octoprint
def test_a_failed_preview_leaves_no_findings_or_views_of_the_one_before(server, tmp_path):
    """A logo's preview has findings and a 3D view; changed to a hook-tab lithophane whose hole is wider than the
    sheet, the preview fails: the tab and the phone page show the error and nothing of the preview before."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select
    from test_browser import browser, console_errors, log_in, open_tab, wait_for
    from test_pages import phone_browser, type_into

    photo = save(photo_like(320, 240), tmp_path / "stale.jpg")
    view = "var v = document.querySelector(arguments[0] + ' .img2print-view3d'); return !!v && !v.hidden"
    driver = browser(tmp_path, size=(1366, 900))
    try:
        log_in(driver, server)
        open_tab(driver)
        mode = Select(wait_for(lambda: driver.find_element(By.ID, "img2print-mode")))
        wait_for(lambda: len(mode.options) > 5)
        mode.select_by_value("logo")
        type_into(driver, "img2print-option-width", "15")
        driver.find_element(By.ID, "img2print-file").send_keys(str(photo))
        wait_for(lambda: driver.find_element(By.ID, "img2print-preview").is_enabled())
        driver.find_element(By.ID, "img2print-preview").click()
        wait_for(lambda: driver.execute_script(view, "#img2print-view3d"), 240)
        assert driver.find_elements(By.CSS_SELECTOR, "#img2print-findings li"), "the logo's thin strokes"
        mode.select_by_value("lithophane")
        type_into(driver, "img2print-option-width", "40")
        Select(driver.find_element(By.ID, "img2print-option-shape")).select_by_value("hook")
        driver.find_element(By.ID, "img2print-more").click()
        type_into(driver, "img2print-option-hole", "39")
        wait_for(lambda: "wider than the 40 mm sheet" in driver.find_element(By.ID, "img2print-error").text, 240)
        driver.save_screenshot(str(tmp_path / "tab-failed.png"))
        assert driver.find_elements(By.CSS_SELECTOR, "#img2print-findings li") == []
        assert not driver.execute_script(view, "#img2print-view3d")
        assert console_errors(driver) == []
    finally:
        driver.quit()
    driver = phone_browser(tmp_path / "phone")
    try:
        _phone(driver, server)
        mode = Select(driver.find_element(By.ID, "mode"))
        mode.select_by_value("logo")
        type_into(driver, "option-width", "15")
        driver.find_element(By.ID, "photo").send_keys(str(photo))
        wait_for(lambda: driver.find_element(By.ID, "preview").is_enabled())
        driver.find_element(By.ID, "preview").click()
        wait_for(lambda: driver.execute_script(view, "#view3d"), 240)
        assert driver.find_elements(By.CSS_SELECTOR, "#findings .finding")
        mode.select_by_value("lithophane")
        type_into(driver, "option-width", "40")
        Select(driver.find_element(By.ID, "option-shape")).select_by_value("hook")
        driver.find_element(By.CSS_SELECTOR, "#more summary").click()
        type_into(driver, "option-hole", "39")
        wait_for(lambda: "wider than the 40 mm sheet" in driver.find_element(By.ID, "error").text, 240)
        driver.save_screenshot(str(tmp_path / "phone-failed.png"))
        assert driver.find_elements(By.CSS_SELECTOR, "#findings .finding") == []
        assert not driver.execute_script(view, "#view3d")
        assert not _shown(driver, "solid") and not _shown(driver, "marked")
        assert console_errors(driver) == []
    finally:
        driver.quit()


@pytest.mark.octoprint
def test_the_settings_in_german_show_each_modes_default_width_and_whole_menus(server, tmp_path):
    from selenium.webdriver.common.by import By
    from test_browser import browser, console_errors, log_in, wait_for

    cut_off = """return Array.from(document.querySelectorAll(arguments[0] + ' select')).filter(function (menu) {
        if (menu.offsetParent === null) return false;
        var pen = document.createElement('canvas').getContext('2d'), widest = 0;
        pen.font = getComputedStyle(menu).font;
        Array.from(menu.options).forEach(function (o) { widest = Math.max(widest, pen.measureText(o.text).width); });
        return widest + 24 > menu.clientWidth;  // the text and the menu's arrow
    }).map(function (menu) { return menu.id || menu.className; });"""
    driver = browser(tmp_path, language="de", size=(1366, 900))
    try:
        log_in(driver, server)
        wait_for(lambda: driver.execute_script("return !!(window.OctoPrint && OctoPrint.coreui "
                                               "&& OctoPrint.coreui.startedUp)"))
        driver.execute_script("OctoPrint.coreui.viewmodels.settingsViewModel.show('settings_plugin_img2print')")
        rows = wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, ".img2print-defaults tbody tr"))
        wait_for(lambda: driver.find_element(By.CSS_SELECTOR, ".img2print-defaults").is_displayed())
        driver.execute_script("arguments[0].scrollIntoView()", rows[0])
        driver.save_screenshot(str(tmp_path / "settings-defaults.png"))
        widths = [row.find_element(By.CSS_SELECTOR, "input").get_attribute("placeholder") for row in rows]
        assert widths[0] == "100" and all(widths), widths  # the lithophane's 100 mm; a logo's comes from the picture
        assert driver.execute_script(cut_off, "#settings_plugin_img2print") == []
        boxes = driver.execute_script(
            "return Array.from(document.querySelectorAll('.img2print-default-width')).filter(function (box) {"
            "  var pen = document.createElement('canvas').getContext('2d'); pen.font = getComputedStyle(box).font;"
            "  return pen.measureText(box.placeholder).width + 12 > box.clientWidth; }).length")
        assert boxes == 0, "a placeholder is cut off"
        assert console_errors(driver) == []
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def wizard_server(tmp_path_factory):
    """An OctoPrint whose admin has not seen img2print's first-run wizard yet."""
    from conftest import require
    from octoprint_server import OCTOPRINT, Server

    require(OCTOPRINT.exists(), "OctoPrint in .venv")
    with Server(OCTOPRINT, tmp_path_factory.mktemp("wizard") / "base", wizard_seen=False) as running:
        running.wait_for_log("img2print 0.1.0 ready")
        yield running


@pytest.mark.octoprint
@pytest.mark.parametrize(("language", "size"), [("de", (1366, 900)), ("de", (800, 900)), ("en", (390, 844))])
def test_the_wizards_printer_menu_is_whole_at_every_width(wizard_server, tmp_path, language, size):
    from selenium.webdriver.common.by import By
    from test_browser import browser, console_errors, wait_for

    driver = browser(tmp_path, language=language, size=size)
    try:
        driver.get(f"http://127.0.0.1:{wizard_server.port}/login/?redirect=%2F")
        driver.find_element(By.ID, "login-user").send_keys(wizard_server.login["user"])
        driver.find_element(By.ID, "login-password").send_keys(wizard_server.login["password"])
        driver.find_element(By.ID, "login-button").click()
        menu = wait_for(lambda: [found for found in driver.find_elements(By.ID, "img2print-wizard-printer")
                                 if found.is_displayed()])
        wait_for(lambda: len(menu[0].find_elements(By.TAG_NAME, "option")) > 5)
        time.sleep(1)  # the dialog settles
        driver.save_screenshot(str(tmp_path / "wizard.png"))
        place = driver.execute_script(
            "var menu = arguments[0], box = menu.getBoundingClientRect(), parent = menu.parentElement;"
            "var room = parent.getBoundingClientRect(), style = getComputedStyle(parent);"
            "return [box.right, room.right - parseFloat(style.paddingRight), parent.scrollWidth, parent.clientWidth]",
            menu[0])
        assert place[0] <= place[1] + 0.5 and place[2] <= place[3], place
        if size[0] >= 1000:  # room for the longest entry: every printer's name reads whole
            assert driver.execute_script(
                "var menu = arguments[0], pen = document.createElement('canvas').getContext('2d'), widest = 0;"
                "pen.font = getComputedStyle(menu).font;"
                "Array.from(menu.options).forEach(function (o) {"
                "  widest = Math.max(widest, pen.measureText(o.text).width); });"
                "return widest + 24 <= menu.clientWidth", menu[0])
        assert console_errors(driver) == []
    finally:
        driver.quit()


def test_a_cut_off_picture_is_refused_in_german_without_pillows_english(tmp_path):
    from octoprint_img2print import i18n
    from octoprint_img2print.imaging.load import CUT_OFF

    whole = save(photo_like(400, 300), tmp_path / "whole.jpg").read_bytes()
    path = tmp_path / "urlaub.jpg"
    path.write_bytes(whole[:int(len(whole) * 0.9)])
    german = i18n.translations(("de",)).gettext(CUT_OFF)
    assert german != CUT_OFF, "the German catalogue translates it"
    try:
        run_isolated("vet", path, path.name, Limits(), "de", max_megapixels=50)
    except Img2PrintError as refused:
        assert "image file is truncated" not in refused.message and german in refused.message, refused.message
    else:
        raise AssertionError("the cut-off picture was not refused")
    said = subprocess.run([sys.executable, "-m", "octoprint_img2print.command", "convert", str(path), "-o",
                           str(tmp_path / "x.stl")], capture_output=True, text=True,
                          env={**os.environ, "LANGUAGE": "de"})  # the command line says it in the same words
    assert said.returncode == 3 and german in said.stderr and "truncated" not in said.stderr, said.stderr


def _touch(driver, kind: str, points: list[tuple[float, float]]) -> None:
    """Fingers on the screen as a phone's touch screen reports them (ids 0, 1, ...)."""
    driver.execute_cdp_cmd("Input.dispatchTouchEvent", {
        "type": kind, "touchPoints": [{"x": x, "y": y, "id": i} for i, (x, y) in enumerate(points)]})


@pytest.mark.octoprint
def test_the_phone_frames_the_photo_with_its_buttons_two_fingers_and_one_and_says_the_estimate(server, tmp_path):
    """Turned right by its button, pinched smaller and dragged with a finger, the photo's part is what the preview
    asks for, and the solid takes its shape; the preview's estimate is said as one."""
    import re

    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select
    from test_browser import console_errors, record_requests, sent_requests, text_of, wait_for
    from test_pages import phone_browser, type_into
    from test_view3d import shown_size, view_shown

    photo = save(photo_like(320, 240), tmp_path / "pinched.jpg")
    driver = phone_browser(tmp_path)
    try:
        _phone(driver, server)
        Select(driver.find_element(By.ID, "mode")).select_by_value("lithophane")
        type_into(driver, "option-width", "60")
        driver.find_element(By.ID, "photo").send_keys(str(photo))
        view_shown(driver, "#view3d")  # previewed as it was picked
        record_requests(driver)
        wait_for(lambda: _shown(driver, "framing-stage"))
        driver.find_element(By.ID, "framing-right").click()
        assert driver.find_element(By.ID, "option-rotate").get_attribute("value") == "-90"
        stage = driver.find_element(By.ID, "framing-stage")
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", stage)
        box = driver.execute_script("var r = arguments[0].getBoundingClientRect();"
                                    "return [r.left, r.top, r.width, r.height]", stage)
        middle = (box[0] + box[2] / 2, box[1] + box[3] / 2)
        _touch(driver, "touchStart", [(middle[0] - 80, middle[1]), (middle[0] + 80, middle[1])])
        _touch(driver, "touchMove", [(middle[0] - 40, middle[1]), (middle[0] + 40, middle[1])])
        _touch(driver, "touchEnd", [])
        pinched = driver.find_element(By.ID, "option-crop_box").get_attribute("value")
        assert pinched, "two fingers made a part of the photo"
        _touch(driver, "touchStart", [middle])
        _touch(driver, "touchMove", [(middle[0] + 30, middle[1] + 20)])
        _touch(driver, "touchEnd", [])
        part = [float(v) for v in driver.find_element(By.ID, "option-crop_box").get_attribute("value").split(",")]
        before = [float(v) for v in pinched.split(",")]
        assert part[0] > before[0] and part[1] > before[1] and part[2:] == before[2:], (before, part)
        framed = {"rotate": -90, "crop_box": ",".join(f"{v:g}" for v in part)}

        def framed_asked() -> bool:  # the preview follows the framing by itself
            previews = [sent["options"] for sent in sent_requests(driver) if sent["command"] == "preview"]
            return bool(previews) and all(previews[-1].get(key) == value for key, value in framed.items())

        wait_for(framed_asked, 60)
        height = 60 * (part[3] * 320) / (part[2] * 240)  # the turned photo is 240 wide, 320 tall
        wait_for(lambda: driver.find_element(By.ID, "preview").is_enabled() and "×" in text_of(driver, "view3d")
                 and abs(shown_size(driver, "#view3d")[1] - height) < 1.0, 240)
        said = text_of(driver, "estimate")
        assert re.fullmatch(r"About (\d+ h )?\d+ min, [\d.]+ m of filament \(\d+ g\) — estimate", said), said
        driver.save_screenshot(str(tmp_path / "phone-framed.png"))
        assert console_errors(driver) == []
    finally:
        driver.quit()


@pytest.mark.octoprint
def test_the_phone_offers_the_printer_and_the_intents_of_the_mode_and_sends_the_ones_chosen(server, tmp_path):
    """Under "Slicing options" the phone offers img2print's printers (the settings' one chosen, else OctoPrint's)
    and the intents of the chosen mode (its settings' intent chosen, else what the mode suggests), and a preview
    sends the printer and intent chosen, as the tab does; a screenshot of it in German at 390 pixels."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select
    from test_browser import console_errors, idle, record_requests, sent_requests, wait_for
    from test_pages import phone_browser

    listing = server.session().get("/api/plugin/img2print").json()
    photo = save(photo_like(320, 240), tmp_path / "phone-printer.jpg")
    driver = phone_browser(tmp_path, language="de")
    try:
        _phone(driver, server)
        driver.find_element(By.CSS_SELECTOR, "#slicing summary").click()
        printer = Select(driver.find_element(By.ID, "printer"))
        offered_printers = ["", *(p["id"] for p in listing["printers"])]
        assert [item.get_attribute("value") for item in printer.options] == offered_printers
        assert printer.first_selected_option.get_attribute("value") == (listing["defaults"]["printer"] or "")
        mode = Select(driver.find_element(By.ID, "mode"))
        for chosen in ("logo", "lithophane"):
            mode.select_by_value(chosen)
            offered = next(m["intents"] for m in listing["modes"] if m["id"] == chosen)
            intent = Select(driver.find_element(By.ID, "intent"))
            assert [item.get_attribute("value") for item in intent.options] == ["", *offered], chosen
            own = (listing["defaults"]["modes"].get(chosen) or {}).get("intent") or ""
            assert intent.first_selected_option.get_attribute("value") == own, chosen
        driver.execute_script("document.getElementById('slicing').scrollIntoView()")
        driver.save_screenshot(str(tmp_path / "phone-de-printer-intent.png"))
        driver.find_element(By.ID, "photo").send_keys(str(photo))
        other = next(p["id"] for p in listing["printers"] if p["id"] != listing["defaults"]["printer"])
        printer.select_by_value(other)
        intent.select_by_value(offered[-1])
        record_requests(driver)
        wait_for(lambda: driver.find_element(By.ID, "preview").is_enabled())
        driver.find_element(By.ID, "preview").click()
        sent = wait_for(lambda: sent_requests(driver))[0]
        assert (sent["printer"], sent["intent"]) == (other, offered[-1])
        wait_for(lambda: driver.find_element(By.ID, "progress").get_attribute("hidden") is not None, 240)
        assert console_errors(driver) == []
    finally:
        driver.quit()
    idle(server.session())

"""The tab and the phone page in headless Chromium (Debian's package): they load without console errors,
run a preview from a picked photo, fit a phone's screen, and speak German to a German browser."""

from __future__ import annotations

import io
import re
import shutil
import time
from pathlib import Path

import pytest
from conftest import ROOT, require
from octoprint_server import Server
from pictures import halves, photo_like, save

from octoprint_img2print.modes import registry as modes

CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
PHONE = (390, 844)
IGNORED_CONSOLE = ("net::ERR_NAME_NOT_RESOLVED", "net::ERR_INTERNET_DISCONNECTED", "favicon")
pytestmark = pytest.mark.octoprint


def browser(tmp_path: Path, language: str = "en", size: tuple[int, int] = (1280, 1000), webgl: bool = True):
    """Headless Debian Chromium through its own chromedriver (nothing is downloaded); WebGL by SwiftShader, or
    none."""
    require(CHROMIUM is not None and CHROMEDRIVER is not None, "chromium and chromium-driver (apt)")
    from selenium import webdriver

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--no-first-run", *(("--use-angle=swiftshader", "--enable-unsafe-swiftshader") if webgl
                                         else ("--disable-3d-apis",)),
                     f"--lang={language}", f"--window-size={size[0]},{size[1]}",
                     f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(argument)
    options.add_experimental_option("prefs", {"intl.accept_languages": language})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=CHROMEDRIVER))


def log_in(driver, server: Server) -> None:
    from selenium.webdriver.common.by import By

    driver.get(f"http://127.0.0.1:{server.port}/login/?redirect=%2F")
    driver.find_element(By.ID, "login-user").send_keys(server.login["user"])
    driver.find_element(By.ID, "login-password").send_keys(server.login["password"])
    driver.find_element(By.ID, "login-button").click()
    wait_for(lambda: driver.execute_script("return document.querySelector('#tab_plugin_img2print_link') !== null"))


def open_tab(driver) -> None:
    """Open img2print's tab once OctoPrint's interface has finished loading."""
    from selenium.webdriver.common.by import By

    wait_for(lambda: driver.execute_script(
        "var loading = document.getElementById('page-container-loading');"
        "return !loading || loading.offsetParent === null"))
    link = driver.find_element(By.CSS_SELECTOR, "#tab_plugin_img2print_link a")
    driver.execute_script("arguments[0].click()", link)
    wait_for(lambda: driver.find_element(By.ID, "img2print").is_displayed())
    wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, "#img2print-mode option[value=logo]"))  # modes loaded


def wait_for(condition, timeout: float = 120.0):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.3)


def idle(session) -> None:
    """The virtual printer not printing (a test before may have started a print)."""
    if session.get("/api/job").json()["state"] != "Operational":
        session.post("/api/job", json={"command": "cancel"})
    wait_for(lambda: session.get("/api/job").json()["state"] == "Operational")


def set_relief_default(server: Server) -> None:
    """The settings' default width and intent for reliefs, which the pages start with."""
    answer = server.session().post("/api/settings", json={"plugins": {"img2print": {
        "mode_defaults": {"relief": {"width": 33, "intent": "display"}}}}})
    assert answer.status_code == 200, answer.text


def text_of(driver, element_id: str) -> str:
    """The text of an element, or nothing while it is not on the page."""
    from selenium.webdriver.common.by import By

    found = driver.find_elements(By.ID, element_id)
    return found[0].text if found else ""


def file_list_buttons(driver, name: str, css: str) -> list:
    """The visible buttons of class ``css`` on the entry ``name`` of OctoPrint's file list."""
    return driver.execute_script(
        "var name = arguments[0], css = arguments[1];"
        "return Array.from(document.querySelectorAll('#files .entry')).filter(function (e) {"
        "  var title = e.querySelector('.title'); return title && title.textContent.trim() === name;"
        "}).map(function (e) { return e.querySelector('.' + css); })"
        ".filter(function (b) { return b && b.offsetParent !== null; })", name, css)


RECORD_REQUESTS = """
window.img2printSent = [];
var original = window.fetch;
window.fetch = function (address, init) {
    var body = init && init.method === 'POST' ? init.body : null;
    if (body instanceof FormData) {
        window.img2printSent.push({command: body.get('action'), options: JSON.parse(body.get('options') || '{}'),
                                   printer: body.get('printer'), intent: body.get('intent')});
    } else if (typeof body === 'string') {
        var asked = JSON.parse(body);
        window.img2printSent.push({command: asked.command, options: asked.options || {}, printer: asked.printer || null,
                                   intent: asked.intent || null});
    }
    return original.apply(this, arguments);
};
"""


def record_requests(driver) -> None:
    """From now on the page keeps what it sends to img2print's API: each job's command, options, printer and
    intent."""
    driver.execute_script(RECORD_REQUESTS)


def sent_requests(driver) -> list[dict]:
    """The jobs the page sent since ``record_requests``: {command, options, printer, intent}."""
    return driver.execute_script("return window.img2printSent")


def preview_shown(driver, scope: str, before: str = "") -> str:
    """Wait until a preview other than ``before`` is on screen in ``scope``: its 3D view (with WebGL; a page with one
    asks for no pictures of the solid) or its picture (without), and say which."""
    return wait_for(lambda: driver.execute_script(
        "var view = document.querySelector(arguments[0] + ' .img2print-view3d');"
        "var picture = document.querySelector(arguments[0] + ' #solid, ' + arguments[0] + ' #img2print-preview-image');"
        "var shown = (view && !view.hidden && view.dataset.shown) || (picture && picture.getAttribute('src')) || '';"
        "return shown !== arguments[1] ? shown : ''", scope, before), 240)


def console_errors(driver) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser")
            if entry["level"] == "SEVERE" and not any(text in entry["message"] for text in IGNORED_CONSOLE)]


# where the tab's progress stood (top, bottom, window height) once it showed: window.img2printSeen
SEEN_WHEN_SHOWN = """
var status = document.querySelector('#img2print .img2print-status');
window.img2printSeen = null;
new MutationObserver(function () {
    if (window.img2printSeen !== null || status.offsetParent === null) return;
    setTimeout(function () {
        var r = status.getBoundingClientRect();
        window.img2printSeen = [r.top, r.bottom, window.innerHeight];
    }, 100);
}).observe(status, {attributes: true, attributeFilter: ['style']});
"""


def test_tab_runs_a_preview_without_console_errors(server, tmp_path):
    from selenium.webdriver.common.by import By

    photo = save(photo_like(320, 240), tmp_path / "photo.jpg")
    driver = browser(tmp_path)
    try:
        log_in(driver, server)
        open_tab(driver)
        wait_for(lambda: len(driver.find_elements(By.CSS_SELECTOR, "#img2print-printer option")) > 10)
        driver.find_element(By.ID, "img2print-file").send_keys(str(photo))
        width = driver.find_element(By.ID, "img2print-option-width")
        width.clear()
        width.send_keys("60")
        driver.execute_script(SEEN_WHEN_SHOWN)
        driver.find_element(By.ID, "img2print-preview").click()
        source = preview_shown(driver, "#img2print")
        top, bottom, height = wait_for(lambda: driver.execute_script("return window.img2printSeen"))
        assert top >= 0 and bottom <= height + 1, "the progress was brought into sight"
        assert driver.execute_script(  # progress, findings and views come right after the buttons, before the rest
            "var at = function (s) { return document.querySelector(s); }, after = Node.DOCUMENT_POSITION_FOLLOWING;"
            "return [at('#img2print .img2print-status'), at('#img2print-findings'), at('#img2print-view3d')].every("
            "function (e) { return e.compareDocumentPosition(at('#img2print-phone')) & after"
            " && e.compareDocumentPosition(at('#img2print-tripo')) & after; })")
        lit = driver.find_element(By.CSS_SELECTOR, "#img2print .img2print-view3d-backlit")
        assert lit.is_displayed(), "the lithophane is offered lit from behind"
        assert driver.find_element(By.ID, "img2print-error").text == ""
        from selenium.webdriver.support.ui import Select

        uploaded = server.session().get("/api/files/local/photo.jpg").json()["date"]
        Select(driver.find_element(By.ID, "img2print-mode")).select_by_value("logo")
        preview_shown(driver, "#img2print", source)
        wait_for(lambda: driver.find_element(By.ID, "img2print-convert").is_enabled())
        driver.find_element(By.ID, "img2print-convert").click()
        listing = ("var done = arguments[0]; OctoPrint.files.listForLocation('local', false)"
                   ".done(function (r) { done(r.files.map(function (f) { return f.name; })); });")
        wait_for(lambda: "photo.stl" in driver.execute_async_script(listing))
        wait_for(lambda: text_of(driver, "img2print-result-file") == "photo.stl")
        assert "triangles" in driver.find_element(By.ID, "img2print-result").text
        assert server.session().get("/api/files/local/photo.jpg").json()["date"] == uploaded, "uploaded once"
        assert console_errors(driver) == []
    finally:
        driver.quit()


def test_tab_shows_progress_and_cancels_then_prints_from_the_result_card(server, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    photo = save(photo_like(1600, 1200), tmp_path / "slow.jpg")
    set_relief_default(server)
    driver = browser(tmp_path)
    try:
        log_in(driver, server)
        open_tab(driver)
        wait_for(lambda: len(driver.find_elements(By.CSS_SELECTOR, "#img2print-mode option")) >= 6)
        Select(driver.find_element(By.ID, "img2print-mode")).select_by_value("relief")
        assert driver.find_element(By.ID, "img2print-option-width").get_attribute("value") == "33"
        assert Select(driver.find_element(By.ID, "img2print-intent")).first_selected_option.text == "Display piece"
        Select(driver.find_element(By.ID, "img2print-mode")).select_by_value("lithophane")
        driver.find_element(By.ID, "img2print-file").send_keys(str(photo))
        preview_shown(driver, "#img2print")  # the photo's own preview, started as it was picked, has ended
        driver.find_element(By.ID, "img2print-slice").click()
        wait_for(lambda: driver.find_element(By.ID, "img2print-status").text.endswith("%"))
        wait_for(lambda: driver.find_element(By.ID, "img2print-elapsed").text.endswith(" s"))
        driver.find_element(By.ID, "img2print-cancel").click()
        wait_for(lambda: driver.find_element(By.ID, "img2print-error").text == "Cancelled.")
        driver.find_element(By.ID, "img2print-file").send_keys(str(save(halves(), tmp_path / "badge.png")))
        Select(driver.find_element(By.ID, "img2print-mode")).select_by_value("logo")
        width = driver.find_element(By.ID, "img2print-option-width")
        width.clear()
        width.send_keys("15")
        wait_for(lambda: driver.find_element(By.ID, "img2print-slice").is_enabled())
        driver.find_element(By.ID, "img2print-slice").click()
        wait_for(lambda: text_of(driver, "img2print-result-file") == "badge.gcode", 240)
        facts = driver.find_element(By.ID, "img2print-result").text
        assert "min" in facts and "m of filament" in facts and " mm" in facts
        assert not driver.find_element(By.ID, "img2print-result-print").is_enabled()
        driver.find_element(By.ID, "img2print-result-bed-clear").click()
        driver.find_element(By.ID, "img2print-result-print").click()
        wait_for(lambda: text_of(driver, "img2print-print-state") == "Printing.")
        session = server.session()
        wait_for(lambda: session.get("/api/job").json()["job"]["file"]["name"] == "badge.gcode")
        session.post("/api/job", json={"command": "cancel"})
        assert console_errors(driver) == []
    finally:
        driver.quit()


def test_findings_come_grouped_with_their_fix_and_a_model_that_does_not_fit_is_not_sliced(server, tmp_path):
    from PIL import Image, ImageDraw
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    logo = Image.new("L", (400, 200), 255)
    draw = ImageDraw.Draw(logo)
    draw.rectangle((20, 20, 180, 180), fill=0)
    for y in range(30, 170, 20):
        draw.line((220, y, 380, y), fill=0, width=2)
    driver = browser(tmp_path)
    try:
        log_in(driver, server)
        open_tab(driver)
        wait_for(lambda: len(driver.find_elements(By.CSS_SELECTOR, "#img2print-mode option")) >= 6)
        driver.find_element(By.ID, "img2print-file").send_keys(str(save(logo, tmp_path / "lines.png")))
        Select(driver.find_element(By.ID, "img2print-mode")).select_by_value("logo")
        width = driver.find_element(By.ID, "img2print-option-width")
        width.clear()
        width.send_keys("40")
        driver.find_element(By.ID, "img2print-preview").click()

        def groups() -> list[str]:
            return driver.execute_script("return Array.from(document.querySelectorAll('#img2print-findings li'))"
                                         ".map(function (e) { return e.innerText.trim(); })")

        thin = wait_for(lambda: [g for g in groups() if g.startswith("Strokes narrower than the nozzle's line: ")])
        assert int(thin[0].split(": ")[1].split()[0]) >= 5 and "Thicken thin parts" in thin[0]
        assert not any("--" in g for g in groups())
        marks = driver.execute_script("return Array.from(document.querySelectorAll('.img2print-mark'))"
                                      ".map(function (m) { return parseFloat(m.style.left); })")
        assert len(marks) >= 5 and all(50 < left < 100 for left in marks), marks
        assert driver.find_element(By.ID, "img2print-picture").is_displayed()
        fix = next(b for b in driver.find_elements(By.CSS_SELECTOR, "#img2print-findings .img2print-fix")
                   if b.text == "Thicken thin parts")
        fix.click()
        wait_for(lambda: not any(g.startswith("Strokes narrower") for g in groups()))
        assert driver.find_element(By.ID, "img2print-option-fix_thin").is_selected()
        width.clear()
        width.send_keys("900")
        too_big = wait_for(lambda: [g for g in groups() if g.startswith("Too big for this printer.")])
        assert "Make it fit" in too_big[0]
        wait_for(lambda: not driver.find_element(By.ID, "img2print-slice").is_enabled())
        next(b for b in driver.find_elements(By.CSS_SELECTOR, "#img2print-findings .img2print-fix")
             if b.text == "Make it fit").click()
        wait_for(lambda: not any(g.startswith("Too big") for g in groups()))
        assert float(width.get_attribute("value")) < 250
        wait_for(lambda: driver.find_element(By.ID, "img2print-slice").is_enabled())
        assert console_errors(driver) == []
    finally:
        driver.quit()


def test_phone_page_fits_a_phone_previews_and_prints(server, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    photo = save(photo_like(320, 240), tmp_path / "phone.jpg")
    big = save(photo_like(1600, 1200), tmp_path / "big.jpg")
    set_relief_default(server)
    driver = browser(tmp_path, size=PHONE)
    try:
        log_in(driver, server)
        driver.get(f"http://127.0.0.1:{server.port}/plugin/img2print/phone")
        wait_for(lambda: driver.find_element(By.ID, "app").is_displayed())
        Select(driver.find_element(By.ID, "mode")).select_by_value("relief")
        assert driver.find_element(By.ID, "option-width").get_attribute("value") == "33"
        Select(driver.find_element(By.ID, "mode")).select_by_value("lithophane")
        driver.find_element(By.ID, "photo").send_keys(str(big))
        driver.find_element(By.ID, "preview").click()
        shown = preview_shown(driver, "body")
        driver.find_element(By.ID, "bed-clear").click()
        wait_for(lambda: driver.find_element(By.ID, "print").is_enabled())
        driver.find_element(By.ID, "print").click()
        wait_for(lambda: driver.find_element(By.ID, "status").text.endswith(" s"))
        assert "%" in driver.find_element(By.ID, "status").text
        driver.find_element(By.ID, "cancel").click()
        wait_for(lambda: driver.find_element(By.ID, "error").text == "Cancelled.")
        driver.find_element(By.ID, "photo").send_keys(str(photo))
        driver.find_element(By.ID, "preview").click()
        preview_shown(driver, "body", shown)
        viewport = driver.execute_script("return document.documentElement.clientWidth")
        assert driver.execute_script("return document.documentElement.scrollWidth") <= viewport
        for button in ("preview", "print"):
            assert driver.find_element(By.ID, button).size["height"] >= 44
        Select(driver.find_element(By.ID, "mode")).select_by_value("logo")
        driver.find_element(By.ID, "option-width").clear()
        driver.find_element(By.ID, "option-width").send_keys("15")
        driver.find_element(By.ID, "bed-clear").click()
        assert not driver.find_element(By.ID, "print").is_enabled(), "the changed options need a preview first"
        assert driver.find_element(By.ID, "preview-first").is_displayed()
        wait_for(lambda: driver.find_element(By.ID, "preview").is_enabled())
        driver.find_element(By.ID, "preview").click()
        wait_for(lambda: driver.find_element(By.ID, "print").is_enabled())
        driver.find_element(By.ID, "print").click()
        wait_for(lambda: text_of(driver, "print-state") == "Printing.", 240)
        assert driver.find_element(By.ID, "result-file").text == "phone.gcode"
        assert " m " in driver.find_element(By.ID, "result-facts").text
        assert driver.find_element(By.ID, "error").text == ""
        assert console_errors(driver) == []
    finally:
        driver.quit()
        idle(server.session())


def test_octoprints_slice_dialog_shows_rising_progress_from_the_start(server, tmp_path):
    from selenium.webdriver.common.by import By

    admin = server.session()
    idle(admin)
    admin.post("/api/files/local", files={"file": ("dialog.jpg", save(photo_like(1200, 900),
                                                                       tmp_path / "dialog.jpg").read_bytes())})
    driver = browser(tmp_path)
    try:
        log_in(driver, server)
        wait_for(lambda: driver.execute_script("return typeof OctoPrint !== 'undefined' && !!OctoPrint.socket"))
        driver.execute_script("window.seen = []; OctoPrint.socket.onMessage('slicingProgress', function (message) "
                              "{ window.seen.push(message.data.progress); });"
                              "OctoPrint.files.slice('local', 'dialog.jpg', "
                              "{slicer: 'img2print', gcode: 'dialog.gcode'});")
        admin.wait_for_file("dialog.gcode", 300)
        seen = driver.execute_script("return window.seen")
        assert len(seen) >= 2 and seen == sorted(seen), seen
        assert 0 < seen[0] < 50 and seen[-1] >= 90, seen
        assert driver.find_elements(By.ID, "gcode_upload_progress")
    finally:
        driver.quit()


def test_octoprints_slice_dialog_chooses_img2print_for_a_picture(server, tmp_path):
    """OctoPrint's own Slice button on a picture in the file list: the dialog comes up with img2print chosen (the
    only slicer that reads pictures), not 'Select a slicer...'."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    admin = server.session()
    admin.post("/api/files/local", files={"file": ("chosen.jpg", save(photo_like(400, 300),
                                                                       tmp_path / "chosen.jpg").read_bytes())})
    driver = browser(tmp_path)
    try:
        log_in(driver, server)
        wait_for(lambda: driver.execute_script("return !!(OctoPrint.coreui && OctoPrint.coreui.viewmodels"
                                               " && OctoPrint.coreui.viewmodels.slicingViewModel"
                                               " && OctoPrint.coreui.viewmodels.slicingViewModel.slicers().length)"))
        driver.execute_script("OctoPrint.coreui.viewmodels.filesViewModel.sliceFile("
                              "{origin: 'local', path: 'chosen.jpg', display: 'chosen.jpg'});")
        dialog = wait_for(lambda: [d for d in driver.find_elements(By.ID, "slicing_configuration_dialog")
                                   if d.is_displayed()])[0]
        chosen = Select(dialog.find_elements(By.TAG_NAME, "select")[0]).first_selected_option
        assert chosen.text == "img2print", chosen.text
        driver.save_screenshot(str(tmp_path / "slice-dialog.png"))
    finally:
        driver.quit()


def test_octoprints_upload_of_a_picture_img2print_refuses_says_why(server, tmp_path):
    """A cut-off picture and one of more megapixels than the limit through OctoPrint's own Upload button: each
    'Upload failed' notification carries img2print's reason (OctoPrint shows the answer's error under it), not only
    'invalid type' and a list of extensions; neither file stays."""
    from PIL import Image
    from selenium.webdriver.common.by import By

    damaged = tmp_path / "cut-off.jpg"
    damaged.write_bytes(save(photo_like(400, 300), tmp_path / "whole.jpg").read_bytes()[:600])
    huge = tmp_path / "too-large.png"
    Image.new("L", (9000, 8000), 200).save(huge)  # 72 megapixels in a small file, over the 64 allowed
    driver = browser(tmp_path)
    try:
        log_in(driver, server)
        wait_for(lambda: driver.find_elements(By.ID, "gcode_upload"))
        for picture, reason in ((damaged, ""), (huge, "72.0 megapixels, more than the limit of 64")):
            driver.find_element(By.ID, "gcode_upload").send_keys(str(picture))
            notice = wait_for(lambda said=f"{picture.name}: ": [
                n for n in driver.find_elements(By.CSS_SELECTOR, ".ui-pnotify")
                if said in n.get_attribute("innerHTML")], 60)
            assert "Upload failed" in notice[0].get_attribute("innerHTML")
            assert reason in notice[0].get_attribute("innerHTML")
        listed = [f["name"] for f in server.session().get("/api/files/local").json()["files"]]
        assert "cut-off.jpg" not in listed and "too-large.png" not in listed
    finally:
        driver.quit()


def test_phone_page_sends_anonymous_visitors_to_log_in_and_back(server, tmp_path):
    from selenium.webdriver.common.by import By

    driver = browser(tmp_path, size=PHONE)
    try:
        driver.get(f"http://127.0.0.1:{server.port}/plugin/img2print/phone")
        wait_for(lambda: driver.find_elements(By.ID, "login-user"))
        driver.find_element(By.ID, "login-user").send_keys(server.login["user"])
        driver.find_element(By.ID, "login-password").send_keys(server.login["password"])
        driver.find_element(By.ID, "login-button").click()
        wait_for(lambda: "/login" not in driver.current_url and driver.current_url.endswith("/plugin/img2print/phone"))
        wait_for(lambda: driver.find_element(By.ID, "app").is_displayed())
    finally:
        driver.quit()


def test_german_browser_sees_german(server, tmp_path):
    from selenium.webdriver.common.by import By

    driver = browser(tmp_path, language="de")
    try:
        log_in(driver, server)
        open_tab(driver)
        assert driver.find_element(By.ID, "img2print-preview").text == "Vorschau"
        assert driver.find_element(By.ID, "img2print-convert").text == "Umwandeln"
        wait_for(lambda: "Lithophanie" in [o.text for o in
                                           driver.find_elements(By.CSS_SELECTOR, "#img2print-mode option")])
        driver.get(f"http://127.0.0.1:{server.port}/plugin/img2print/phone")
        wait_for(lambda: driver.find_element(By.ID, "app").is_displayed())
        assert driver.find_element(By.ID, "preview").text == "Vorschau"
    finally:
        driver.quit()


def test_file_list_shows_thumbnails_and_asks_once_for_a_broken_one(server, tmp_path):
    """A damaged picture and a G-code without preview get a placeholder, asked for once, with no error in the
    browser's console."""
    import requests
    from selenium.webdriver.common.by import By

    photo = save(photo_like(320, 240), tmp_path / "listed.jpg")
    driver = browser(tmp_path)
    try:
        log_in(driver, server)
        session = requests.Session()
        for cookie in driver.get_cookies():
            session.cookies.set(cookie["name"], cookie["value"])
        csrf = next(c["value"] for c in driver.get_cookies() if c["name"].startswith("csrf_token"))
        damaged = photo.read_bytes()[:600]
        for name, data, status in (("listed.jpg", photo.read_bytes(), 201), ("broken.jpg", damaged, 400),
                                   ("plain.gcode", b"G28\nG1 X10 Y10\n", 201)):
            answer = session.post(f"http://127.0.0.1:{server.port}/api/files/local", files={"file": (name, data)},
                                  headers={"X-CSRF-Token": csrf})
            assert answer.status_code == status, answer.text  # OctoPrint's upload refuses the damaged picture
            assert status == 201 or answer.json()["error"].startswith("broken.jpg: "), answer.text  # saying why
        # one that came in another way (copied onto the SD card, an older OctoPrint) is still listed
        (server.basedir / "uploads" / "broken.jpg").write_bytes(damaged)
        driver.refresh()
        listed = "#files .entry img.img2print-thumbnail[src*='path=listed.jpg']"
        thumbnail = wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, listed))
        wait_for(lambda: driver.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0",
                                               thumbnail[0]))
        assert driver.execute_script("return arguments[0].naturalWidth", thumbnail[0]) == 160
        time.sleep(10)
        asked = driver.execute_script("return performance.getEntriesByType('resource').filter(function (e) "
                                      "{ return e.name.indexOf('path=broken.jpg') >= 0; }).length")
        assert 1 <= asked <= 3
        assert len(driver.find_elements(By.CSS_SELECTOR, "#files .entry .img2print-no-thumbnail")) == 2
        assert console_errors(driver) == []
    finally:
        driver.quit()
        for name in ("broken.jpg", "plain.gcode"):
            server.session().http.delete(f"http://127.0.0.1:{server.port}/api/files/local/{name}")


def test_check_and_repair_from_the_file_list_shows_what_was_wrong_and_done(server, tmp_path):
    import trimesh
    from selenium.webdriver.common.by import By

    box = trimesh.creation.box(extents=(20, 20, 20))
    holed = trimesh.Trimesh(box.vertices, box.faces[2:], process=False)
    admin = server.session()
    answer = admin.post("/api/files/local", files={"file": ("holed-box.stl", holed.export(file_type="stl"))})
    assert answer.status_code == 201, answer.text
    driver = browser(tmp_path)
    try:
        log_in(driver, server)
        button = wait_for(lambda: file_list_buttons(driver, "holed-box.stl", "img2print-files-repair"))
        assert button[0].get_attribute("title") == "Check and repair"
        driver.execute_script("arguments[0].click()", button[0])
        wait_for(lambda: text_of(driver, "img2print-result-file") == "holed-box-repaired.stl")
        assert text_of(driver, "img2print-result-verdict").startswith("OK")
        assert "only one triangle" in text_of(driver, "img2print-result-found")
        assert "Closed 1 hole" in text_of(driver, "img2print-findings")
        assert driver.find_element(By.ID, "img2print").is_displayed()
        driver.save_screenshot(str(tmp_path / "repaired.png"))
        assert console_errors(driver) == []
    finally:
        driver.quit()
    assert "holed-box-repaired.stl" in admin.files()


def test_a_part_running_through_itself_is_repaired_from_the_file_list_in_german(server, tmp_path):
    """A star prism whose walls cross each other: in German, the repair says what it did (the part united with
    itself) and writes a closed solid of the star's shape (its volume by trimesh, against CGAL's exact union)."""
    import trimesh
    from tangled import star_prism

    star = star_prism()
    admin = server.session()
    answer = admin.post("/api/files/local", files={"file": ("star.stl", star.export(file_type="stl"))})
    assert answer.status_code == 201, answer.text
    driver = browser(tmp_path, language="de")
    try:
        log_in(driver, server)
        button = wait_for(lambda: file_list_buttons(driver, "star.stl", "img2print-files-repair"))
        driver.execute_script("arguments[0].click()", button[0])
        wait_for(lambda: text_of(driver, "img2print-result-file") == "star-repaired.stl")
        assert text_of(driver, "img2print-result-verdict").startswith("OK: ein geschlossener Körper")
        assert "mit sich selbst vereinigt, nichts weggeschnitten" in text_of(driver, "img2print-findings")
        driver.execute_script("document.getElementById('img2print-findings').scrollIntoView()")
        driver.save_screenshot(str(tmp_path / "star-repaired.png"))
        assert console_errors(driver) == []
    finally:
        driver.quit()
    repaired = admin.get("/downloads/files/local/star-repaired.stl")
    mesh = trimesh.load(io.BytesIO(repaired.content), file_type="stl")
    assert mesh.is_watertight and mesh.volume == pytest.approx(561.28, rel=1e-3)  # libigl's exact union: 561.285


def test_tab_makes_a_full_3d_model_with_tripo_after_showing_the_cost(server, tmp_path):
    """Tripo's cloud cannot be reached from here: OctoPrint talks to the STAND-IN from tripo_standin.py."""
    from selenium.webdriver.common.by import By
    from tripo_standin import TripoStandIn

    photo = save(photo_like(320, 240), tmp_path / "figure.jpg")
    with TripoStandIn() as standin:
        saved = server.session().post("/api/settings", json={"plugins": {"img2print": {"tripo": {
            "api_key": "tsk_browser_secret", "base_url": standin.url}}}})
        assert saved.status_code == 200
        driver = browser(tmp_path, language="de")
        try:
            log_in(driver, server)
            open_tab(driver)
            assert "tsk_browser_secret" not in driver.page_source
            driver.find_element(By.ID, "img2print-file").send_keys(str(photo))
            preview_shown(driver, "#img2print")  # the photo's own preview, started as it was picked, has ended
            wait_for(lambda: driver.find_element(By.ID, "img2print-tripo-ask").is_displayed())
            assert "Drittanbieter" in text_of(driver, "img2print-tripo")
            driver.find_element(By.ID, "img2print-tripo-height").clear()
            driver.find_element(By.ID, "img2print-tripo-height").send_keys("45")
            driver.find_element(By.ID, "img2print-tripo-ask").click()
            wait_for(lambda: "600" in text_of(driver, "img2print-tripo-quote"))
            assert "20" in text_of(driver, "img2print-tripo-quote") and not standin.created_tasks
            driver.find_element(By.ID, "img2print-tripo-go").click()
            wait_for(lambda: text_of(driver, "img2print-result-file") == "figure-3d.stl", timeout=180)
            assert "45 mm" in text_of(driver, "img2print-result")
            driver.save_screenshot(str(tmp_path / "tripo_de.png"))
            assert console_errors(driver) == []
        finally:
            driver.quit()
    assert len(standin.created_tasks) == 1


def test_make_a_print_from_the_file_list_opens_the_tab_with_that_picture_and_uploads_nothing(server, tmp_path):
    from selenium.webdriver.common.by import By

    admin = server.session()
    photo = save(photo_like(320, 240), tmp_path / "p.jpg")
    answer = admin.post("/api/files/local", files={"file": ("listed-photo.jpg", photo.read_bytes())})
    assert answer.status_code == 201, answer.text
    listed = sorted(admin.files())
    driver = browser(tmp_path)
    try:
        log_in(driver, server)
        button = wait_for(lambda: file_list_buttons(driver, "listed-photo.jpg", "img2print-files-make"))
        assert button[0].get_attribute("title") == "Make a print"
        driver.execute_script("arguments[0].click()", button[0])
        wait_for(lambda: driver.find_element(By.ID, "img2print").is_displayed())
        assert text_of(driver, "img2print-listed").endswith("listed-photo.jpg")
        preview_shown(driver, "#img2print")
        assert driver.find_element(By.ID, "img2print-picture").get_attribute("src").endswith("listed-photo.jpg")
        driver.save_screenshot(str(tmp_path / "made.png"))
        assert console_errors(driver) == []
    finally:
        driver.quit()
    assert sorted(admin.files()) == listed  # nothing was uploaded again


def test_the_tab_stays_in_the_tab_bar_at_1366_pixels(server, tmp_path):
    driver = browser(tmp_path, size=(1366, 900))
    try:
        log_in(driver, server)
        wait_for(lambda: driver.execute_script(
            "var loading = document.getElementById('page-container-loading');"
            "return !loading || loading.offsetParent === null"))
        wait_for(lambda: driver.execute_script(  # OctoPrint lays the tab bar out once the page has settled
            "var link = document.querySelector('#tab_plugin_img2print_link');"
            "return link.offsetParent !== null && !link.closest('.tabdrop') && link.getBoundingClientRect().top < 150"),
            timeout=20)
        order = driver.execute_script("return Array.from(document.querySelectorAll('#tabs > li[id]'))"
                                      ".map(function (item) { return item.id; })")
        assert order.index("tab_plugin_img2print_link") == order.index("control_link") + 1
    finally:
        driver.quit()


def test_the_tab_leads_to_the_phone_page_with_a_link_and_its_qr_code(server, tmp_path):
    import segno
    from selenium.webdriver.common.by import By

    driver = browser(tmp_path)
    try:
        log_in(driver, server)
        open_tab(driver)
        link = driver.find_element(By.ID, "img2print-phone-link")
        address = f"http://127.0.0.1:{server.port}/plugin/img2print/phone"
        assert link.get_attribute("href") == address and link.text == address
        code = driver.find_element(By.ID, "img2print-phone-code")
        wait_for(lambda: driver.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", code))
        served = server.session().get("/plugin/img2print/phone-code.svg", params={"url": address}).content
        expected = io.BytesIO()
        segno.make(address, error="m").save(expected, kind="svg", scale=4, border=2, dark="#000000", light="#ffffff")
        assert served == expected.getvalue()  # the code holds exactly the phone page's address
        assert console_errors(driver) == []
    finally:
        driver.quit()
    assert server.session().get("/plugin/img2print/phone-code.svg", params={"url": "file:///etc"}).status_code == 400


def test_settings_page_shows_the_slicers_without_console_errors(server, tmp_path):
    from selenium.webdriver.common.by import By

    driver = browser(tmp_path)
    try:
        log_in(driver, server)
        open_tab(driver)
        driver.execute_script("OctoPrint.coreui.viewmodels.settingsViewModel.show('settings_plugin_img2print')")
        def slicers() -> list[str]:
            return [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".img2print-slicers li")]

        wait_for(lambda: any(text.startswith("PrusaSlicer: 2.") for text in slicers()))
        assert any(text.startswith("CuraEngine: ") for text in slicers()), slicers()
        assert len(driver.find_elements(By.CSS_SELECTOR, ".img2print-defaults tbody tr")) == len(modes())
        assert console_errors(driver) == []
        # OctoPrint's printer: the generic G-code it prints with, the shipped printer that matches it
        start = driver.find_element(By.ID, "img2print-start-gcode")
        assert "G28" in start.get_attribute("value") and "M109" in start.get_attribute("value")
        assert "M104 S0" in driver.find_element(By.ID, "img2print-end-gcode").get_attribute("value")
        assert '"Generic 200 mm printer"' in text_of(driver, "img2print-settings-suggestion")
        driver.execute_script("arguments[0].scrollIntoView()", start)
        start.clear()
        start.send_keys("M109 S215")
        driver.find_element(By.ID, "img2print-save-gcode").click()
        wait_for(lambda: "homed" in text_of(driver, "img2print-gcode-error"), 30)
        assert "'Default'" in text_of(driver, "img2print-gcode-error")
        listing = server.session().get("/api/plugin/img2print").json()["octoprint_printer"]
        assert listing["own_gcode"] is False and "G28" in listing["start_gcode"]
        driver.find_element(By.ID, "img2print-use-suggested").click()
        assert driver.execute_script("return OctoPrint.coreui.viewmodels.settingsViewModel.settings.plugins"
                                     ".img2print.default_printer()") == "generic"
    finally:
        driver.quit()


def test_the_tab_says_what_octoprints_printer_prints_with(server, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    driver = browser(tmp_path)
    try:
        log_in(driver, server)
        open_tab(driver)
        wait_for(lambda: len(driver.find_elements(By.CSS_SELECTOR, "#img2print-printer option")) > 1)
        menu = Select(driver.find_element(By.ID, "img2print-printer"))
        menu.select_by_index(0)
        wait_for(lambda: driver.find_element(By.ID, "img2print-printer-note").is_displayed(), 30)
        note = text_of(driver, "img2print-printer-note")
        assert note.startswith('OctoPrint\'s "Default", with img2print\'s generic start and end G-code'), note
        assert 'img2print\'s "Generic 200 mm printer" matches it.' in note
        menu.select_by_visible_text("Prusa MK4")
        wait_for(lambda: not driver.find_element(By.ID, "img2print-printer-note").is_displayed(), 30)
        assert console_errors(driver) == []
    finally:
        driver.quit()


def frame_volumes(photo: Path, folder: Path) -> dict[int, float]:
    """The volumes of the 100 mm lithophanes `img2print convert` makes of ``photo`` without a frame and with an
    8 mm one: what a page's frame width must give."""
    import json
    import subprocess

    volumes = {}
    for frame in (0, 8):
        answer = subprocess.run([str(ROOT / ".venv" / "bin" / "img2print"), "convert", str(photo), "-o",
                                 str(folder / f"cli{frame}.stl"), "--mode", "lithophane", "--width", "100",
                                 "--frame-width", str(frame), "--json"],
                                capture_output=True, text=True, timeout=300, check=True)
        volumes[frame] = json.loads(answer.stdout)["volume_mm3"]
    return volumes


def test_the_tab_has_a_field_for_every_option_and_one_changes_the_solid_as_the_cli_does(server, tmp_path):
    """Every option of every mode and every slicing option has its field; a frame width gives the solid the
    command line gives, and walls set among the slicing options are the G-code's."""
    import trimesh
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    listing = server.session().get("/api/plugin/img2print").json()
    photo = save(photo_like(320, 240), tmp_path / "framed.jpg")
    driver = browser(tmp_path)
    try:
        log_in(driver, server)
        open_tab(driver)
        mode = Select(wait_for(lambda: driver.find_element(By.ID, "img2print-mode")))
        wait_for(lambda: len(mode.options) == len(listing["modes"]))
        driver.find_element(By.ID, "img2print-more").click()
        for described in listing["modes"]:
            mode.select_by_value(described["id"])
            missing = [option["name"] for option in described["options"]
                       if not driver.find_elements(By.ID, "img2print-option-" + option["name"])]
            assert missing == [], (described["id"], missing)
        driver.find_element(By.ID, "img2print-slicing-more").click()
        missing = [option["name"] for option in listing["overrides"]
                   if not driver.find_element(By.ID, "img2print-slicing-" + option["name"]).is_displayed()]
        assert missing == [], missing
        mode.select_by_value("lithophane")
        driver.find_element(By.ID, "img2print-file").send_keys(str(photo))
        for name, value in (("width", "100"), ("frame_width", "8")):
            field = driver.find_element(By.ID, "img2print-option-" + name)
            field.clear()
            field.send_keys(value)
        wait_for(lambda: driver.find_element(By.ID, "img2print-convert").is_enabled())
        driver.find_element(By.ID, "img2print-convert").click()
        wait_for(lambda: text_of(driver, "img2print-result-file") == "framed.stl", 240)
        walls = driver.find_element(By.ID, "img2print-slicing-walls")  # the lithophane intent's are 10
        walls.send_keys("5")
        wait_for(lambda: driver.find_element(By.ID, "img2print-slice").is_enabled())
        driver.find_element(By.ID, "img2print-slice").click()
        wait_for(lambda: text_of(driver, "img2print-result-file") == "framed.gcode", 240)
        assert console_errors(driver) == []
    finally:
        driver.quit()
    gcode = server.session().get("/downloads/files/local/framed.gcode").text
    assert "; perimeters = 5" in gcode, "the walls set in the tab's slicing options"
    brim = re.search(r"^; brim_width = (\S+)", gcode, re.M)
    assert brim and float(brim.group(1)) > 0, "the options left at Default keep the lithophane intent's brim"
    made = server.session().get("/downloads/files/local/framed.stl")
    tab = trimesh.load(io.BytesIO(made.content), file_type="stl").volume
    volumes = frame_volumes(photo, tmp_path)
    assert volumes[8] > volumes[0] * 1.08 and abs(tab - volumes[8]) < 0.01 * volumes[8], (tab, volumes)


def test_words_typed_in_the_tab_go_under_a_drawing_on_two_lines_as_on_the_command_line(server, tmp_path):
    """An SVG with text inside a ring, and two lines typed into the Text box: the tab's solid is the command
    line's (same size), and the letters of the drawing are there (more than the ring alone)."""
    import trimesh
    from conftest import cli_json
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    badge = tmp_path / "badge.svg"
    badge.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="60mm" height="60mm" viewBox="0 0 60 60">'
                     '<circle cx="30" cy="30" r="27" fill="none" stroke="black" stroke-width="4"/>'
                     '<text x="30" y="37" font-size="20" text-anchor="middle" font-weight="bold">Hi</text></svg>')
    driver = browser(tmp_path)
    try:
        log_in(driver, server)
        open_tab(driver)
        driver.find_element(By.ID, "img2print-file").send_keys(str(badge))
        Select(driver.find_element(By.ID, "img2print-mode")).select_by_value("logo")
        words = wait_for(lambda: driver.find_element(By.ID, "img2print-option-text"))
        assert words.tag_name == "textarea"
        words.send_keys("Since\n1999")
        wait_for(lambda: driver.find_element(By.ID, "img2print-convert").is_enabled())
        driver.find_element(By.ID, "img2print-convert").click()
        wait_for(lambda: text_of(driver, "img2print-result-file") == "badge.stl", 240)
        assert console_errors(driver) == []
    finally:
        driver.quit()
    made = trimesh.load(io.BytesIO(server.session().get("/downloads/files/local/badge.stl").content),
                        file_type="stl")
    status, answer = cli_json("convert", str(badge), "-o", str(tmp_path / "cli.stl"), "--mode", "logo",
                              "--text", "Since\n1999", "--json")
    assert status == 0 and made.is_watertight
    assert list(made.extents) == pytest.approx(answer["size_mm"], abs=0.01)
    assert answer["size_mm"][1] > 60 + 2 * 10  # the ring and plate, then two lines of 10 mm words


def test_a_name_tag_of_words_alone_from_the_tab_and_the_phone(server, tmp_path):
    """No picture: words typed into the Text box of the logo mode make a name tag named after them, from the tab
    (as the command line makes it) and from the phone page."""
    import trimesh
    from conftest import cli_json
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    driver = browser(tmp_path)
    try:
        log_in(driver, server)
        open_tab(driver)
        Select(wait_for(lambda: driver.find_element(By.ID, "img2print-mode"))).select_by_value("logo")
        assert not driver.find_element(By.ID, "img2print-convert").is_enabled()
        wait_for(lambda: driver.find_element(By.ID, "img2print-option-text")).send_keys("Anna")
        wait_for(lambda: driver.find_element(By.ID, "img2print-convert").is_enabled())
        driver.find_element(By.ID, "img2print-convert").click()
        wait_for(lambda: text_of(driver, "img2print-result-file") == "Anna.stl", 240)
        driver.find_element(By.ID, "img2print-preview").click()
        wait_for(lambda: driver.find_element(By.ID, "img2print-preview").is_enabled(), 240)
        driver.find_element(By.ID, "img2print-bed-clear").click()
        wait_for(lambda: driver.find_element(By.ID, "img2print-print").is_enabled())  # previewed: may print
        driver.find_element(By.ID, "img2print-option-text").send_keys("!")  # changed: a new preview follows
        wait_for(lambda: not driver.find_element(By.ID, "img2print-print").is_enabled())
        wait_for(lambda: driver.find_element(By.ID, "img2print-print").is_enabled(), 240)
        assert console_errors(driver) == []
        driver.set_window_size(*PHONE)
        driver.get(f"http://127.0.0.1:{server.port}/plugin/img2print/phone")
        wait_for(lambda: driver.find_element(By.ID, "app").is_displayed())
        Select(driver.find_element(By.ID, "mode")).select_by_value("logo")
        assert driver.find_element(By.ID, "preview").get_attribute("disabled")
        driver.find_element(By.ID, "option-text").send_keys("Ben")
        wait_for(lambda: driver.find_element(By.ID, "preview").is_enabled())
        driver.find_element(By.ID, "preview").click()
        preview_shown(driver, "body")
        assert driver.find_element(By.ID, "error").text == ""
        assert console_errors(driver) == []
    finally:
        driver.quit()
        idle(server.session())
    made = trimesh.load(io.BytesIO(server.session().get("/downloads/files/local/Anna.stl").content), file_type="stl")
    status, answer = cli_json("convert", "-o", str(tmp_path / "cli.stl"), "--text", "Anna", "--json")
    assert status == 0 and made.is_watertight
    assert list(made.extents) == pytest.approx(answer["size_mm"], abs=0.01)


def test_the_phone_prints_a_td_card_and_calibrates_the_filament_from_a_photo_of_it(server, tmp_path):
    """In German: the card needs no photo (Preview works at once and lists its swaps), and a photo of a printed
    card taken with the phone's camera fits the filament and says how well."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select
    from test_painting import backlit_photo, card_photo

    photo = card_photo(tmp_path / "card.jpg", (200, 40, 50), 0.68)
    light = backlit_photo(tmp_path / "light.jpg", 3.0)
    driver = browser(tmp_path, language="de", size=PHONE)
    try:
        log_in(driver, server)
        driver.get(f"http://127.0.0.1:{server.port}/plugin/img2print/phone")
        wait_for(lambda: driver.find_element(By.ID, "app").is_displayed())
        Select(driver.find_element(By.ID, "mode")).select_by_value("td-card")
        wait_for(lambda: driver.find_element(By.ID, "preview").is_enabled())
        driver.find_element(By.ID, "preview").click()
        wait_for(lambda: "PLA Weiß" in driver.find_element(By.ID, "findings").text)
        driver.find_element(By.CSS_SELECTOR, "#calibrate summary").click()
        Select(driver.find_element(By.ID, "calibrate-filament")).select_by_value("pla_red")
        driver.find_element(By.ID, "calibrate-backlit").send_keys(str(light))
        assert "Gegen das Licht: light.jpg" in driver.find_element(By.ID, "calibrated").text
        driver.find_element(By.ID, "calibrate-photo").send_keys(str(photo))
        said = wait_for(lambda: driver.find_element(By.ID, "calibrated").text if "CIEDE2000" in
                        driver.find_element(By.ID, "calibrated").text else "")
        assert "PLA Rot" in said and re.search(r"\b0,[67]\d\b", said), said  # 0.68 mm, in German
        assert re.search(r"TD von [23](,\d+)? mm, gegen das Licht gemessen", said), said
        driver.save_screenshot(str(tmp_path / "phone-de-calibrated.png"))
        assert console_errors(driver) == []
    finally:
        driver.quit()


def test_the_tab_shows_the_estimate_after_a_preview_and_the_slicers_figures_after_a_slice(server, tmp_path):
    """Sliced without a preview, the slice's own checks count: no "Preview first" under the result. A preview then
    says its estimate (labelled so); the next slice's figures replace it."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    picture = save(halves(), tmp_path / "estimated.png")
    driver = browser(tmp_path)
    try:
        log_in(driver, server)
        open_tab(driver)
        wait_for(lambda: len(driver.find_elements(By.CSS_SELECTOR, "#img2print-mode option")) >= 6)
        driver.find_element(By.ID, "img2print-file").send_keys(str(picture))
        Select(driver.find_element(By.ID, "img2print-mode")).select_by_value("logo")
        width = driver.find_element(By.ID, "img2print-option-width")
        width.clear()
        width.send_keys("15")
        assert driver.find_element(By.ID, "img2print-preview-first").is_displayed()
        wait_for(lambda: driver.find_element(By.ID, "img2print-slice").is_enabled())
        driver.find_element(By.ID, "img2print-slice").click()
        wait_for(lambda: text_of(driver, "img2print-result-file") == "estimated.gcode", 240)
        assert not driver.find_element(By.ID, "img2print-preview-first").is_displayed(), "the slice's checks count"
        assert not driver.find_element(By.ID, "img2print-estimate").is_displayed()
        driver.find_element(By.ID, "img2print-preview").click()
        said = wait_for(lambda: text_of(driver, "img2print-estimate"), 240)
        assert re.fullmatch(r"About (\d+ h )?\d+ min, [\d.]+ m of filament \(\d+ g\) — estimate", said), said
        wait_for(lambda: driver.find_element(By.ID, "img2print-slice").is_enabled())
        driver.find_element(By.ID, "img2print-slice").click()
        wait_for(lambda: text_of(driver, "img2print-result-file") or text_of(driver, "img2print-error"), 240)
        assert text_of(driver, "img2print-result-file") == "estimated-2.gcode", text_of(driver, "img2print-error")
        assert not driver.find_element(By.ID, "img2print-estimate").is_displayed()
        assert "m of filament" in driver.find_element(By.ID, "img2print-result").text, "the slicer's figures"
        assert not driver.find_element(By.ID, "img2print-preview-first").is_displayed()
        assert console_errors(driver) == []
    finally:
        driver.quit()


def test_the_option_fields_of_the_tab_and_the_phone_show_the_values_the_slice_will_use(server, tmp_path):
    """A number field shows the value the job takes: filled with its default, and that default greyed in it once
    emptied (in the reader's numbers); the slicing's filament menu shows the filament loaded; after a preview the
    slicing fields left empty show what the intent's plan slices with (test_planned: the slicer uses those)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    from octoprint_img2print.slicing.intents import get_intent

    intent = get_intent("lithophane")
    planned = {"img2print-slicing-infill": f"{intent.infill_density:g}", "img2print-slicing-walls": str(intent.walls)}
    photo = save(photo_like(200, 150), tmp_path / "planned.png")
    listing = server.session().get("/api/plugin/img2print").json()
    loaded = next(o["default"] for o in listing["overrides"] if o["name"] == "filament")
    nozzle = next(o["default"] for m in listing["modes"] if m["id"] == "lithophane" for o in m["options"]
                  if o["name"] == "nozzle")
    driver = browser(tmp_path, language="de")
    try:
        log_in(driver, server)
        open_tab(driver)
        wait_for(lambda: len(driver.find_elements(By.CSS_SELECTOR, "#img2print-mode option")) > 3)
        Select(driver.find_element(By.ID, "img2print-mode")).select_by_value("lithophane")
        written = f"{nozzle:g}".replace(".", ",")
        field = driver.find_element(By.ID, "img2print-option-nozzle")
        assert (field.get_attribute("value"), field.get_attribute("placeholder")) == (written, written)
        filament = Select(driver.find_element(By.ID, "img2print-slicing-filament"))
        assert filament.first_selected_option.get_attribute("value") == loaded
        adhesion = Select(driver.find_element(By.ID, "img2print-slicing-adhesion"))
        assert adhesion.options[0].get_attribute("textContent") == "Standard"
        driver.find_element(By.ID, "img2print-file").send_keys(str(photo))
        driver.find_element(By.ID, "img2print-preview").click()
        preview_shown(driver, "#img2print")
        assert {name: driver.find_element(By.ID, name).get_attribute("placeholder") for name in planned} == planned
        assert adhesion.options[0].get_attribute("textContent") == "Standard: Brim"  # the lithophane intent's
        driver.get(f"http://127.0.0.1:{server.port}/plugin/img2print/phone")
        wait_for(lambda: driver.find_element(By.ID, "app").is_displayed())
        Select(driver.find_element(By.ID, "mode")).select_by_value("lithophane")
        field = driver.find_element(By.ID, "option-nozzle")
        assert (field.get_attribute("value"), field.get_attribute("placeholder")) == (written, written)
        filament = Select(driver.find_element(By.ID, "slicing-filament"))
        assert filament.first_selected_option.get_attribute("value") == loaded
        driver.find_element(By.ID, "photo").send_keys(str(photo))
        driver.find_element(By.ID, "preview").click()
        preview_shown(driver, "body")
        phone = {name: driver.find_element(By.ID, name.removeprefix("img2print-")).get_attribute("placeholder")
                 for name in planned}
        assert phone == planned
        adhesion = Select(driver.find_element(By.ID, "slicing-adhesion"))
        assert adhesion.options[0].get_attribute("textContent") == "Standard: Brim"
        assert console_errors(driver) == []
    finally:
        driver.quit()

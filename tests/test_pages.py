"""The pages in the reader's language and on a phone, in headless Chromium against one real OctoPrint whose
img2print wizard is not done yet: the first-run wizard step, every option on the phone page, numbers with a decimal
comma in German, and no English left on German pages."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
import trimesh
from conftest import ROOT, require
from octoprint_server import OCTOPRINT, Server
from pictures import photo_like, save
from test_browser import PHONE, browser, console_errors, frame_volumes, log_in, open_tab, preview_shown, wait_for

from octoprint_img2print import i18n

PO = ROOT / "translations" / "{language}" / "LC_MESSAGES" / "messages.po"
IMG2PRINT = ROOT / ".venv" / "bin" / "img2print"
TOUCH_PX = 44
pytestmark = pytest.mark.octoprint


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    require(OCTOPRINT.exists(), "OctoPrint in .venv")
    with Server(OCTOPRINT, tmp_path_factory.mktemp("pages") / "base", wizard_seen=False) as running:
        running.wait_for_log("img2print 0.1.0 ready")
        yield running


# --- numbers in the reader's language (no server) ------------------------------------------------------------

@pytest.mark.parametrize(("language", "written"), [("de", "2,5 mm; 1.234,5; 3"), ("fr", "2,5 mm; 1\u202f234,5; 3"),
                                                   ("es", "2,5 mm; 1.234,5; 3"), ("en", "2.5 mm; 1,234.5; 3")])
def test_a_message_writes_its_numbers_in_its_language(language, written):
    message = i18n.Message("{thin:g} mm; {big:,.1f}; {count}", language)
    assert message.format(thin=2.5, big=1234.5, count=3) == written


@pytest.mark.parametrize(("language", "written"), [("de", "(1,5; 0,5; 2,5)"), ("en", "(1.5, 0.5, 2.5)")])
def test_points_in_a_finding_keep_their_numbers_apart_in_the_readers_language(language, written):
    """With a decimal comma, a semicolon separates the coordinates (a comma would make "1,5, 0,5" unreadable)."""
    from octoprint_img2print.geometry.checks import summarize
    from octoprint_img2print.geometry.mesh import Mesh, concatenate

    box, inner = trimesh.creation.box((10, 10, 10)), trimesh.creation.box((2, 2, 2))
    with i18n.speaking(language):
        summary = summarize(concatenate([Mesh(box.vertices, box.faces),
                                         Mesh(inner.vertices + np.array([1.5, 0.5, 2.5]), inner.faces)]),
                            thorough=True)
    [message] = [f["message"] for f in summary.report.as_list() if f["code"] == "overlapping_shells"]
    assert written in message, message


def test_a_translated_finding_has_a_decimal_comma_and_an_untranslated_one_stays_english():
    german = i18n.translations(("de", "en"))
    thin = "The thinnest part ({thin:.2f} mm) is thinner than the {line:.2f} mm line the nozzle prints."
    said = i18n.in_language(german, thin).format(thin=0.25, line=0.45)
    assert "0,25 mm" in said and "0,45 mm" in said and said != thin.format(thin=0.25, line=0.45)
    assert i18n.in_language(german, "Not in any catalogue: {x:.1f}").format(x=2.5) == "Not in any catalogue: 2.5"


def test_the_command_line_writes_a_german_error_with_decimal_commas(tmp_path):
    picture = save(photo_like(320, 240), tmp_path / "photo.jpg")
    run = subprocess.run([str(IMG2PRINT), "convert", str(picture), "-o", str(tmp_path / "out.stl"), "--mode",
                          "lithophane", "--width", "100", "--min-thickness", "3.5", "--max-thickness", "2.5"],
                         capture_output=True, text=True, env={"LANGUAGE": "de", "PATH": "/usr/bin:/bin"}, timeout=120)
    assert run.returncode != 0
    assert "3,5 mm" in run.stderr and "2,5 mm" in run.stderr, run.stderr
    assert not (tmp_path / "out.stl").exists()


def test_the_command_line_check_writes_sizes_and_volume_with_decimal_commas_in_german(tmp_path):
    picture = save(photo_like(80, 60), tmp_path / "photo.jpg")
    subprocess.run([str(IMG2PRINT), "convert", str(picture), "-o", str(tmp_path / "out.stl"), "--width", "50"],
                   check=True, capture_output=True, timeout=120)
    german = subprocess.run([str(IMG2PRINT), "check", str(tmp_path / "out.stl")], capture_output=True, text=True,
                            env={"LANGUAGE": "de", "PATH": "/usr/bin:/bin"}, timeout=120).stdout
    english = subprocess.run([str(IMG2PRINT), "check", str(tmp_path / "out.stl")], capture_output=True, text=True,
                             env={"LANGUAGE": "en", "PATH": "/usr/bin:/bin"}, timeout=120).stdout
    assert "50.00 x 37.50 x " in english and "50,00 x 37,50 x " in german, (english, german)
    volume = re.search(r"Volume: ([\d.]+) mm³", english).group(1)
    assert volume.replace(".", ",") + " mm³" in german, german


# --- helpers ---------------------------------------------------------------------------------------------------

PLACEHOLDER = r"\{\w*(?::[^}]*)?\}"


def english_with_german() -> list[tuple[re.Pattern[str], int]]:
    """The English messages of img2print's catalogue that German translates differently, as patterns of the text a
    page shows ({placeholders} stand for anything), each with the length of its own words."""
    from babel.messages.pofile import read_po

    with open(str(PO).format(language="de"), "rb") as source:
        catalogue = read_po(source)
    patterns = []
    for message in catalogue:
        if not message.id or not isinstance(message.id, str) or not message.string or message.string == message.id:
            continue
        words = len(re.sub(PLACEHOLDER, "", message.id).strip())
        if words < 2:
            continue
        pattern = "".join(".+?" if re.fullmatch(PLACEHOLDER, part) else re.escape(part)
                          for part in re.split(f"({PLACEHOLDER})", message.id.strip()))
        patterns.append((re.compile(f"^{pattern}$"), words))
    return patterns


def is_english(text: str, patterns: list[tuple[re.Pattern[str], int]]) -> bool:
    """True when ``text`` is one of the messages, its own words making at least half of it (so that "{a} for {b}"
    does not claim every sentence with "for" in it)."""
    return any(words * 2 >= len(text) and pattern.match(text) for pattern, words in patterns)


VISIBLE_TEXTS = """
var root = arguments[0] ? document.querySelector(arguments[0]) : document.body, found = [];
if (!root) return found;
var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
while (walker.nextNode()) {
    var node = walker.currentNode, parent = node.parentElement, text = node.textContent.trim();
    if (!text || !parent || ["SCRIPT", "STYLE"].indexOf(parent.tagName) >= 0) continue;
    var shown = parent.tagName === "OPTION" ? parent.parentElement.offsetParent !== null : parent.offsetParent !== null;
    if (shown) found.push(text);
}
root.querySelectorAll("[placeholder], [title], img[alt]").forEach(function (element) {
    if (element.offsetParent === null) return;
    ["placeholder", "title", "alt"].forEach(function (name) {
        var value = (element.getAttribute(name) || "").trim();
        if (value) found.push(value);
    });
});
return found;
"""


def english_on_page(driver, patterns: list[tuple[re.Pattern[str], int]], selector: str = "") -> list[str]:
    """The visible texts (inside ``selector``) that are one of img2print's English messages."""
    return sorted({text for text in driver.execute_script(VISIBLE_TEXTS, selector) if is_english(text, patterns)})


def phone_browser(tmp_path: Path, language: str = "en"):
    """Chromium showing pages exactly 390 x 844 CSS pixels wide and high, as a phone does (a headless window
    is never narrower than about 500 pixels)."""
    driver = browser(tmp_path, language=language, size=PHONE)
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": PHONE[0], "height": PHONE[1],
                                                                  "deviceScaleFactor": 1, "mobile": True})
    return driver


def close_wizard(driver, server: Server) -> None:
    """Close OctoPrint's setup wizard without finishing it while img2print's step is still unseen (it opens for an
    admin then, and stays unseen for later tests)."""
    from selenium.webdriver.common.by import By

    if server.session().get("/api/setup/wizard").json()["img2print"]["ignored"]:
        return
    wait_for(lambda: driver.find_element(By.ID, "wizard_dialog").is_displayed())
    driver.execute_script("$('#wizard_dialog').modal('hide')")
    wait_for(lambda: not driver.find_element(By.ID, "wizard_dialog").is_displayed())


def click(driver, element_id: str) -> None:
    """Click an element by script (OctoPrint's first-run wizard may lie over the page)."""
    driver.execute_script("document.getElementById(arguments[0]).click()", element_id)


def type_into(driver, element_id: str, text: str) -> None:
    """Replace a field's text as a person types it (input events included)."""
    from selenium.webdriver.common.by import By

    field = driver.find_element(By.ID, element_id)
    driver.execute_script("arguments[0].value = ''", field)
    field.send_keys(text)


def recent_jobs(server: Server) -> list[dict]:
    return server.session().get("/api/plugin/img2print").json()["jobs"]


def finished_preview(server: Server, after: set[str]) -> dict:
    """The first preview job started after the jobs in ``after``, once it has finished."""
    def done() -> dict | None:
        for job in recent_jobs(server):
            if job["id"] not in after and job["action"] == "preview" and job["status"] not in ("queued", "running"):
                return job
        return None
    return wait_for(done, 240)


# --- the pages in German --------------------------------------------------------------------------------------

def test_german_pages_show_no_english(server, tmp_path):
    """Wizard, tab, settings, phone page and an upload error in German: no visible text is an English message that
    the German catalogue translates (screenshots of each page are kept in the test's folder)."""
    from selenium.webdriver.common.by import By

    patterns = english_with_german()
    assert len(patterns) > 300
    notes = save(photo_like(40, 30), tmp_path / "photo.jpg")
    unsupported = tmp_path / "notes.txt"
    unsupported.write_text("not a picture")
    found: dict[str, list[str]] = {}
    driver = browser(tmp_path, language="de")
    try:
        log_in(driver, server)
        wait_for(lambda: driver.execute_script("var d = document.getElementById('wizard_dialog');"
                                               "return d && d.offsetParent !== null && "
                                               "document.querySelectorAll('#img2print-wizard-slicers li').length > 0"))
        driver.save_screenshot(str(tmp_path / "wizard.png"))
        found["wizard"] = english_on_page(driver, patterns, "#wizard_plugin_img2print")
        close_wizard(driver, server)
        open_tab(driver)
        wait_for(lambda: len(driver.find_elements(By.CSS_SELECTOR, "#img2print-mode option")) >= 6)
        driver.find_element(By.ID, "img2print-file").send_keys(str(notes))
        click(driver, "img2print-more")
        type_into(driver, "img2print-option-width", "abc")
        wait_for(lambda: driver.find_element(By.ID, "img2print-option-width-problem").is_displayed())
        driver.save_screenshot(str(tmp_path / "tab.png"))
        found["tab"] = english_on_page(driver, patterns, "#img2print")
        driver.find_element(By.ID, "img2print-file").send_keys(str(unsupported))
        type_into(driver, "img2print-option-width", "60")
        click(driver, "img2print-preview")
        wait_for(lambda: driver.find_element(By.ID, "img2print-error").text)
        found["upload error"] = english_on_page(driver, patterns, "#img2print-error")
        driver.execute_script("OctoPrint.coreui.viewmodels.settingsViewModel.show('settings_plugin_img2print')")
        wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, "#settings_plugin_img2print .img2print-slicers li"))
        driver.save_screenshot(str(tmp_path / "settings.png"))
        found["settings"] = english_on_page(driver, patterns, "#settings_plugin_img2print")
        type_into(driver, "img2print-max-megapixels", "40,5")
        driver.execute_script("document.getElementById('img2print-max-megapixels').blur();"
                              "OctoPrint.coreui.viewmodels.settingsViewModel.saveData()")
        wait_for(lambda: server.session().get("/api/settings").json()["plugins"]["img2print"]["max_megapixels"]
                 == 40.5)
        driver.get(f"http://127.0.0.1:{server.port}/plugin/img2print/phone")
        wait_for(lambda: driver.find_element(By.ID, "app").is_displayed())
        driver.execute_script("document.getElementById('more').open = true")
        driver.save_screenshot(str(tmp_path / "phone.png"))
        found["phone"] = english_on_page(driver, patterns)
        session = server.session()
        answer = session.post("/plugin/img2print/upload", files={"file": ("notes.txt", b"text")},
                              data={"action": "preview"}, headers={"Accept-Language": "de"})
        assert answer.status_code == 415
        found["API error"] = [text for text in [answer.json()["error"]["message"]] if is_english(text, patterns)]
        assert [line for line in console_errors(driver) if "(UNSUPPORTED MEDIA TYPE)" not in line] == []
    finally:
        driver.quit()
    assert {page: texts for page, texts in found.items() if texts} == {}


def test_german_numbers_take_a_decimal_comma_and_a_finding_shows_one(server, tmp_path):
    """In German, "2,5" typed as the thickest part is 2.5 mm and "0,25" as the thinnest 0.25 mm; the finding about
    it says "0,25 mm"; the tab shows
    the defaults as "0,8"; a value that is no number is explained at its field."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    photo = save(photo_like(160, 120), tmp_path / "komma.jpg")
    before = {job["id"] for job in recent_jobs(server)}
    driver = browser(tmp_path, language="de")
    try:
        log_in(driver, server)
        open_tab(driver)
        close_wizard(driver, server)
        wait_for(lambda: len(driver.find_elements(By.CSS_SELECTOR, "#img2print-mode option")) >= 6)
        Select(driver.find_element(By.ID, "img2print-mode")).select_by_value("lithophane")
        thinnest = "img2print-option-min_thickness"
        assert driver.find_element(By.ID, thinnest).get_attribute("value") == "0,8"
        type_into(driver, thinnest, "0,2x")
        wait_for(lambda: driver.find_element(By.ID, thinnest + "-problem").is_displayed())
        assert "2,5" in driver.find_element(By.ID, thinnest + "-problem").text
        driver.find_element(By.ID, "img2print-file").send_keys(str(photo))
        assert not driver.find_element(By.ID, "img2print-preview").is_enabled(), "an invalid value blocks the preview"
        type_into(driver, thinnest, "0,25")
        type_into(driver, "img2print-option-max_thickness", "2,5")
        asked = driver.execute_script("return ko.dataFor(document.getElementById('img2print')).options()")
        assert (asked["min_thickness"], asked["max_thickness"]) == (0.25, 2.5)
        click(driver, "img2print-preview")
        job = finished_preview(server, before)
        assert job["status"] == "done", job
        messages = [finding["message"] for finding in job["result"]["findings"]]
        thin = [message for message in messages if "0,25 mm" in message]
        assert thin, messages
        assert not any(re.search(r"\d\.\d+ mm", message) for message in thin), thin
        shown = wait_for(lambda: driver.find_element(By.ID, "img2print-findings").text)
        assert "0,25 mm" in shown and "0.25" not in shown, shown
        assert console_errors(driver) == []
    finally:
        driver.quit()


# --- the first-run wizard -------------------------------------------------------------------------------------

def test_first_run_wizard_shows_the_slicers_and_saves_the_default_printer(server, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    session = server.session()
    assert session.get("/api/setup/wizard").json()["img2print"]["required"] is True
    slicers = session.get("/api/plugin/img2print").json()["slicers"]
    driver = browser(tmp_path)
    try:
        log_in(driver, server)
        wait_for(lambda: driver.find_element(By.ID, "img2print-wizard").is_displayed())
        wait_for(lambda: len(driver.find_elements(By.CSS_SELECTOR, "#img2print-wizard-slicers li")) == len(slicers))
        shown = [item.text for item in driver.find_elements(By.CSS_SELECTOR, "#img2print-wizard-slicers li")]
        for slicer, line in zip(slicers, shown):
            assert line.startswith(slicer["label"] + ": ")
            if slicer["installed"]:
                assert slicer["version"] in line and slicer["path"] in line, line
            else:
                assert slicer["message"] in line, line
        assert any(slicer["installed"] for slicer in slicers), "CI has PrusaSlicer and CuraEngine"
        choice = Select(driver.find_element(By.ID, "img2print-wizard-printer"))
        assert choice.options[0].text.startswith("The printer OctoPrint uses (")
        # OctoPrint's default profile (200 x 200 x 200 mm) is img2print's generic printer: offered, with its use
        wait_for(lambda: driver.find_element(By.ID, "img2print-wizard-suggestion").is_displayed())
        assert '"Generic 200 mm printer"' in driver.find_element(By.ID, "img2print-wizard-suggestion").text
        driver.find_element(By.ID, "img2print-wizard-use-suggested").click()
        assert choice.first_selected_option.get_attribute("value") == "generic"
        assert not driver.find_element(By.ID, "img2print-wizard-suggestion").is_displayed()
        wanted = next(option.get_attribute("value") for option in choice.options[1:]
                      if option.get_attribute("value") not in ("", "generic"))
        choice.select_by_value(wanted)
        finish = driver.find_element(By.CSS_SELECTOR, "#wizard_dialog .button-finish")
        wait_for(lambda: finish.is_displayed() and finish.is_enabled())
        finish.click()
        wait_for(lambda: not driver.find_element(By.ID, "wizard_dialog").is_displayed())
        assert session.get("/api/settings").json()["plugins"]["img2print"]["default_printer"] == wanted
        assert session.get("/api/plugin/img2print").json()["defaults"]["printer"] == wanted
        assert session.get("/api/setup/wizard").json()["img2print"]["ignored"] is True
        driver.refresh()
        open_tab(driver)
        assert not driver.find_element(By.ID, "wizard_dialog").is_displayed(), "the wizard is shown once"
        assert console_errors(driver) == []
    finally:
        driver.quit()
        session.post("/api/settings", json={"plugins": {"img2print": {"default_printer": ""}}})


# --- every option on the phone page ---------------------------------------------------------------------------

TOO_WIDE = """
var limit = arguments[0];
return Array.from(document.querySelectorAll('body *')).filter(function (element) {
    var box = element.getBoundingClientRect();
    return element.offsetParent !== null && box.width > 0 && (box.right > limit + 0.5 || box.left < -0.5);
}).map(function (element) { return element.tagName + '#' + element.id + '.' + element.className; });
"""
SMALL_TARGETS = """
var least = arguments[0];
return Array.from(document.querySelectorAll('#app select, #app button, #app input[type=text], #app summary,'
                                            + ' #app label.option-check')).filter(function (element) {
    return element.offsetParent !== null && element.getBoundingClientRect().height < least;
}).map(function (element) { return element.tagName + '#' + (element.id || element.htmlFor); });
"""


def test_phone_page_offers_every_mode_and_option_and_a_more_option_changes_the_solid(server, tmp_path):
    """Every option of every mode and every slicing option has its field, on a phone's screen; a frame width set
    under More gives the solid the command line gives, and the preview stands the solid as the slicing options
    say."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    listing = server.session().get("/api/plugin/img2print").json()
    photo = save(photo_like(320, 240), tmp_path / "phone.jpg")
    driver = phone_browser(tmp_path)
    try:
        log_in(driver, server)
        driver.get(f"http://127.0.0.1:{server.port}/plugin/img2print/phone")
        wait_for(lambda: driver.find_element(By.ID, "app").is_displayed())
        mode = Select(driver.find_element(By.ID, "mode"))
        assert [option.get_attribute("value") for option in mode.options] == [m["id"] for m in listing["modes"]]
        for described in listing["modes"]:
            mode.select_by_value(described["id"])
            assert not driver.find_element(By.ID, "more-options").is_displayed(), "More starts collapsed"
            for option in described["options"]:
                field = driver.find_element(By.ID, "option-" + option["name"])
                box = driver.find_element(By.ID, f"option-{option['name']}-help")
                assert option["help"] in box.get_attribute("textContent")
                container = "options" if option["main"] else "more-options"
                assert driver.execute_script("return document.getElementById(arguments[0]).contains(arguments[1])",
                                             container, field), option["name"]
            driver.find_element(By.CSS_SELECTOR, "#more summary").click()
            assert driver.find_element(By.ID, "more-options").is_displayed()
            width = driver.execute_script("return document.documentElement.clientWidth")
            assert driver.execute_script("return document.documentElement.scrollWidth") <= width == PHONE[0]
            assert driver.execute_script(TOO_WIDE, width) == []
            assert driver.execute_script(SMALL_TARGETS, TOUCH_PX) == []
            driver.find_element(By.CSS_SELECTOR, "#more summary").click()
        driver.find_element(By.CSS_SELECTOR, "#slicing summary").click()
        for option in listing["overrides"]:
            field = driver.find_element(By.ID, "slicing-" + option["name"])
            assert driver.execute_script("return document.getElementById('slicing-options').contains(arguments[0])",
                                         field), option["name"]
        assert driver.execute_script(TOO_WIDE, PHONE[0]) == []
        assert driver.execute_script(SMALL_TARGETS, TOUCH_PX) == []
        Select(driver.find_element(By.ID, "slicing-orientation")).select_by_value("flat")  # not upright on its foot
        lithophane = next(m for m in listing["modes"] if m["id"] == "lithophane")
        frame = next(o for o in lithophane["options"] if o["name"] == "frame_width")
        assert not frame["main"], "the frame width is one of the options under More"
        mode.select_by_value("lithophane")
        type_into(driver, "option-width", "100")
        driver.find_element(By.CSS_SELECTOR, "#more summary").click()
        type_into(driver, "option-frame_width", "-3")
        assert driver.find_element(By.ID, "option-frame_width-problem").is_displayed()
        driver.find_element(By.ID, "photo").send_keys(str(photo))
        assert not driver.find_element(By.ID, "preview").is_enabled()
        type_into(driver, "option-frame_width", "8")
        assert not driver.find_element(By.ID, "option-frame_width-problem").is_displayed()
        before = {job["id"] for job in recent_jobs(server)}
        driver.find_element(By.ID, "preview").click()
        preview_shown(driver, "body")
        job = finished_preview(server, before)
        assert console_errors(driver) == []
    finally:
        driver.quit()
    assert job["result"]["view"]["bed_size_mm"][2] < 5, "the preview lies flat, as the slicing option asks"
    volumes = frame_volumes(photo, tmp_path)
    phone = job["result"]["volume_mm3"]
    assert volumes[8] > volumes[0] * 1.08, volumes
    assert abs(phone - volumes[8]) < 0.02 * volumes[8], (phone, volumes)


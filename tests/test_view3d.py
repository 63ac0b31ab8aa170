"""The live 3D view (three.js) in the tab and on the phone page, in headless Chromium against a real OctoPrint: the
solid stands on the printer's bed at the size `img2print convert` makes, follows the options, and is lit from
behind for lithophanes; its mesh comes only to users who may preview."""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
from artwork import shapes
from conftest import ROOT
from octoprint_server import Session
from pictures import photo_like, save
from PIL import Image
from solids import load
from test_browser import PHONE, browser, console_errors, idle, log_in, open_tab, wait_for
from test_print_safety import LONG_PRINT, connect, wait_state

from octoprint_img2print.recipe import Recipe

IMG2PRINT = ROOT / ".venv" / "bin" / "img2print"
DESKTOP = (1366, 900)
pytestmark = pytest.mark.octoprint


def converted_extents(picture: Path, folder: Path, *arguments: str) -> list[float]:
    """The extents (x, y, z) of the STL `img2print convert` writes with these options."""
    output = folder / f"converted-{len(list(folder.glob('converted-*')))}.stl"
    run = subprocess.run([str(IMG2PRINT), "convert", str(picture), "-o", str(output), *arguments],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    return [float(v) for v in load(output).extents]


def shown_size(driver, scope: str) -> list[float]:
    """The size the view writes ("60 × 45 × 2,7 mm"), as numbers."""
    said = driver.execute_script(f"var e = document.querySelector('{scope} .img2print-view3d-size');"
                                 "return e && e.offsetParent !== null ? e.textContent : ''")
    assert said.endswith(" mm"), said
    return [float(part.strip().replace(",", ".")) for part in said[:-3].split("×")]


def drawn_bounds(driver, scope: str) -> list[float]:
    """What the view drew: the solid's lowest and highest x, y, z (mm) on the bed."""
    return json.loads(driver.execute_script(f"return document.querySelector('{scope} .img2print-view3d')"
                                            ".dataset.bounds || '[]'"))


def view_shown(driver, scope: str, before: str = "") -> str:
    """Wait until the view shows a size other than ``before``, and return it."""
    return wait_for(lambda: driver.execute_script(
        f"var e = document.querySelector('{scope} .img2print-view3d-size');"
        "return e && e.offsetParent !== null && e.textContent !== arguments[0] ? e.textContent : ''", before), 240)


def previewed_on_tab(driver, server, photo: Path, width: str = "60", mode: str = "lithophane") -> str:
    """Log in, open the tab, preview ``photo`` in ``mode`` ``width`` mm wide, and wait for its view (its size)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    log_in(driver, server)
    open_tab(driver)
    wait_for(lambda: len(driver.find_elements(By.CSS_SELECTOR, "#img2print-mode option")) > 3)
    Select(driver.find_element(By.ID, "img2print-mode")).select_by_value(mode)
    driver.find_element(By.ID, "img2print-file").send_keys(str(photo))
    set_option(driver, "width", width)
    driver.find_element(By.ID, "img2print-preview").click()
    return view_shown(driver, "#img2print")


def canvas_pixels(driver, scope: str, shots: Path) -> np.ndarray:
    """A screenshot of the view's canvas as RGB pixels (saved with one of the page as ``shots``-canvas.png and
    -page.png, for a person to look at)."""
    from selenium.webdriver.common.by import By

    canvas = driver.find_element(By.CSS_SELECTOR, f"{scope} .img2print-view3d canvas")
    driver.execute_script("arguments[0].scrollIntoView({block: 'end'})",
                          driver.find_element(By.CSS_SELECTOR, f"{scope} .img2print-view3d"))
    picture = Image.open(io.BytesIO(canvas.screenshot_as_png)).convert("RGB")
    picture.save(f"{shots}-canvas.png")
    driver.save_screenshot(f"{shots}-page.png")
    return np.asarray(picture).astype(int)


def assert_solid_drawn(pixels: np.ndarray) -> None:
    """Not blank, not one colour, and the orange solid covers a real part of it."""
    assert pixels.std() > 10 and len(np.unique(pixels.reshape(-1, 3), axis=0)) > 50
    red, green, blue = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    orange = (red - blue > 60) & (red > green)
    assert orange.mean() > 0.01, f"the solid covers {orange.mean():.2%} of the view"


def assert_matches(shown: list[float], bounds: list[float], converted: list[float]) -> None:
    """The size written is the converted STL's; the solid drawn stands on z = 0, centred on the bed, as img2print
    prints it: the STL's solid turned, perhaps with a foot to stand on."""
    low, high = np.array(bounds[:3]), np.array(bounds[3:])
    assert abs(low[2]) < 0.01, "the solid stands on the bed"
    assert np.allclose((low[:2] + high[:2]) / 2, 0, atol=0.01), "centred on the bed"
    assert np.allclose(shown, converted, atol=0.1), (shown, converted)
    drawn = np.sort(high - low)
    assert (drawn >= np.sort(converted) - 0.1).all() and drawn[-1] <= max(converted) * 1.25, (bounds, converted)


def loaded_three(driver) -> bool:
    """True once the page has fetched three.js."""
    return driver.execute_script("return performance.getEntriesByType('resource')"
                                 ".some(function (r) { return r.name.indexOf('three.module.min.js') >= 0; })")


def set_option(driver, name: str, value: str) -> None:
    """Set one of the tab's option fields (opening "More options" when it is not shown)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    field = driver.find_element(By.ID, f"img2print-option-{name}")
    if not field.is_displayed():
        driver.find_element(By.ID, "img2print-more").click()
    if "img2print-checklist" in (field.get_attribute("class") or ""):  # several choices: the given ones ticked
        wanted = value.split(",")
        for box in field.find_elements(By.CSS_SELECTOR, "input[type=checkbox]"):
            if box.is_selected() != (box.get_attribute("value") in wanted):
                driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", box)
                box.click()
    elif field.tag_name == "select":
        Select(field).select_by_value(value)
    else:
        field.clear()
        field.send_keys(value)


def test_tab_shows_the_solid_on_the_bed_at_its_size_and_follows_the_options(server, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    photo = save(photo_like(320, 240), tmp_path / "view.jpg")
    logo = shapes(tmp_path / "view-logo.png")
    driver = browser(tmp_path, size=DESKTOP)
    try:
        log_in(driver, server)
        open_tab(driver)
        wait_for(lambda: len(driver.find_elements(By.CSS_SELECTOR, "#img2print-printer option")) > 10)
        Select(driver.find_element(By.ID, "img2print-mode")).select_by_value("lithophane")
        driver.find_element(By.ID, "img2print-file").send_keys(str(photo))
        set_option(driver, "width", "60")
        assert not loaded_three(driver), "three.js is loaded only for a view"
        driver.find_element(By.ID, "img2print-preview").click()
        said = view_shown(driver, "#img2print")
        assert loaded_three(driver)
        assert_matches(shown_size(driver, "#img2print"), drawn_bounds(driver, "#img2print"),
                       converted_extents(photo, tmp_path, "--mode", "lithophane", "--width", "60"))
        solid = canvas_pixels(driver, "#img2print", tmp_path / "tab-en-lithophane")
        assert_solid_drawn(solid)
        assert not driver.find_element(By.ID, "img2print-preview-image").is_displayed(), "3D replaces the picture"

        # lit from behind: a dark room, the sheet glowing warm where it is thin
        driver.find_element(By.CSS_SELECTOR, "#img2print .img2print-view3d-backlit input").click()
        lit = canvas_pixels(driver, "#img2print", tmp_path / "tab-en-lithophane-backlit")
        assert lit[:8, :8].mean() < 60, "the room is dark"
        warm = (lit[..., 0] > 150) & (lit[..., 0] >= lit[..., 2] + 20)
        assert warm.mean() > 0.01
        assert len(np.unique(lit[warm], axis=0)) > 20, "the picture shows in shades of light"
        # a blue lamp: the picture glows in the light's colour the reader picks (a colour input: set as its picker
        # would)
        light = driver.find_element(By.CSS_SELECTOR, "#img2print .img2print-view3d-light input")
        assert light.is_displayed()
        driver.execute_script("arguments[0].value = '#4080ff'; arguments[0].dispatchEvent(new Event('input'));",
                              light)
        blue = canvas_pixels(driver, "#img2print", tmp_path / "tab-en-lithophane-blue-light")
        glowing = blue.max(axis=-1) > 120
        assert glowing.mean() > 0.01 and (blue[glowing][:, 2] > blue[glowing][:, 0] + 40).mean() > 0.9

        # a cylinder, then a wider one: the view follows each change by itself; lit from inside, as the reader left
        # the view lit
        set_option(driver, "shape", "cylinder")
        said = view_shown(driver, "#img2print", said)
        lit_box = driver.find_element(By.CSS_SELECTOR, "#img2print .img2print-view3d-backlit input")
        assert lit_box.is_displayed() and lit_box.is_selected(), "the light stays on across the refresh"
        assert light.get_attribute("value") == "#4080ff", "and keeps its colour"
        lit_box.click()
        narrow = drawn_bounds(driver, "#img2print")
        assert_matches(shown_size(driver, "#img2print"), narrow,
                       converted_extents(photo, tmp_path, "--mode", "lithophane", "--shape", "cylinder", "--width",
                                         "60"))
        assert_solid_drawn(canvas_pixels(driver, "#img2print", tmp_path / "tab-en-cylinder"))
        set_option(driver, "width", "90")
        view_shown(driver, "#img2print", said)
        wide = drawn_bounds(driver, "#img2print")
        assert_matches(shown_size(driver, "#img2print"), wide,
                       converted_extents(photo, tmp_path, "--mode", "lithophane", "--shape", "cylinder", "--width",
                                         "90"))
        assert wide[3] - wide[0] > (narrow[3] - narrow[0]) * 1.3, "the wider cylinder is drawn wider"

        # a logo from another picture
        driver.find_element(By.ID, "img2print-file").send_keys(str(logo))
        Select(driver.find_element(By.ID, "img2print-mode")).select_by_value("logo")
        set_option(driver, "width", "40")
        wait_for(lambda: driver.find_element(By.ID, "img2print-preview").is_enabled())
        driver.find_element(By.ID, "img2print-preview").click()
        view_shown(driver, "#img2print", said)
        assert_matches(shown_size(driver, "#img2print"), drawn_bounds(driver, "#img2print"),
                       converted_extents(logo, tmp_path, "--mode", "logo", "--width", "40"))
        assert_solid_drawn(canvas_pixels(driver, "#img2print", tmp_path / "tab-en-logo"))
        assert driver.find_element(By.ID, "img2print-error").text == ""
        assert console_errors(driver) == []
    finally:
        driver.quit()


def test_every_form_light_shines_through_is_offered_lit_and_a_tall_lamp_is_framed_whole(server, tmp_path):
    """Issue 27: a lamp 80 mm wide from a landscape photo stands about 185 mm tall and its first view shows it whole
    (no part of it at the canvas's top or bottom edge); a lamp, a dome, an arc, a heart and a keychain are each
    offered lit from behind, and each, lit, glows in the dark room."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    photo = save(photo_like(320, 240, seed=5), tmp_path / "shade.jpg")
    driver = browser(tmp_path, size=DESKTOP)
    try:
        said = previewed_on_tab(driver, server, photo, "80", "lamp")
        assert shown_size(driver, "#img2print")[2] > 170, shown_size(driver, "#img2print")
        pixels = canvas_pixels(driver, "#img2print", tmp_path / "tab-tall-lamp")
        solid = (pixels[..., 0].astype(int) - pixels[..., 2] > 60) & (pixels[..., 0] > pixels[..., 1])
        rows = np.flatnonzero(solid.any(axis=1))
        assert rows.min() > 0.02 * len(solid) and rows.max() < 0.98 * len(solid), "the whole lamp is in the frame"
        lit_box = "#img2print .img2print-view3d-backlit input"
        for mode, shape in (("lamp", None), ("dome", None), ("lithophane", "arc"), ("lithophane", "heart"),
                            ("keychain", None)):
            if mode != "lamp":  # the lamp is on screen already
                Select(driver.find_element(By.ID, "img2print-mode")).select_by_value(mode)
                if shape:
                    set_option(driver, "shape", shape)
                said = view_shown(driver, "#img2print", said)
            box = driver.find_element(By.CSS_SELECTOR, lit_box)
            assert box.is_displayed(), f"{mode} {shape or ''} is offered lit"
            if not box.is_selected():
                box.click()
            lit = canvas_pixels(driver, "#img2print", tmp_path / f"tab-lit-{mode}-{shape or ''}")
            assert lit[:8, :8].mean() < 60 and (lit.max(axis=-1) > 150).mean() > 0.005, f"{mode} glows lit"
        assert console_errors(driver) == []
    finally:
        driver.quit()


def test_german_tab_and_phone_page_show_the_view_with_german_numbers(server, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    photo = save(photo_like(320, 240, seed=3), tmp_path / "ansicht.jpg")
    driver = browser(tmp_path, language="de", size=DESKTOP)
    try:
        log_in(driver, server)
        open_tab(driver)
        wait_for(lambda: len(driver.find_elements(By.CSS_SELECTOR, "#img2print-printer option")) > 10)
        Select(driver.find_element(By.ID, "img2print-mode")).select_by_value("lithophane")
        driver.find_element(By.ID, "img2print-file").send_keys(str(photo))
        driver.find_element(By.ID, "img2print-preview").click()
        said = view_shown(driver, "#img2print")
        assert "," in said, f"a German size has a decimal comma: {said}"
        assert_solid_drawn(canvas_pixels(driver, "#img2print", tmp_path / "tab-de-lithophane"))

        driver.set_window_size(*PHONE)
        driver.get(f"http://127.0.0.1:{server.port}/plugin/img2print/phone")
        wait_for(lambda: driver.find_element(By.ID, "app").is_displayed())
        Select(driver.find_element(By.ID, "mode")).select_by_value("lithophane")
        driver.find_element(By.ID, "photo").send_keys(str(photo))
        driver.find_element(By.ID, "preview").click()
        width = driver.find_element(By.ID, "option-width").get_attribute("value")
        said = view_shown(driver, "#view3d")
        assert "," in said
        assert_matches(shown_size(driver, "#view3d"), drawn_bounds(driver, "#view3d"),
                       converted_extents(photo, tmp_path, "--mode", "lithophane", "--width", width))
        pixels = canvas_pixels(driver, "#view3d", tmp_path / "phone-de-lithophane")
        assert_solid_drawn(pixels)
        assert pixels.shape[1] <= PHONE[0]
        viewport = driver.execute_script("return document.documentElement.clientWidth")
        assert driver.execute_script("return document.documentElement.scrollWidth") <= viewport
        assert not driver.find_element(By.ID, "solid").is_displayed(), "3D replaces the picture"

        # the view follows a changed width by itself, without sending the photo again
        uploaded = server.session().get("/api/files/local/ansicht.jpg").json()["date"]
        before = drawn_bounds(driver, "#view3d")
        driver.find_element(By.ID, "option-width").clear()
        driver.find_element(By.ID, "option-width").send_keys("80")
        view_shown(driver, "#view3d", said)
        assert shown_size(driver, "#view3d")[0] == 80
        after = drawn_bounds(driver, "#view3d")
        assert max(after[3] - after[0], after[4] - after[1]) < max(before[3] - before[0], before[4] - before[1]) - 10
        assert server.session().get("/api/files/local/ansicht.jpg").json()["date"] == uploaded, "uploaded once"
        assert console_errors(driver) == []
    finally:
        driver.quit()


def test_the_mesh_comes_only_to_users_who_may_preview_and_only_from_a_preview(server, tmp_path):
    photo = save(photo_like(160, 120), tmp_path / "mesh.jpg")
    session = server.session()
    answer = session.upload(photo.read_bytes(), "mesh.jpg", action="preview", mode="relief",
                            options=json.dumps({"width": 50}))
    assert answer.status_code == 202, answer.text
    job = answer.json()["id"]
    done = session.wait(job)
    assert done["status"] == "done", done
    view = done["result"]["view"]
    mesh = session.get("/plugin/img2print/view", params={"job": job})
    assert mesh.status_code == 200
    vertices, faces, light, surface = np.frombuffer(mesh.content[:16], "<u4")
    assert len(mesh.content) == 16 + vertices * 12 + faces * 12 and faces == view["triangles"]
    assert not light and not surface, "a relief is not lit from behind"
    points = np.frombuffer(mesh.content[16:16 + vertices * 12], "<f4").reshape(-1, 3)
    assert view["size_mm"][0] == pytest.approx(50, abs=0.01)
    assert np.allclose(points.max(axis=0) - points.min(axis=0), view["bed_size_mm"], atol=0.01)
    assert points[:, 2].min() == pytest.approx(0, abs=1e-4), "on the bed"
    assert points[:, 2].max() == pytest.approx(view["size_mm"][2], abs=0.01), "a relief lies flat on the bed"

    assert Session(server.port).get("/plugin/img2print/view", params={"job": job}).status_code == 401
    for other in ("../jobs", "../../config.yaml", "", "nothing"):
        refused = session.get("/plugin/img2print/view", params={"job": other})
        assert refused.status_code == 404 and refused.json()["error"]["code"] == "no_view"


def test_a_large_solid_is_decimated_for_the_view_and_keeps_its_size_and_light(tmp_path):
    from octoprint_img2print import pipeline
    from octoprint_img2print.rendering.view_mesh import lit_from_behind, write_view

    photo = save(photo_like(320, 240), tmp_path / "large.jpg")
    built = pipeline.build_solid(photo, recipe=Recipe(mode="lithophane", options={"width": 80}))
    lit = lit_from_behind(built.mesh, 0.5)
    faces = len(built.mesh.faces)
    said = write_view(tmp_path / "view.bin", built.mesh, lit, max_triangles=faces // 4)
    data = (tmp_path / "view.bin").read_bytes()
    vertices, triangles, has_light, surface = np.frombuffer(data[:16], "<u4")
    assert said == {"triangles": triangles, "solid_triangles": faces, "decimated": True}
    assert triangles <= faces // 4 and has_light and 0 < surface < triangles
    assert len(built.mesh.faces) == faces, "the solid itself is untouched"
    points = np.frombuffer(data[16:16 + vertices * 12], "<f4").reshape(-1, 3)
    assert np.allclose(points.max(axis=0) - points.min(axis=0), built.mesh.size(), atol=1.5)
    light = np.frombuffer(data[16 + vertices * 12 + triangles * 12:], np.uint8)
    assert len(light) == vertices and light.min() < 150 and light.max() > 230, "dark and light parts remain"


def test_without_webgl_the_tab_shows_pictures_of_the_solid_and_says_why(server, tmp_path):
    from selenium.webdriver.common.by import By

    photo = save(photo_like(320, 240, seed=5), tmp_path / "flat.jpg")
    driver = browser(tmp_path, size=DESKTOP, webgl=False)
    try:
        log_in(driver, server)
        open_tab(driver)
        driver.find_element(By.ID, "img2print-file").send_keys(str(photo))
        driver.find_element(By.ID, "img2print-preview").click()
        wait_for(lambda: driver.find_element(By.ID, "img2print-preview-image").is_displayed(), 240)
        assert driver.find_element(By.ID, "img2print-no-webgl").is_displayed()
        assert not driver.find_element(By.ID, "img2print-view3d").is_displayed()
        assert not loaded_three(driver)
        assert console_errors(driver) == []
    finally:
        driver.quit()


def test_a_preview_runs_while_a_print_runs(server, tmp_path):
    """While a print runs (heavy work while printing switched off), a changed option's preview still runs: the view
    shows the new size while the printer prints, and nothing else starts."""
    from selenium.webdriver.common.by import By

    photo = save(photo_like(320, 240, seed=7), tmp_path / "waiting.jpg")
    admin = server.session()
    connect(admin)
    driver = browser(tmp_path, size=DESKTOP)
    try:
        log_in(driver, server)
        open_tab(driver)
        driver.find_element(By.ID, "img2print-file").send_keys(str(photo))
        set_option(driver, "width", "60")
        driver.find_element(By.ID, "img2print-preview").click()
        said = view_shown(driver, "#img2print")
        admin.post("/api/files/local", files={"file": ("long.gcode", LONG_PRINT.encode())})
        admin.post("/api/files/local/long.gcode", json={"command": "select", "print": True})
        wait_state(admin, ("Printing",))
        set_option(driver, "width", "80")
        view_shown(driver, "#img2print", said)
        assert shown_size(driver, "#img2print")[0] == 80
        assert_solid_drawn(canvas_pixels(driver, "#img2print", tmp_path / "tab-while-printing"))
        assert admin.get("/api/job").json()["job"]["file"]["name"] == "long.gcode"
        assert admin.get("/api/printer").json()["state"]["flags"]["printing"]
        # the file list asks once for the printed G-code's thumbnail, which it has none of
        assert [e for e in console_errors(driver) if "path=long.gcode" not in e] == []
    finally:
        admin.post("/api/job", json={"command": "cancel"})
        driver.quit()
        idle(admin)


def test_a_painting_shows_in_its_predicted_colours_in_the_view_and_as_printed(server, tmp_path):
    """A picture of a blue and a yellow half, painted with blue, yellow and white: the 3D view and the 'as printed'
    picture show blue where the picture is blue and yellow where it is yellow."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    halves = np.zeros((120, 160, 3), dtype=np.uint8)
    halves[:, :80] = (37, 78, 202)
    halves[:, 80:] = (247, 209, 23)
    picture = tmp_path / "halves.png"
    Image.fromarray(halves).save(picture)
    driver = browser(tmp_path, size=DESKTOP)
    try:
        log_in(driver, server)
        open_tab(driver)
        wait_for(lambda: len(driver.find_elements(By.CSS_SELECTOR, "#img2print-mode option")) >= 6)
        Select(driver.find_element(By.ID, "img2print-mode")).select_by_value("painting")
        driver.find_element(By.ID, "img2print-file").send_keys(str(picture))
        set_option(driver, "width", "50")
        set_option(driver, "palette", "pla_white,pla_blue,pla_yellow")
        wait_for(lambda: driver.find_element(By.ID, "img2print-preview").is_enabled())
        driver.find_element(By.ID, "img2print-preview").click()
        view_shown(driver, "#img2print")
        printed = wait_for(lambda: driver.find_element(By.ID, "img2print-painted-image").get_attribute("src"))
        seen = np.asarray(Image.open(io.BytesIO(__import__("base64").b64decode(printed.split(",", 1)[1])))
                          .convert("RGB")).astype(int)
        left, right = seen[:, : seen.shape[1] // 3].reshape(-1, 3), seen[:, -seen.shape[1] // 3:].reshape(-1, 3)
        assert (left[:, 2] > left[:, 0] + 60).mean() > 0.9, "blue where the picture is blue"
        assert ((right[:, 0] > right[:, 2] + 80) & (right[:, 1] > right[:, 2] + 60)).mean() > 0.9, "yellow there"
        drawn = canvas_pixels(driver, "#img2print", tmp_path / "tab-en-painting")
        bluish = (drawn[..., 2] > drawn[..., 0] + 50) & (drawn[..., 2] > 120)
        yellowish = (drawn[..., 0] > drawn[..., 2] + 60) & (drawn[..., 1] > drawn[..., 2] + 40)
        assert bluish.mean() > 0.01 and yellowish.mean() > 0.01, (bluish.mean(), yellowish.mean())
        assert "load PLA" in driver.find_element(By.ID, "img2print-findings").text
        assert console_errors(driver) == []
    finally:
        driver.quit()


def crop_box(driver) -> list[float]:
    """The tab's crop box field as numbers (left, top, width, height in percent), or [] when empty."""
    text = driver.execute_script("return document.getElementById('img2print-option-crop_box').value")
    return [float(part) for part in text.split(",")] if text else []


def test_the_tabs_framing_control_turns_and_crops_the_picture_and_the_view_follows(server, tmp_path):
    """Turned left by its button, the 320 × 240 picture stands 80 mm tall at 60 mm wide; a corner dragged and the
    wheel make a part of it, whose shape the solid takes; what the preview asks is what the control set; with width and
    height both given the part keeps the solid's shape."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.actions.wheel_input import ScrollOrigin
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select
    from test_browser import record_requests, sent_requests

    photo = save(photo_like(320, 240), tmp_path / "framing.jpg")
    driver = browser(tmp_path, size=DESKTOP)
    try:
        log_in(driver, server)
        open_tab(driver)
        wait_for(lambda: len(driver.find_elements(By.CSS_SELECTOR, "#img2print-printer option")) > 10)
        Select(driver.find_element(By.ID, "img2print-mode")).select_by_value("lithophane")
        control = driver.find_element(By.CSS_SELECTOR, "#img2print-framing .img2print-framing")
        assert not control.is_displayed(), "no picture to frame yet"
        driver.find_element(By.ID, "img2print-file").send_keys(str(photo))
        wait_for(control.is_displayed)
        set_option(driver, "width", "60")
        record_requests(driver)
        driver.find_element(By.ID, "img2print-preview").click()
        said = view_shown(driver, "#img2print")
        assert np.allclose(shown_size(driver, "#img2print")[:2], [60, 45], atol=0.3)

        driver.find_element(By.ID, "img2print-framing-left").click()
        assert driver.find_element(By.ID, "img2print-option-rotate").get_attribute("value") == "90"
        said = view_shown(driver, "#img2print", said)
        assert np.allclose(shown_size(driver, "#img2print")[:2], [60, 80], atol=0.3), "turned a quarter"

        stage = driver.find_element(By.ID, "img2print-framing-stage")
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", stage)
        corner = driver.find_element(By.CSS_SELECTOR, "#img2print-framing .img2print-framing-handle.se")
        ActionChains(driver).click_and_hold(corner).move_by_offset(-40, -120).release().perform()
        ActionChains(driver).scroll_from_origin(ScrollOrigin.from_element(stage), 0, -150).perform()
        box = wait_for(lambda: crop_box(driver))
        assert box[2] < 80 and box[3] < 60, box
        said = view_shown(driver, "#img2print", said)
        box = crop_box(driver)
        height = 60 * (box[3] * 320) / (box[2] * 240)  # the turned picture is 240 wide, 320 tall
        assert abs(shown_size(driver, "#img2print")[1] - height) < 1.0, (shown_size(driver, "#img2print"), box)
        asked = [sent["options"] for sent in sent_requests(driver) if sent["command"] == "preview"][-1]
        assert asked["rotate"] == 90 and asked["crop_box"] == ",".join(f"{v:g}" for v in box), asked

        set_option(driver, "height", "30")  # the solid's picture is twice as wide as tall: so is the part
        wait_for(lambda: abs(crop_box(driver)[2] * 240 / (crop_box(driver)[3] * 320) - 2) < 0.02)
        view_shown(driver, "#img2print", said)
        assert np.allclose(shown_size(driver, "#img2print")[:2], [60, 30], atol=0.3)
        set_option(driver, "height", "")
        driver.find_element(By.ID, "img2print-framing-whole").click()
        assert crop_box(driver) == [] and driver.find_element(By.ID, "img2print-option-rotate").get_attribute(
            "value") == "90", "the whole picture, still turned"
        assert console_errors(driver) == []
    finally:
        driver.quit()


# one input event on a field, and when after it (ms) the view's vertices moved and its next exact preview arrived
REDRAW_TIMED = """
var field = arguments[0], view = document.querySelector(arguments[2] + ' .img2print-view3d');
var timed = window.img2printTimed = {moved: null, arrived: null};
function weighed() {
    var points = view.img2printSolid.geometry.attributes.position.array, sum = 0;
    for (var i = 0; i < points.length; i++) sum += points[i] * (i % 7 + 1);
    return sum;
}
var before = weighed(), start = performance.now();
new MutationObserver(function () { if (timed.arrived === null) timed.arrived = performance.now() - start; })
    .observe(view.querySelector('.img2print-view3d-size'), {childList: true, characterData: true, subtree: true});
function look() {
    if (weighed() !== before) timed.moved = performance.now() - start;
    else if (performance.now() - start < 5000) setTimeout(look, 1);
}
field.value = arguments[1];
field.dispatchEvent(new Event('input', {bubbles: true}));
setTimeout(look, 0);
"""


def redraw_timed(driver, name: str, value: str, scope: str = "#img2print", field: str = "img2print-option-") -> dict:
    """Type ``value`` into the page's option ``name`` (its field's id ``field`` + name) as one input event; when (ms
    after it) the 3D view in ``scope`` moved its vertices and the next exact preview arrived (None: not yet)."""
    from selenium.webdriver.common.by import By

    driver.execute_script(REDRAW_TIMED, driver.find_element(By.ID, f"{field}{name}"), value, scope)
    wait_for(lambda: driver.execute_script("return window.img2printTimed.moved !== null"), 6)
    return driver.execute_script("return window.img2printTimed")


def test_the_tabs_view_redraws_a_lithophane_at_once_when_its_thickness_and_width_change(server, tmp_path):
    """Issue 27: after a lithophane's preview, a new thickest part and width move the shown sheet's vertices at once,
    before the exact preview arrives (how soon is the bench's to measure: view-redraw); the view says so, and the
    exact preview then replaces the redrawn sheet, as wide as it (its foot is not redrawn exactly: it stands deeper
    than the thickest part)."""
    from selenium.webdriver.common.by import By

    photo = save(photo_like(320, 240), tmp_path / "live.jpg")
    note = "#img2print .img2print-view3d-stale"
    driver = browser(tmp_path, size=DESKTOP)
    try:
        said = previewed_on_tab(driver, server, photo)
        built = drawn_bounds(driver, "#img2print")

        thicker = redraw_timed(driver, "max_thickness", "5")
        wider = redraw_timed(driver, "width", "80")
        redrawn = drawn_bounds(driver, "#img2print")
        assert "exact preview follows" in driver.find_element(By.CSS_SELECTOR, note).text
        canvas_pixels(driver, "#img2print", tmp_path / "tab-redrawn")
        arrived = driver.execute_script("return window.img2printTimed.arrived")
        print(f"vertices moved {thicker['moved']:.1f} ms after the thickness, {wider['moved']:.1f} ms after the "
              f"width; the exact preview not yet arrived ({thicker['arrived']}, {arrived})")
        assert thicker["arrived"] is None and arrived is None, "redrawn before the exact preview arrived"
        assert redrawn[3] - redrawn[0] == pytest.approx((built[3] - built[0]) * 80 / 60, rel=0.01), (built, redrawn)

        view_shown(driver, "#img2print", said)
        assert shown_size(driver, "#img2print")[0] == pytest.approx(80, abs=0.1), "the exact preview replaced it"
        wait_for(lambda: not driver.find_element(By.CSS_SELECTOR, note).is_displayed(), 10)
        exact = drawn_bounds(driver, "#img2print")
        assert exact[3] - exact[0] == pytest.approx(redrawn[3] - redrawn[0], abs=0.5), (redrawn, exact)
        assert console_errors(driver) == []
    finally:
        driver.quit()


def test_a_cylinder_a_lamp_and_a_dome_are_redrawn_at_once_on_the_tab_and_the_phone(server, tmp_path):
    """Issue 27, lithophanes of every shape: a cylinder's view grows round its axis at once after a wider width
    (its back's circle and its height by the same factor, before the exact preview arrives), and the exact preview
    then agrees; so do a lamp's shade and a dome; the phone page, on a phone's screen, redraws a cylinder the same
    way."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    photo = save(photo_like(320, 240), tmp_path / "round.jpg")
    driver = browser(tmp_path, size=DESKTOP)
    try:
        said = previewed_on_tab(driver, server, photo)
        set_option(driver, "shape", "cylinder")
        said = view_shown(driver, "#img2print", said)
        built = drawn_bounds(driver, "#img2print")
        wider = redraw_timed(driver, "width", "90")
        redrawn = drawn_bounds(driver, "#img2print")
        print(f"the cylinder's vertices moved {wider['moved']:.1f} ms after the width on the tab")
        assert wider["arrived"] is None, wider
        assert redrawn[5] - redrawn[2] == pytest.approx((built[5] - built[2]) * 1.5, rel=0.03), (built, redrawn)
        assert redrawn[3] - redrawn[0] > (built[3] - built[0]) * 1.3, "its back round a wider circle"
        canvas_pixels(driver, "#img2print", tmp_path / "tab-cylinder-redrawn")
        said = view_shown(driver, "#img2print", said)
        exact = drawn_bounds(driver, "#img2print")
        assert exact[3] - exact[0] == pytest.approx(redrawn[3] - redrawn[0], abs=1.0), (redrawn, exact)

        # a lamp's shade and a dome: redrawn at once too, and as wide as their exact previews
        for mode, width in (("lamp", "100"), ("dome", "120")):
            Select(driver.find_element(By.ID, "img2print-mode")).select_by_value(mode)
            said = view_shown(driver, "#img2print", said)
            built = drawn_bounds(driver, "#img2print")
            wider = redraw_timed(driver, "width", width)
            redrawn = drawn_bounds(driver, "#img2print")
            assert wider["arrived"] is None, (mode, wider)
            assert redrawn[3] - redrawn[0] > (built[3] - built[0]) * 1.05, (mode, built, redrawn)
            canvas_pixels(driver, "#img2print", tmp_path / f"tab-{mode}-redrawn")
            said = view_shown(driver, "#img2print", said)
            exact = drawn_bounds(driver, "#img2print")
            assert exact[3] - exact[0] == pytest.approx(redrawn[3] - redrawn[0], abs=1.0), (mode, redrawn, exact)

        driver.set_window_size(*PHONE)
        driver.get(f"http://127.0.0.1:{server.port}/plugin/img2print/phone")
        wait_for(lambda: driver.find_element(By.ID, "app").is_displayed())
        Select(driver.find_element(By.ID, "mode")).select_by_value("lithophane")
        Select(driver.find_element(By.ID, "option-shape")).select_by_value("cylinder")
        driver.find_element(By.ID, "photo").send_keys(str(photo))
        width = driver.find_element(By.ID, "option-width")
        width.clear()
        width.send_keys("60")
        driver.find_element(By.ID, "preview").click()
        view_shown(driver, "body")
        built = drawn_bounds(driver, "body")
        wider = redraw_timed(driver, "width", "90", "body", "option-")
        redrawn = drawn_bounds(driver, "body")
        assert wider["arrived"] is None, wider
        assert redrawn[5] - redrawn[2] == pytest.approx((built[5] - built[2]) * 1.5, rel=0.03), (built, redrawn)
        canvas_pixels(driver, "body", tmp_path / "phone-cylinder-redrawn")
        assert console_errors(driver) == []
    finally:
        driver.quit()


def test_the_tabs_view_says_it_is_out_of_date_after_a_change_until_the_new_preview_and_after_a_repair(server,
                                                                                                       tmp_path):
    """An option changed: the view says at once that it shows a provisional shape (a sheet redrawn at once), until
    the preview that follows replaces it; a model repaired from the file list: the view says it shows an earlier
    shape (it is not of the repaired model)."""
    import trimesh
    from selenium.webdriver.common.by import By
    from test_browser import file_list_buttons, text_of

    photo = save(photo_like(320, 240), tmp_path / "stale.jpg")
    box = trimesh.creation.box(extents=(20, 20, 20))
    holed = trimesh.Trimesh(box.vertices, box.faces[2:], process=False)
    admin = server.session()
    answer = admin.post("/api/files/local", files={"file": ("stale-box.stl", holed.export(file_type="stl"))})
    assert answer.status_code == 201, answer.text
    note = "#img2print .img2print-view3d-stale"
    driver = browser(tmp_path, size=DESKTOP)
    try:
        said = previewed_on_tab(driver, server, photo)
        assert not driver.find_element(By.CSS_SELECTOR, note).is_displayed()
        set_option(driver, "width", "80")
        stale = wait_for(lambda: driver.find_element(By.CSS_SELECTOR, note).is_displayed(), 5)
        assert stale and "exact preview follows" in driver.find_element(By.CSS_SELECTOR, note).text, "redrawn at once"
        driver.save_screenshot(str(tmp_path / "tab-view-stale.png"))
        view_shown(driver, "#img2print", said)
        wait_for(lambda: not driver.find_element(By.CSS_SELECTOR, note).is_displayed(), 10)
        button = wait_for(lambda: file_list_buttons(driver, "stale-box.stl", "img2print-files-repair"))
        driver.execute_script("arguments[0].click()", button[0])
        wait_for(lambda: text_of(driver, "img2print-result-file") == "stale-box-repaired.stl")
        assert driver.find_element(By.CSS_SELECTOR, note).is_displayed()
        assert "preview again" in driver.find_element(By.CSS_SELECTOR, note).text
        assert console_errors(driver) == []
    finally:
        driver.quit()


@pytest.mark.octoprint
def test_a_picked_file_is_previewed_at_once_and_a_change_made_while_it_uploads_is_followed(server, tmp_path):
    """Picking a photo on the tab and on the phone starts its preview without a press of Preview; the width changed
    while the photo is still being sent is not lost: the view ends at that width."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select
    from test_pages import phone_browser, type_into

    photo = save(photo_like(4000, 3000), tmp_path / "large.jpg")  # a phone's photo: seconds to send and vet
    uploading = "return document.body.innerText.indexOf('Uploading') >= 0"
    at_40_mm = ("var e = document.querySelector(arguments[0] + ' .img2print-view3d-size');"
                "return !!e && e.offsetParent !== null && /^40 ×/.test(e.textContent)")

    def pick_then_change_the_width(driver, prefix: str, picker: str, view: str) -> None:
        wait_for(lambda: len(driver.find_elements(By.CSS_SELECTOR, f"#{prefix}mode option")) > 3)
        Select(driver.find_element(By.ID, f"{prefix}mode")).select_by_value("lithophane")
        type_into(driver, f"{prefix}option-width", "60")
        driver.find_element(By.ID, picker).send_keys(str(photo))
        wait_for(lambda: driver.execute_script(uploading), 30)
        type_into(driver, f"{prefix}option-width", "40")
        wait_for(lambda: driver.execute_script(at_40_mm, view), 240)
        assert console_errors(driver) == []

    driver = browser(tmp_path, size=DESKTOP)
    try:
        log_in(driver, server)
        open_tab(driver)
        pick_then_change_the_width(driver, "img2print-", "img2print-file", "#img2print")
    finally:
        driver.quit()
    driver = phone_browser(tmp_path / "phone")
    try:
        log_in(driver, server)
        driver.get(f"http://127.0.0.1:{server.port}/plugin/img2print/phone")
        pick_then_change_the_width(driver, "", "photo", "#view3d")
    finally:
        driver.quit()

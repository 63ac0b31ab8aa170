"""The CSS cascade of an SVG: presentation attributes, <style> sheets (any CSS selector, through cssselect2) and
style attributes, by priority and specificity; then inheritance down the drawing."""

from __future__ import annotations

from typing import Any

PROPERTIES = {"fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-opacity", "stroke-linecap",
              "stroke-linejoin", "stroke-miterlimit", "stroke-dasharray", "stroke-dashoffset", "opacity", "display",
              "visibility", "color", "font-family", "font-size", "font-weight", "font-style", "font",
              "text-anchor", "letter-spacing", "word-spacing", "clip-path", "clip-rule", "transform-origin",
              "paint-order", "overflow", "mask", "vector-effect", "marker-start", "marker-mid", "marker-end",
              "filter", "white-space", "direction", "stop-color", "stop-opacity", "transform", "transform-box"}
INHERITED = {"fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-opacity", "stroke-linecap",
             "stroke-linejoin", "stroke-miterlimit", "stroke-dasharray", "stroke-dashoffset", "visibility", "color",
             "font-family", "font-size", "font-weight", "font-style", "text-anchor", "letter-spacing",
             "word-spacing", "clip-rule", "paint-order", "marker-start", "marker-mid", "marker-end", "white-space",
             "direction"}
INITIAL = {"fill": "black", "fill-opacity": "1", "fill-rule": "nonzero", "stroke": "none", "stroke-width": "1",
           "stroke-opacity": "1", "stroke-linecap": "butt", "stroke-linejoin": "miter", "stroke-miterlimit": "4",
           "stroke-dasharray": "none", "stroke-dashoffset": "0", "opacity": "1", "display": "inline",
           "visibility": "visible", "color": "black", "font-family": "sans-serif", "font-weight": "400",
           "font-style": "normal", "text-anchor": "start", "letter-spacing": "normal", "word-spacing": "normal",
           "clip-path": "none", "clip-rule": "nonzero", "transform-origin": "0 0", "paint-order": "normal",
           "overflow": "visible", "mask": "none", "vector-effect": "none", "marker-start": "none",
           "marker-mid": "none", "marker-end": "none", "filter": "none", "white-space": "normal",
           "direction": "ltr", "stop-color": "black", "stop-opacity": "1", "transform": "none",
           "transform-box": "view-box"}
PRESENTATION, SHEET, ATTRIBUTE, SHEET_IMPORTANT, ATTRIBUTE_IMPORTANT = range(5)
FONT_STYLES = {"italic", "oblique"}
FONT_WEIGHTS = {"bold", "bolder", "lighter", "100", "200", "300", "400", "500", "600", "700", "800", "900"}

MAX_SELECTOR_TESTS = 10_000_000  # style rules times elements; about 7 s of matching here

Style = dict[str, str]


class TooManyRules(Exception):
    """The style sheets would take too long to match against the drawing."""


def _declarations(tokens: Any) -> list[tuple[str, str, bool]]:
    """(property, value, important) of a CSS declaration list."""
    import tinycss2

    found = []
    for item in tinycss2.parse_declaration_list(tokens, skip_whitespace=True, skip_comments=True):
        if item.type == "declaration":
            found.append((item.lower_name, tinycss2.serialize(item.value).strip(), bool(item.important)))
    return found


def _font_shorthand(value: str) -> dict[str, str]:
    """``font: [style] [weight] size[/line-height] family``, as longhands."""
    words = value.replace(",", ", ").split()
    longhands: dict[str, str] = {}
    for index, word in enumerate(words):
        lower = word.lower()
        if lower in FONT_STYLES:
            longhands["font-style"] = lower
        elif lower in FONT_WEIGHTS:
            longhands["font-weight"] = lower
        elif lower[:1].isdigit() or lower[:1] == ".":
            longhands["font-size"] = word.split("/")[0]
            longhands["font-family"] = " ".join(words[index + 1:]).replace(" ,", ",")
            break
    return longhands


def _expanded(name: str, value: str) -> list[tuple[str, str]]:
    if name == "font":
        return list(_font_shorthand(value).items())
    if name == "marker":
        return [(f"marker-{end}", value) for end in ("start", "mid", "end")]
    return [(name, value)] if name in PROPERTIES else []


class Cascade:
    """The declared properties of every element of one drawing."""

    def __init__(self, root: Any) -> None:
        self._rules: dict[int, list[tuple[tuple[int, ...], str, str]]] = {}
        self._sheet(root)

    def _sheet(self, root: Any) -> None:
        """Match the rules of every <style> element against the whole drawing, once."""
        import cssselect2
        import tinycss2

        matcher = cssselect2.Matcher()
        order = 0
        for style in root.iter():
            if style.tag.rsplit("}", 1)[-1] != "style" or style.get("type", "text/css") not in ("text/css", ""):
                continue
            for rule in tinycss2.parse_stylesheet("".join(style.itertext()), skip_comments=True,
                                                  skip_whitespace=True):
                if rule.type != "qualified-rule":
                    continue
                try:
                    selectors = cssselect2.compile_selector_list(rule.prelude)
                except cssselect2.SelectorError:
                    continue
                for selector in selectors:
                    order += 1
                    matcher.add_selector(selector, (order, _declarations(rule.content)))
        if order == 0:
            return
        if order * sum(1 for _ in root.iter()) > MAX_SELECTOR_TESTS:
            raise TooManyRules
        for wrapper in cssselect2.ElementWrapper.from_xml_root(root).iter_subtree():
            for specificity, _order, _pseudo, (rule_order, declarations) in matcher.match(wrapper):
                for name, value, important in declarations:
                    level = SHEET_IMPORTANT if important else SHEET
                    for longhand, text in _expanded(name, value):
                        self._rules.setdefault(id(wrapper.etree_element), []).append(
                            ((level, *specificity, rule_order), longhand, text))

    def declared(self, element: Any) -> Style:
        """The element's own winning declarations (presentation attributes, then sheets, then style)."""
        candidates: list[tuple[tuple[int, ...], str, str]] = []
        for key, value in element.attrib.items():
            for name, text in _expanded(key.rsplit("}", 1)[-1], value):
                candidates.append(((PRESENTATION,), name, text))
        candidates += self._rules.get(id(element), [])
        if element.get("style"):
            for name, value, important in _declarations(element.get("style")):
                for longhand, text in _expanded(name, value):
                    candidates.append(((ATTRIBUTE_IMPORTANT if important else ATTRIBUTE,), longhand, text))
        candidates.sort(key=lambda candidate: candidate[0])
        return {name: value for _priority, name, value in candidates}


def _weight(value: str, parent: str) -> str:
    """A computed font-weight (1 to 1000): keywords, and bolder or lighter relative to the parent's (CSS Fonts 4);
    a value out of range is in error, so the parent's stays."""
    inherited = int(parent) if parent.isdigit() else 400
    word = value.strip().lower()
    if word in ("normal", "bold"):
        return "400" if word == "normal" else "700"
    if word == "bolder":
        return "400" if inherited < 350 else "700" if inherited < 550 else "900"
    if word == "lighter":
        return "100" if inherited < 550 else "400" if inherited < 750 else "700"
    try:
        number = float(word)
    except ValueError:
        return str(inherited)
    return str(round(number)) if 1 <= number <= 1000 else str(inherited)


def computed(parent: Style, declared: Style) -> Style:
    """An element's style: its declarations, what it inherits, the initial values, and ``inherit`` resolved."""
    style = {name: parent[name] for name in INHERITED if name in parent}
    for name in PROPERTIES - INHERITED:
        style[name] = INITIAL.get(name, "")
    for name, value in declared.items():
        word = value.strip().lower()
        if word == "inherit":
            style[name] = parent.get(name, INITIAL.get(name, ""))
        elif word == "initial":
            style[name] = INITIAL.get(name, "")
        else:
            style[name] = value
    if "font-weight" in declared:
        style["font-weight"] = _weight(style["font-weight"], parent.get("font-weight", "400"))
    return style


def root_style() -> Style:
    """The style a drawing's root inherits from: every initial value."""
    return dict(INITIAL)

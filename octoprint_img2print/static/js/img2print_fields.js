/* The option fields of img2print's tab and phone page, made from a mode's own description in the API's listing:
   label with unit, range and help; numbers read and written in the reader's language (a decimal comma in German,
   French, Spanish); an invalid value explained at its field. Each page passes its own gettext. */
(function (root) {
    var fill = root.Img2PrintCommon.fill;

    // the decimal symbol of a language ("," for de, fr, es; "." for en)
    function decimalSymbol(locale) {
        var parts = new Intl.NumberFormat(locale).formatToParts(1.5);
        var decimal = parts.filter(function (part) { return part.type === "decimal"; })[0];
        return decimal ? decimal.value : ".";
    }

    // a number as the reader writes it, without grouping so that it can be typed back ("2,5" in German)
    function formatNumber(value, locale) {
        if (value === null || value === undefined || value === "") return "";
        return Number(value).toLocaleString(locale, {maximumFractionDigits: 6, useGrouping: false});
    }

    // what the reader typed as a number: "2,5" or "2.5" (either symbol is taken as the decimal one), else NaN
    function parseNumber(text, locale) {
        var plain = String(text).trim().replace(/[\s\u00a0\u202f]/g, "");
        if (decimalSymbol(locale) !== ".") plain = plain.replace(decimalSymbol(locale), ".");
        plain = plain.replace(",", ".");
        return /^[-+]?(\d+\.?\d*|\.\d+)$/.test(plain) ? parseFloat(plain) : NaN;
    }

    // the allowed values of a number option, as a reader reads them ("0,1 to 10 mm", "at least 0 mm")
    function rangeText(option, locale, gettext) {
        var unit = option.unit ? " " + option.unit : "", low = formatNumber(option.min, locale),
            high = formatNumber(option.max, locale);
        if (option.type !== "number" && option.type !== "integer") return "";
        if (low !== "" && high !== "") {
            return fill(option.min_exclusive ? gettext("more than {low}, up to {high}") : gettext("{low} to {high}"),
                        {low: low, high: high}) + unit;
        }
        if (low !== "") return fill(option.min_exclusive ? gettext("more than {low}") : gettext("at least {low}"), {low: low}) + unit;
        if (high !== "") return fill(gettext("at most {high}"), {high: high}) + unit;
        return "";
    }

    // why a typed value cannot be used, or "" when it can (an empty field leaves the option to its default; a list of
    // several choices needs one at least)
    function problem(option, text, locale, gettext) {
        if (option.type === "choices") return String(text).trim() === "" ? gettext("Choose at least one.") : "";
        if (option.type !== "number" && option.type !== "integer") return "";
        if (String(text).trim() === "") return "";
        var value = parseNumber(text, locale);
        if (isNaN(value)) return fill(gettext("Type a number, such as {example}."), {example: formatNumber(2.5, locale)});
        if (option.type === "integer" && value !== Math.round(value)) return gettext("Type a whole number.");
        var tooLow = option.min !== null && option.min !== undefined && (option.min_exclusive ? value <= option.min : value < option.min);
        var tooHigh = option.max !== null && option.max !== undefined && value > option.max;
        return tooLow || tooHigh ? fill(gettext("Allowed: {range}."), {range: rangeText(option, locale, gettext)}) : "";
    }

    // a field's plain description: what both pages show for one option, and the text it starts with
    function describe(option, start, locale, gettext) {
        var number = option.type === "number" || option.type === "integer";
        var first = start === null || start === undefined ? "" : start;
        return {name: option.name, type: option.type, number: number, main: option.main,
                label: option.label + (option.unit ? " (" + option.unit + ")" : ""), help: option.help,
                range: rangeText(option, locale, gettext), choices: option.choices || [], option: option,
                initial: number ? formatNumber(first, locale) : first,
                // what an emptied field is made with: the option's own default, where the listing gives one
                placeholder: option.default === null || option.default === undefined || option.type === "boolean" ? ""
                    : number ? formatNumber(option.default, locale) : String(option.default),
                // a choice without a default of its own (a slicing option: the intent's) starts at "Default"
                caption: option.type === "choice" && first === "" ? gettext("Default") : undefined};
    }

    // what a field left empty is made with, as a preview's slicing plan says (``value``; undefined: the field's own
    // default): a number as its placeholder, a choice's label in its menu's first item ("Default: Skirt")
    function used(field, value, locale, gettext) {
        if (value === null || value === undefined) return {placeholder: field.placeholder, caption: field.caption};
        if (field.number) return {placeholder: formatNumber(value, locale), caption: field.caption};
        var choice = field.choices.filter(function (item) { return item.value === value; })[0];
        return {placeholder: field.placeholder,
                caption: choice ? fill(gettext("Default: {choice}"), {choice: choice.label}) : field.caption};
    }

    // the value an option is sent with, from the field's text (numbers as numbers; null for an empty field)
    function valueOf(field, text, locale) {
        if (!field.number) return text;
        return String(text).trim() === "" ? null : parseNumber(text, locale);
    }

    root.Img2PrintFields = {describe: describe, problem: problem, used: used, valueOf: valueOf,
                            formatNumber: formatNumber, parseNumber: parseNumber};
})(window);

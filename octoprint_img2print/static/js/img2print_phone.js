/* The phone page: take or choose a photo, pick what to make and its options (from the API's listing: the main
   ones shown, the rest under "More"), see the preview, slice and print. Texts come translated from the page
   itself. */
(function () {
    var text = JSON.parse(document.getElementById("texts").textContent);
    var api = "../../api/plugin/img2print", upload = "upload";
    var modes = [], photo = null, job = null;  // job: null when idle, "" while uploading, else its id
    var defaults = {modes: {}}, extra = {};  // the settings' defaults; options set by a fix the form does not show
    var previewing = null, previewed = null, blocked = false;  // what the last preview was made of, and its verdict
    var printer = null;  // OctoPrint's printer as the API tells it: state, occupied, file, message

    function $(id) { return document.getElementById(id); }
    function csrf() {
        var match = document.cookie.match(/csrf_token_P\d+=([^;]+)/) || document.cookie.match(/csrf_token=([^;]+)/);
        return match ? decodeURIComponent(match[1]) : "";
    }
    function current() {
        return modes.filter(function (mode) { return mode.id === $("mode").value; })[0];
    }

    // the fields are made as in the tab (img2print_fields.js), with this page's catalogue; numbers as the reader
    // writes them
    var Fields = window.Img2PrintFields, fields = {}, slicing = {};  // the mode's options; the slicing options
    var catalogue = JSON.parse(document.getElementById("catalogue").textContent);
    var locale = document.documentElement.dataset.locale.replace("_", "-");
    function gettext(message) { return catalogue[message] || message; }

    // one option as a labelled input with its range and help, and a line for what is wrong with its value
    function fieldElement(field, prefix) {
        var box = document.createElement("div"), id = prefix + field.name, input, label = document.createElement("label");
        var chosen = null;  // what a list of several choices holds, said under it
        box.className = "field";
        label.htmlFor = id;
        label.textContent = field.label;
        if (field.type === "choices") {  // several of the choices, ticked in a list, sent comma-separated
            input = document.createElement("div");
            input.className = "checklist";
            input.setAttribute("role", "group");
            var initial = String(field.initial || "").split(",");
            field.choices.forEach(function (choice) {
                var line = document.createElement("label"), box = document.createElement("input");
                box.type = "checkbox";
                box.value = choice.value;
                box.checked = initial.indexOf(choice.value) >= 0;
                line.appendChild(box);
                line.appendChild(document.createTextNode(choice.label));
                input.appendChild(line);
            });
            chosen = document.createElement("p");
            chosen.className = "help chosen";
            var tell = function () {
                var values = checkedIn(input).split(",");
                var labels = field.choices.filter(function (c) { return values.indexOf(c.value) >= 0; })
                    .map(function (c) { return c.label; });
                chosen.textContent = labels.length ? gettext("Chosen: {list}").replace("{list}", labels.join(", ")) : "";
            };
            input.addEventListener("change", tell);
            tell();
        } else if (field.type === "choice") {
            input = document.createElement("select");
            if (field.caption !== undefined) {
                var caption = document.createElement("option");
                caption.value = "";
                caption.textContent = field.caption;
                input.appendChild(caption);
            }
            field.choices.forEach(function (choice) {
                var item = document.createElement("option");
                item.value = choice.value;
                item.textContent = choice.label;
                input.appendChild(item);
            });
            input.value = field.initial === null ? "" : field.initial;
        } else if (field.type === "boolean") {
            input = document.createElement("input");
            input.type = "checkbox";
            input.checked = !!field.initial;
            label.className = "option-check";
            label.insertBefore(input, label.firstChild);
        } else if (field.option.multiline) {
            input = document.createElement("textarea");
            input.rows = 2;
            input.value = field.initial;
        } else {
            input = document.createElement("input");
            input.type = "text";
            if (field.number) input.inputMode = "decimal";
            input.autocomplete = "off";
            input.value = field.initial;
        }
        input.id = id;
        input.dataset.option = field.name;
        var help = document.createElement("p"), problem = document.createElement("p");
        help.className = "help";
        help.id = id + "-help";
        if (field.range) {  // as in the tab: the allowed values in bold, then what the option does
            var range = document.createElement("strong");
            range.textContent = field.range;
            help.appendChild(range);
            help.appendChild(document.createTextNode(" "));
        }
        help.appendChild(document.createTextNode(field.help));
        problem.className = "problem error";
        problem.id = id + "-problem";
        problem.hidden = true;
        input.setAttribute("aria-describedby", help.id);
        box.appendChild(label);
        if (field.type !== "boolean") box.appendChild(input);
        if (chosen) box.appendChild(chosen);
        box.appendChild(problem);
        box.appendChild(help);
        return box;
    }

    // every option of the chosen mode: the main ones shown, the rest under "More"
    function showOptions() {
        var main = $("options"), more = $("more-options"), mode = current();
        main.innerHTML = "";
        more.innerHTML = "";
        fields = {};
        $("description").textContent = mode ? mode.description : "";
        if (!mode) return;
        var own = (defaults.modes[mode.id] || {}).width;
        mode.options.forEach(function (option) {
            var start = option.name === "width" ? (own || mode.default_width) : option.default;
            var field = Fields.describe(option, start === undefined ? null : start, locale, gettext);
            fields[field.name] = field;
            field.box = fieldElement(field, "option-");
            (option.main ? main : more).appendChild(field.box);
        });
        showApplying();
    }
    // an option that says which shapes it belongs to (an arc's angle) is shown and sent for those only; the
    // slicing's filament is not for a mode that prints in its own filaments (a painting)
    function showApplying() {
        var mode = current(), shape = $("option-shape");
        Object.keys(fields).forEach(function (name) {
            var shapes = fields[name].option.shapes;
            fields[name].box.hidden = !!shapes && !!shape && shapes.indexOf(shape.value) < 0;
        });
        if (slicing.filament) slicing.filament.box.hidden = !!(mode && mode.own_filaments);
        $("more").hidden = !Array.prototype.some.call($("more-options").children, function (box) { return !box.hidden; });
    }
    function applies(field) { return !field.box || !field.box.hidden; }

    // the slicing options (layers, walls, infill, supports, ...), all under their own "Slicing options"
    function showSlicing(listed) {
        listed.forEach(function (option) {
            var field = Fields.describe(option, option.default === undefined ? null : option.default, locale, gettext);
            slicing[field.name] = field;
            field.box = fieldElement(field, "slicing-");
            $("slicing-options").appendChild(field.box);
        });
        showApplying();
    }

    // the value's problem shown at its field; true when every field can be used
    function checkFields() {
        var fine = true;
        [[fields, "option-"], [slicing, "slicing-"]].forEach(function (group) {
            Object.keys(group[0]).forEach(function (name) {
                var input = $(group[1] + name), said = $(group[1] + name + "-problem");
                var value = input && group[0][name].type === "choices" ? checkedIn(input) : input && input.value;
                var problem = input && applies(group[0][name]) ? Fields.problem(group[0][name].option, value, locale, gettext) : "";
                said.textContent = problem;
                said.hidden = !problem;
                if (input) input.setAttribute("aria-invalid", problem ? "true" : "false");
                if (problem) fine = false;
            });
        });
        return fine;
    }

    // the values ticked in a list of several choices, comma-separated
    function checkedIn(list) {
        return Array.prototype.filter.call(list.querySelectorAll("input"), function (box) { return box.checked; })
            .map(function (box) { return box.value; }).join(",");
    }
    // the fields' values that differ from their defaults (a width always), as the API takes them
    function chosenOf(group, prefix, chosen) {
        Object.keys(group).forEach(function (name) {
            var field = group[name], input = $(prefix + name);
            if (!input || !applies(field)) return;
            if (field.type === "boolean") {
                if (input.checked !== !!field.initial) chosen[name] = input.checked;
                return;
            }
            var value = field.type === "choices" ? checkedIn(input) : input.value;
            if (value === "" || value === field.initial && name !== "width") return;
            if (Fields.problem(field.option, value, locale, gettext)) return;
            chosen[name] = Fields.valueOf(field, value, locale);
        });
        return chosen;
    }
    function options() { return chosenOf(fields, "option-", Object.assign({}, extra)); }
    function overrides() { return chosenOf(slicing, "slicing-", {}); }

    fetch(api, {credentials: "same-origin"}).then(function (answer) {
        if (!answer.ok) { $("login").hidden = false; return; }
        answer.json().then(function (listing) {
            modes = listing.modes;
            defaults = listing.defaults;
            modes.forEach(function (mode) {
                var item = document.createElement("option");
                item.value = mode.id;
                item.textContent = mode.label;
                $("mode").appendChild(item);
            });
            showOptions();
            showSlicing(listing.overrides);
            showFilaments(listing.overrides);
            showPrinter(listing.printer_state);
            $("app").hidden = false;
        });
    });
    $("mode").addEventListener("change", function () { extra = {}; showOptions(); enable(); });
    ["options", "more-options", "slicing-options"].forEach(function (box) {
        $(box).addEventListener("input", enable);
        $(box).addEventListener("change", enable);
    });
    $("options").addEventListener("change", function (event) {
        if (event.target.id === "option-shape") { showApplying(); enable(); }
    });
    $("photo").addEventListener("change", function (event) {
        photo = event.target.files[0] || null;
        $("picked").textContent = photo ? photo.name : "";
        if ($("picture").src) URL.revokeObjectURL($("picture").src);
        $("picture").src = photo ? URL.createObjectURL(photo) : "";
        showMarks([]);
        enable();
        if (photo && /\.svg$/i.test(photo.name)) {
            var drawing = modes.filter(function (mode) { return mode.default_for.indexOf("drawing") >= 0; })[0];
            if (drawing) { $("mode").value = drawing.id; showOptions(); }
        }
    });

    function number(value, digits) { return Number(value).toLocaleString(locale, {maximumFractionDigits: digits || 0}); }
    function fill(template, values) {
        return template.replace(/\{(\w+)\}/g, function (whole, name) { return values[name]; });
    }
    function duration(seconds) {
        var minutes = Math.round((seconds || 0) / 60);
        return minutes >= 60 ? fill(text.hours, {hours: number(Math.floor(minutes / 60)), minutes: minutes % 60})
            : fill(text.minutes, {minutes: minutes});
    }
    // what a preview is made of: the photo, the mode, its options and the slicing options
    function asked() { return JSON.stringify([photo && photo.name, $("mode").value, options(), overrides()]); }
    // words alone (the Text option of a mode that has it), or a mode that reads nothing (a card), need no photo
    function wordsOnly() {
        var mode = modes.filter(function (m) { return m.id === $("mode").value; })[0];
        return !photo && (String(options().text || "").trim() !== "" || !!(mode && mode.reads === "nothing"));
    }
    function enable() {
        var current = previewed !== null && previewed === asked(), usable = checkFields(), given = photo || wordsOnly();
        var busy = !!(printer && printer.occupied);  // a print is on the bed: nothing more may start
        $("preview").disabled = !given || job !== null || !usable;
        $("print").disabled = !given || job !== null || !$("bed-clear").checked || !current || blocked || !usable || busy;
        $("print").hidden = $("bed-clear-label").hidden = busy;
        $("preview-first").hidden = !given || current || busy;
        $("result-print").disabled = !$("result-bed-clear").checked || busy;
        if (busy) $("result-print").hidden = $("result-bed-clear-label").hidden = true;
    }

    // the printer's state, said above the print controls and asked again every few seconds while the page is seen:
    // while a print is on its bed (that file or any other) the page offers neither "bed is clear" nor Print
    function showPrinter(state) {
        var was = printer;
        printer = state || null;
        $("printer-state").textContent = printer ? printer.message : "";
        $("printer-state").className = "printer-state " + (printer ? printer.state : "");
        if (was && was.occupied && printer && !printer.occupied && $("result-file").textContent) {
            var gcode = /\.gcode$/i.test($("result-file").textContent);  // the print ended: the card may print again
            $("result-print").hidden = $("result-bed-clear-label").hidden = !gcode;
        }
        enable();
    }
    function askPrinter() {
        if (document.visibilityState === "visible" && !$("app").hidden) {
            fetch(api + "?printer", {credentials: "same-origin"})
                .then(function (answer) { return answer.ok ? answer.json() : null; })
                .then(function (answer) { if (answer) showPrinter(answer.printer); })
                .catch(function () { return null; });
        }
    }
    setInterval(askPrinter, 3000);
    document.addEventListener("visibilitychange", askPrinter);
    $("bed-clear").addEventListener("change", enable);
    $("result-bed-clear").addEventListener("change", enable);

    function send(action) {
        if (action === "preview") previewing = asked();
        if (!photo) { sendWords(action); return; }
        var form = new FormData();
        form.append("file", photo, photo.name);
        form.append("action", action);
        form.append("mode", $("mode").value);
        var intent = (defaults.modes[$("mode").value] || {}).intent;
        if (intent) form.append("intent", intent);
        form.append("options", JSON.stringify(options()));
        form.append("overrides", JSON.stringify(overrides()));
        if (action === "print") { form.append("bed_clear", "true"); $("bed-clear").checked = false; }
        $("status").textContent = text.uploading;
        $("bar").value = 0;
        $("progress").hidden = false;
        $("error").textContent = "";
        $("result").hidden = true;
        job = "";
        enable();
        fetch(upload, {method: "POST", body: form, credentials: "same-origin", headers: {"X-CSRF-Token": csrf()}})
            .then(function (answer) { return answer.json().then(function (data) { return {ok: answer.ok, data: data}; }); })
            .then(function (reply) {
                if (!reply.ok) { fail(reply.data.error.message, action === "preview"); return; }
                job = reply.data.id;
                listed = reply.data.file;
                poll();
            });
    }
    // the filaments one may calibrate: the slicing options' filament menu
    function showFilaments(overrides) {
        var filament = overrides.filter(function (option) { return option.name === "filament"; })[0];
        (filament ? filament.choices : []).forEach(function (choice) {
            var item = document.createElement("option");
            item.value = choice.value;
            item.textContent = choice.label;
            $("calibrate-filament").appendChild(item);
        });
        if (filament) $("calibrate-filament").value = filament.default;
    }
    // the card against a light, taken first: said under the calibration until the card's photo is taken
    $("calibrate-backlit").addEventListener("change", function () {
        var light = $("calibrate-backlit").files[0];
        $("calibrated").className = "";
        $("calibrated").textContent = light ? text.backlitChosen.replace("{file}", light.name) : "";
    });
    // a photo of a TD card: the filament fitted and kept, and how well it fitted
    $("calibrate-photo").addEventListener("change", function () {
        var picked = $("calibrate-photo").files[0];
        if (!picked) return;
        var form = new FormData();
        form.append("file", picked, picked.name);
        var light = $("calibrate-backlit").files[0];  // the card against a light, when taken first: its TD too
        if (light) form.append("backlit", light, light.name);
        form.append("filament", $("calibrate-filament").value);
        $("calibrated").textContent = text.working;
        fetch("calibrate", {method: "POST", body: form, credentials: "same-origin", headers: {"X-CSRF-Token": csrf()}})
            .then(function (answer) { return answer.json().then(function (data) { return {ok: answer.ok, data: data}; }); })
            .then(function (reply) {
                $("calibrated").textContent = reply.ok ? reply.data.message : reply.data.error.message;
                $("calibrated").className = reply.ok ? "" : "error";
            });
        $("calibrate-photo").value = "";
        $("calibrate-backlit").value = "";
    });
    // what needs no photo goes as a command on no file: the answer is the job
    function sendWords(action) {
        var body = {command: action === "print" ? "slice" : action, file: "", mode: $("mode").value,
                    options: options(), overrides: overrides()};
        var intent = (defaults.modes[$("mode").value] || {}).intent;
        if (intent) body.intent = intent;
        if (action === "print") { body.print = true; body.select = true; body.bed_clear = true; $("bed-clear").checked = false; }
        $("progress").hidden = false;
        $("error").textContent = "";
        $("result").hidden = true;
        job = "";
        enable();
        command(body).then(function (reply) {
            if (!reply.ok) { fail(reply.data.error.message, action === "preview"); return; }
            job = reply.data.id;
            poll();
        });
    }
    function fail(message, preview) {
        job = null;
        $("progress").hidden = true;
        if (preview) forgetPreview();
        $("error").textContent = message || text.failed;
        enable();
    }
    // a preview that failed leaves nothing of the one before on screen: its findings, 3D view and pictures belonged
    // to other options
    function forgetPreview() {
        showGroups([]);
        previewed = null;
        blocked = false;
        ["solid", "backlit", "no-webgl", "painted-figure"].forEach(function (id) { $(id).hidden = true; });
        $("solid").removeAttribute("src");
        $("backlit").removeAttribute("src");
        if (view3d) view3d.hide();
    }
    function showResult(result) {
        $("result-file").textContent = result.file;
        $("result-thumbnail").src = "thumbnail?path=" + encodeURIComponent(result.file);
        var facts = [];
        if (result.size_mm) facts.push(result.size_mm.map(function (v) { return number(v, 1); }).join(" × ") + " mm");
        if (result.estimated_time_s) facts.push(duration(result.estimated_time_s));
        if (result.filament_mm) facts.push(fill(text.filament, {metres: number(result.filament_mm / 1000, 2)}));
        $("result-facts").textContent = facts.join(" · ");
        var printing = result.print || null, gcode = /\.gcode$/i.test(result.file);
        $("print-state").textContent = printing ? (printing.started ? text.printing : printing.message) : "";
        $("print-state").className = printing && !printing.started ? "error" : "";
        $("result-print").hidden = $("result-bed-clear-label").hidden = !gcode || (printing !== null && printing.started);
        $("result").hidden = false;
        if (printing) askPrinter();
        enable();
    }
    function poll() {
        var polled = job;
        fetch(api + "?job=" + job, {credentials: "same-origin"}).then(function (answer) { return answer.json(); })
            .then(function (state) {
                if (job !== polled) return;  // replaced by a newer preview
                if (state.status === "queued" || state.status === "running") {
                    var said = state.status === "queued" ? (state.note || text.waiting)
                        : (text[state.stage] || text.working) + " " + number((state.progress || 0) * 100) + " %";
                    if (state.elapsed_s !== null && state.status === "running") said += " · " + number(state.elapsed_s) + " s";
                    $("status").textContent = said;
                    $("bar").value = Math.round((state.progress || 0) * 100);
                    setTimeout(poll, 700);
                    return;
                }
                if (state.status === "cancelled") { fail(text.cancelled); return; }
                if (state.status !== "done") previewing = null;
                if (state.status !== "done") { fail(state.error && state.error.message, state.action === "preview"); return; }
                job = null;
                $("progress").hidden = true;
                var result = state.result || {};
                showGroups(result.groups || []);
                if (result.preview) {
                    $("solid").src = result.preview;
                    $("solid").hidden = hasView3d;
                    $("no-webgl").hidden = hasView3d;
                    previewed = previewing;
                    blocked = (result.groups || []).some(function (group) { return group.level === "error"; });
                }
                if (result.backlit) { $("backlit").src = result.backlit; $("backlit").hidden = hasView3d; }
                if (result.preview) { $("painted").src = result.painted || ""; $("painted-figure").hidden = !result.painted; }
                if (result.view) showView3d(state.id, result.view);
                if (result.file) showResult(result);
                enable();
            });
    }
    // the live 3D view of the latest preview (img2print_view3d.js), or the pictures where there is no WebGL
    var hasView3d = window.Img2PrintView3D.supported(), view3d = null;
    function showView3d(id, view) {
        view3d = view3d || window.Img2PrintView3D.create($("view3d"), {
            vendor: new URL("static/vendor/", window.location.href).href, locale: locale, gettext: gettext});
        view3d.show(view, "view?job=" + encodeURIComponent(id))
            .catch(function () { $("error").textContent = gettext("The 3D view could not be shown."); });
    }
    // the findings by kind, each with its fix where there is one: the fix sets the option and previews again
    function showMarks(groups) {
        var box = $("marked"), picture = $("picture");
        Array.prototype.forEach.call(box.querySelectorAll(".mark"), function (mark) { mark.remove(); });
        var places = [];
        groups.forEach(function (group) {
            (group.places || []).forEach(function (place) { places.push([group.level, place]); });
        });
        box.hidden = places.length === 0 || !picture.naturalWidth;
        places.forEach(function (item) {
            var mark = document.createElement("span");
            mark.className = "mark " + item[0];
            mark.style.left = (100 * item[1][0] / picture.naturalWidth) + "%";
            mark.style.top = (100 * item[1][1] / picture.naturalHeight) + "%";
            box.appendChild(mark);
        });
    }
    function showGroups(groups) {
        showMarks(groups);
        $("findings").innerHTML = "";
        groups.forEach(function (group) {
            var line = document.createElement("p");
            line.className = "finding " + group.level;
            line.textContent = group.summary;
            if (group.detail) {
                var detail = document.createElement("small");
                detail.className = "detail";
                detail.textContent = group.detail;
                line.appendChild(document.createElement("br"));
                line.appendChild(detail);
            }
            if (group.fix) {
                var button = document.createElement("button");
                button.className = "fix";
                button.textContent = group.fix.label;
                button.addEventListener("click", function () {
                    var input = document.querySelector("[data-option='" + group.fix.option + "']");
                    if (input && input.type === "checkbox") input.checked = !!group.fix.value;
                    else if (input) {
                        var fixed = fields[group.fix.option] || slicing[group.fix.option];
                        input.value = fixed.number ? Fields.formatNumber(group.fix.value, locale) : group.fix.value;
                    }
                    else extra[group.fix.option] = group.fix.value;
                    send("preview");
                });
                line.appendChild(button);
            }
            $("findings").appendChild(line);
        });
    }

    // a command to img2print's API, answered as {ok, data}
    function command(body) {
        return fetch(api, {method: "POST", credentials: "same-origin",
                           headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf()},
                           body: JSON.stringify(body)})
            .then(function (answer) { return answer.json().then(function (data) { return {ok: answer.ok, data: data}; }); });
    }

    // the preview follows the options once this photo has been previewed: 600 ms after the last change, without
    // sending the photo again (it is in OctoPrint's file list); a running follow-up preview is replaced by the newer
    // one, other jobs finish first
    var listed = null, following = null, changed = null;
    function followChanges() {
        if (changed) clearTimeout(changed);
        changed = setTimeout(function () {
            changed = null;
            if (!listed || previewed === null || previewed === asked() || !checkFields()) return;
            if (job !== null && job !== following) { followChanges(); return; }
            if (job) command({command: "cancel", job: job});
            var body = {command: "preview", file: listed, mode: $("mode").value, options: options(), overrides: overrides()};
            var intent = (defaults.modes[$("mode").value] || {}).intent;
            if (intent) body.intent = intent;
            previewing = asked();
            job = "";
            $("error").textContent = "";
            enable();
            command(body).then(function (reply) {
                if (!reply.ok) { fail(reply.data.error.message, true); return; }
                job = following = reply.data.id;
                $("progress").hidden = false;
                poll();
            });
        }, 600);
    }
    ["options", "more-options", "slicing-options"].forEach(function (box) {
        $(box).addEventListener("input", followChanges);
        $(box).addEventListener("change", followChanges);
    });
    $("mode").addEventListener("change", followChanges);
    $("photo").addEventListener("change", function () {
        listed = null;
        if (view3d) view3d.hide();  // the view showed the photo before
    });

    $("cancel").addEventListener("click", function () {
        if (job) command({command: "cancel", job: job});
    });
    $("result-print").addEventListener("click", function () {
        var file = $("result-file").textContent;
        $("result-bed-clear").checked = false;
        command({command: "print", file: file, bed_clear: true})
            .then(function (reply) {
                $("print-state").textContent = reply.ok ? text.printing : (reply.data.error.message || text.notStarted);
                $("print-state").className = reply.ok ? "" : "error";
                if (reply.ok) $("result-print").hidden = $("result-bed-clear-label").hidden = true;
                askPrinter();
                enable();
            });
    });
    $("preview").addEventListener("click", function () { send("preview"); });
    $("print").addEventListener("click", function () { send("print"); });
})();

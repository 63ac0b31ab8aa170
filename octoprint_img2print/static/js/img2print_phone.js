/* The phone page: take or choose a photo, pick what to make and its options (from the API's listing: the main
   ones shown, the rest under "More"), see the preview, slice and print. Texts come translated from the page's own
   catalogue; what the tab does alike (numbers, progress, facts, the jobs' client) is img2print_common.js. */
(function () {
    var api = "../../api/plugin/img2print";
    var Common = window.Img2PrintCommon, Fields = window.Img2PrintFields;
    var catalogue = JSON.parse(document.getElementById("catalogue").textContent);
    var locale = document.documentElement.dataset.locale.replace("_", "-");
    var say = Common.reader(locale, gettext);
    var jobs = Common.jobs({api: api, upload: "upload", gettext: gettext}, showJob);
    var modes = [], intents = [], stages = {}, fileKinds = {}, photo = null;
    var fields = {}, slicing = {};  // the mode's options; the slicing options
    var defaults = {modes: {}}, extra = {};  // the settings' defaults; options set by a fix the form does not show
    var previewing = null, previewed = null, blocked = false;  // what the last checks (a preview's, a print's) were made of, and their verdict
    var printer = null;  // OctoPrint's printer as the API tells it: state, occupied, file, message
    var listed = null, following = null, changed = null;  // the photo in OctoPrint's list; the follow-up preview
    var sent = null;  // the last photo sent (uploaded)
    var hasView3d = window.Img2PrintView3D.supported(), view3d = null, viewed = null;  // viewed: what it shows was asked
    var framing = Common.framing($("framing"), {gettext: gettext, number: say.number, button: "secondary", change: framed});

    function $(id) { return document.getElementById(id); }
    function gettext(message) { return catalogue[message] || message; }
    function kindOf(name) { return Common.kindOf(name, fileKinds); }
    function current() {
        return modes.filter(function (mode) { return mode.id === $("mode").value; })[0];
    }

    // --- the option fields (made as in the tab by img2print_fields.js, numbers as the reader writes them) ---------

    // several choices ticked in a list (sent comma-separated), with what it holds said under it
    function checklist(field) {
        var list = document.createElement("div"), chosen = document.createElement("p");
        var initial = String(field.initial || "").split(",");
        list.className = "checklist";
        list.setAttribute("role", "group");
        field.choices.forEach(function (choice) {
            var line = document.createElement("label"), box = document.createElement("input");
            box.type = "checkbox";
            box.value = choice.value;
            box.checked = initial.indexOf(choice.value) >= 0;
            line.appendChild(box);
            line.appendChild(document.createTextNode(choice.label));
            list.appendChild(line);
        });
        chosen.className = "help chosen";
        function tell() { chosen.textContent = say.chosen(field.choices, checkedIn(list).split(",")); }
        list.addEventListener("change", tell);
        tell();
        return [list, chosen];
    }
    // a menu's choices ({value, label}), put after its caption (the template's first item, of value "") in place of
    // the ones before
    function fillMenu(select, choices) {
        Array.prototype.slice.call(select.options).forEach(function (item) { if (item.value !== "") item.remove(); });
        choices.forEach(function (choice) {
            var item = document.createElement("option");
            item.value = choice.value;
            item.textContent = choice.label;
            select.appendChild(item);
        });
    }
    // one of the choices, from a menu ("Default" first for a choice without a default of its own)
    function menu(field) {
        var select = document.createElement("select");
        fillMenu(select, field.caption === undefined ? field.choices : [{value: "", label: field.caption}].concat(field.choices));
        select.value = field.initial === null ? "" : field.initial;
        return select;
    }
    // words or a number, typed
    function typed(field) {
        var input = document.createElement(field.option.multiline ? "textarea" : "input");
        if (field.option.multiline) input.rows = 2;
        else {
            input.type = "text";
            if (field.number) input.inputMode = "decimal";
            input.autocomplete = "off";
        }
        input.value = field.initial;
        input.placeholder = field.placeholder;  // what an emptied field is made with
        return input;
    }
    // the input of a field, with what is said under it (a list's choices) and where a tick box goes in its label
    function inputOf(field, label) {
        if (field.type === "choices") return checklist(field);
        if (field.type === "choice") return [menu(field), null];
        if (field.type !== "boolean") return [typed(field), null];
        var box = document.createElement("input");
        box.type = "checkbox";
        box.checked = !!field.initial;
        label.className = "option-check";
        label.insertBefore(box, label.firstChild);
        return [box, null];
    }
    // the allowed values in bold, as in the tab, then what the option does
    function helpOf(field, id) {
        var help = document.createElement("p");
        help.className = "help";
        help.id = id + "-help";
        if (field.range) {
            var range = document.createElement("strong");
            range.textContent = field.range;
            help.appendChild(range);
            help.appendChild(document.createTextNode(" "));
        }
        help.appendChild(document.createTextNode(field.help));
        return help;
    }
    // one option as a labelled input with its range and help, and a line for what is wrong with its value
    function fieldElement(field, prefix) {
        var box = document.createElement("div"), id = prefix + field.name, label = document.createElement("label");
        var problem = document.createElement("p"), help = helpOf(field, id);
        box.className = "field";
        label.htmlFor = id;
        label.textContent = field.label;
        var made = inputOf(field, label), input = made[0];
        input.id = id;
        input.dataset.option = field.name;
        input.setAttribute("aria-describedby", help.id);
        problem.className = "problem error";
        problem.id = id + "-problem";
        problem.hidden = true;
        box.appendChild(label);
        if (field.type !== "boolean") box.appendChild(input);
        if (made[1]) box.appendChild(made[1]);
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
        showIntents(mode);
        showApplying();
        followFraming();
    }
    // the intents the mode offers, the settings' intent for it chosen ("What the mode suggests" where none is set)
    function showIntents(mode) {
        fillMenu($("intent"), Common.intentsOf(mode, intents).map(function (intent) {
            return {value: intent.id, label: intent.name};
        }));
        $("intent").value = (defaults.modes[mode.id] || {}).intent || "";
    }

    // the framing control's angle and part put in their fields (under More), and previewed as any change is
    function framed(angle, box) {
        $("option-rotate").value = Fields.formatNumber(angle, locale);
        $("option-crop_box").value = box;
        enable();
        followChanges();
    }
    // the framing control follows the mode (shown for one that takes it), its fields and the shape the options fix
    function followFraming() {
        var taken = !!fields.rotate && !!fields.crop_box;
        framing.use(taken);
        if (!taken) return;
        framing.set(Fields.parseNumber($("option-rotate").value, locale), $("option-crop_box").value);
        framing.aspect(Common.framedAspect(options()));
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

    // --- the listing, the photo and the buttons --------------------------------------------------------------

    function showListing(listing) {
        modes = listing.modes;
        intents = listing.intents;
        defaults = listing.defaults;
        stages = listing.stages;
        fileKinds = listing.file_kinds;
        fillMenu($("mode"), modes.map(function (mode) { return {value: mode.id, label: mode.label}; }));
        fillMenu($("printer"), listing.printers.map(function (item) { return {value: item.id, label: item.name}; }));
        $("printer").value = defaults.printer || "";  // the settings' printer, else OctoPrint's
        showOptions();
        showSlicing(listing.overrides);
        showFilaments(listing.overrides);
        showPrinter(listing.printer_state);
        $("app").hidden = false;
    }
    function loadListing() {
        fetch(api, {credentials: "same-origin"}).then(function (answer) {
            if (!answer.ok) { $("login").hidden = false; return; }
            answer.json().then(showListing);
        });
    }
    // a photo picked: shown, a drawing made as a drawing, and previewed at once (the one in OctoPrint's list and
    // the preview before are no longer of it)
    function pickPhoto(event) {
        photo = event.target.files[0] || null;
        listed = previewed = null;
        if (view3d) view3d.hide();  // the view showed the photo before
        $("picked").textContent = photo ? photo.name : "";
        if ($("picture").src) URL.revokeObjectURL($("picture").src);
        var address = photo ? URL.createObjectURL(photo) : "";
        $("picture").src = address;
        framing.picture(address);
        showMarks([]);
        if (photo && kindOf(photo.name) === "drawings") {
            var drawing = modes.filter(function (mode) { return mode.default_for.indexOf("drawing") >= 0; })[0];
            if (drawing) { $("mode").value = drawing.id; showOptions(); }
        }
        enable();
        previewChanges();
    }

    // what a preview is made of: the photo, the mode, its options, the printer, the intent and the slicing options
    function asked() {
        return JSON.stringify([photo && photo.name, $("mode").value, options(), $("printer").value, $("intent").value,
                               overrides()]);
    }
    // no photo picked, and none needed (words alone, a card)
    function wordsOnly() { return !photo && Common.needsNoPicture(current(), options()); }
    function enable() {
        var shown = previewed !== null && previewed === asked(), usable = checkFields(), given = photo || wordsOnly();
        var busy = !!(printer && printer.occupied), working = jobs.busy();  // a print is on the bed: nothing may start
        $("preview").disabled = !given || working || !usable;
        $("print").disabled = !given || working || !$("bed-clear").checked || !shown || blocked || !usable || busy;
        $("print").hidden = $("bed-clear-label").hidden = busy;
        $("preview-first").hidden = !given || shown || busy;
        $("result-print").disabled = !$("result-bed-clear").checked || busy;
        if (busy) $("result-print").hidden = $("result-bed-clear-label").hidden = true;
        if (view3d) view3d.outdated(viewed !== asked(), asked(), current() ? current().options : []);
    }

    // the printer's state, said above the print controls and asked again every few seconds while the page is seen:
    // while a print is on its bed (that file or any other) the page offers neither "bed is clear" nor Print
    function showPrinter(state) {
        var was = printer;
        printer = state || null;
        $("printer-state").textContent = printer ? printer.message : "";
        $("printer-state").className = "printer-state " + (printer ? printer.state : "");
        if (was && was.occupied && printer && !printer.occupied && $("result-file").textContent) {
            var gcode = kindOf($("result-file").textContent) === "gcode";  // the print ended: the card may print again
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

    // --- the jobs: sent and followed by img2print_common.js, each state shown here -------------------------------

    // what a job asks for: the mode, its options, the printer and the intent chosen, and the slicing options
    function request() {
        var body = {mode: $("mode").value, options: options(), overrides: overrides()};
        if ($("printer").value) body.printer = $("printer").value;
        if ($("intent").value) body.intent = $("intent").value;
        if (hasView3d) body.pictures = false;  // the 3D view shows the solid (previews only make pictures)
        return body;
    }
    // the photo with the request, as the upload takes it
    function uploadForm(action) {
        var body = request(), form = new FormData();
        form.append("file", photo, photo.name);
        Object.keys(body).forEach(function (key) {
            form.append(key, typeof body[key] === "object" ? JSON.stringify(body[key]) : body[key]);
        });
        if (action === "print") form.append("bed_clear", "true");
        return form;
    }
    // what needs no photo goes as a command on no file (a print there is a slice that prints, selected)
    function wordsCommand(action) {
        var body = Object.assign({file: ""}, request());
        return action === "print" ? Object.assign(body, {print: true, select: true, bed_clear: true}) : body;
    }
    function startJob(action, fields) {
        $("error").textContent = "";
        var accepted = jobs.start(action, fields);
        enable();
        return accepted;
    }
    // preview or print: the photo uploaded (then worked on in OctoPrint's list), or words alone
    function send(action) {
        var uploading = photo;
        sent = photo;
        previewing = asked();
        if (action === "print") $("bed-clear").checked = false;
        $("result").hidden = true;
        startJob(action, photo ? uploadForm(action) : wordsCommand(action)).then(function (job) {
            if (job && uploading && uploading === photo) listed = job.file;
        });
    }
    // the preview follows the photo picked and the options, 600 ms after the last change: the photo's first preview
    // sends it, later ones work on it in OctoPrint's list; a running follow-up preview is replaced by the newer one,
    // other jobs (the first preview too) finish first
    function followChanges() {
        if (changed) clearTimeout(changed);
        changed = setTimeout(previewChanges, 600);
    }
    function previewChanges() {
        changed = null;
        if (!photo || previewed === asked() || (jobs.busy() && previewing === asked()) || !checkFields()) return;
        if (jobs.busy() && (jobs.id() === null || jobs.id() !== following)) { followChanges(); return; }
        if (!listed && sent === photo) return;  // its first preview failed: Preview sends it again
        if (!listed) { send("preview"); return; }
        jobs.cancel();
        previewing = asked();
        startJob("preview", Object.assign({file: listed}, request())).then(function (job) {
            following = job ? job.id : null;
        });
    }

    // a job's state as it comes: how far it got while it runs, then what it made, or why it did not
    function showJob(state) {
        if (state.status === "queued" || state.status === "running") showProgress(state);
        else if (state.status === "done") showDone(state);
        else showFailure(state);
        enable();
    }
    function showProgress(state) {
        var said = say.progress(state, stages);
        if (state.status === "running" && typeof state.elapsed_s === "number") said += " · " + say.number(state.elapsed_s) + " s";
        $("status").textContent = said;
        $("bar").value = Math.round((state.progress || 0) * 100);
        $("progress").hidden = false;
    }
    function showFailure(state) {
        $("progress").hidden = true;
        previewing = null;
        if (state.status === "failed" && state.action === "preview") forgetPreview();
        $("error").textContent = state.status === "cancelled" ? gettext("Cancelled.")
            : (state.error && state.error.message) || gettext("The job failed.");
    }
    function showDone(state) {
        var result = state.result || {};
        $("progress").hidden = true;
        showGroups(result.groups || []);
        if (state.action === "preview" || state.action === "print") showChecks(result.groups || []);
        if (state.action === "preview") showEstimate(result.estimate);
        if (state.action === "preview") showPlanned(result.planned);
        if (state.action === "preview") showPreview(result);
        if (result.view) { viewed = previewing; showView3d(state.id, result.view, result.live); }
        if (result.file) showResult(result);
    }
    // the checks of a preview or a print's slice: what they were made of, and whether a finding blocks printing
    function showChecks(groups) {
        previewed = previewing;
        blocked = groups.some(function (group) { return group.level === "error"; });
    }
    // the preview's estimate of time and filament, until the slicer's own figures replace it
    function showEstimate(guessed) {
        $("estimate").textContent = guessed ? say.estimate(guessed) : "";
        $("estimate").hidden = !guessed;
    }
    // the slicing fields left empty show what the last preview's plan slices with (null: their own default)
    function showPlanned(planned) {
        Object.keys(slicing).forEach(function (name) {
            var field = slicing[name], input = $("slicing-" + name);
            var shown = Fields.used(field, planned ? planned[name] : undefined, locale, gettext);
            if (field.number) input.placeholder = shown.placeholder;
            else if (field.type === "choice" && field.caption !== undefined) input.options[0].textContent = shown.caption;
        });
    }
    // the pictures of the solid (behind the 3D view where there is one)
    function showPreview(result) {
        if (result.preview) $("solid").src = result.preview;
        $("solid").hidden = hasView3d;
        $("no-webgl").hidden = hasView3d;
        if (result.backlit) { $("backlit").src = result.backlit; $("backlit").hidden = hasView3d; }
        $("painted").src = result.painted || "";
        $("painted-figure").hidden = !result.painted;
    }
    // a preview that failed leaves nothing of the one before on screen: its findings, 3D view and pictures belonged
    // to other options
    function forgetPreview() {
        showGroups([]);
        showEstimate(null);
        showPlanned(null);
        previewed = null;
        blocked = false;
        ["solid", "backlit", "no-webgl", "painted-figure"].forEach(function (id) { $(id).hidden = true; });
        $("solid").removeAttribute("src");
        $("backlit").removeAttribute("src");
        if (view3d) view3d.hide();
    }
    // the result card: the file made, its facts, and Print for a G-code (or how its print stands)
    function showResult(result) {
        var printing = result.print || null, gcode = kindOf(result.file) === "gcode";
        $("result-file").textContent = result.file;
        $("result-thumbnail").src = "thumbnail?path=" + encodeURIComponent(result.file);
        $("result-facts").textContent = say.facts(result).join(" · ");
        if (gcode) showEstimate(null);
        $("print-state").textContent = printing ? (printing.started ? gettext("Printing.") : printing.message) : "";
        $("print-state").className = printing && !printing.started ? "error" : "";
        $("result-print").hidden = $("result-bed-clear-label").hidden = !gcode || (printing !== null && printing.started);
        $("result").hidden = false;
        if (printing) askPrinter();
    }
    // the result's G-code printed now: its bed was just confirmed clear
    function printResult() {
        $("result-bed-clear").checked = false;
        jobs.command({command: "print", file: $("result-file").textContent, bed_clear: true}).then(function (reply) {
            $("print-state").textContent = reply.ok ? gettext("Printing.")
                : ((reply.data.error || {}).message || gettext("The print did not start."));
            $("print-state").className = reply.ok ? "" : "error";
            if (reply.ok) $("result-print").hidden = $("result-bed-clear-label").hidden = true;
            askPrinter();
            enable();
        });
    }

    // the live 3D view of the latest preview (img2print_view3d.js), or the pictures where there is no WebGL
    function showView3d(id, view, live) {
        view3d = view3d || window.Img2PrintView3D.create($("view3d"), {
            vendor: new URL("static/vendor/", window.location.href).href, locale: locale, gettext: gettext});
        view3d.show(view, "view?job=" + encodeURIComponent(id), live, viewed)
            .catch(function () { $("error").textContent = gettext("The 3D view could not be shown."); });
    }
    // where the findings are, as marks on the photo (their places are in the photo's own pixels)
    function showMarks(groups) {
        var box = $("marked"), picture = $("picture");
        var marks = Common.marks(groups, picture.naturalWidth, picture.naturalHeight);
        Array.prototype.forEach.call(box.querySelectorAll(".mark"), function (mark) { mark.remove(); });
        box.hidden = marks.length === 0;
        marks.forEach(function (item) {
            var mark = document.createElement("span");
            mark.className = "mark " + item.level;
            mark.style.left = item.left;
            mark.style.top = item.top;
            box.appendChild(mark);
        });
    }
    // a finding's fix: the option it names set (in its field, or sent along where the form has none), previewed again
    function applyFix(fix) {
        var input = document.querySelector("[data-option='" + fix.option + "']");
        if (input && input.type === "checkbox") input.checked = !!fix.value;
        else if (input) {
            var fixed = fields[fix.option] || slicing[fix.option];
            input.value = fixed.number ? Fields.formatNumber(fix.value, locale) : fix.value;
        }
        else extra[fix.option] = fix.value;
        send("preview");
    }
    // one kind of finding: what it is, its detail, and its fix where there is one
    function findingLine(group) {
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
            button.addEventListener("click", function () { applyFix(group.fix); });
            line.appendChild(button);
        }
        return line;
    }
    function showGroups(groups) {
        showMarks(groups);
        $("findings").innerHTML = "";
        groups.forEach(function (group) { $("findings").appendChild(findingLine(group)); });
    }

    // --- calibrating a filament from a photo of its TD card ----------------------------------------------------

    // the filaments one may calibrate: the slicing options' filament menu
    function showFilaments(overrides) {
        var filament = overrides.filter(function (option) { return option.name === "filament"; })[0];
        fillMenu($("calibrate-filament"), filament ? filament.choices : []);
        if (filament) $("calibrate-filament").value = filament.default;
    }
    // the card against a light, taken first: said under the calibration until the card's photo is taken
    function pickBacklit() {
        var light = $("calibrate-backlit").files[0];
        $("calibrated").className = "";
        $("calibrated").textContent = light ? Common.fill(gettext("Against the light: {file}. Now the photo of the card lit from the front."), {file: light.name}) : "";
    }
    // a photo of a TD card: the filament fitted and kept, and how well it fitted
    function calibrate() {
        var picked = $("calibrate-photo").files[0], light = $("calibrate-backlit").files[0];
        if (!picked) return;
        var form = new FormData();
        form.append("file", picked, picked.name);
        if (light) form.append("backlit", light, light.name);  // the card against a light: its TD too
        form.append("filament", $("calibrate-filament").value);
        $("calibrated").textContent = gettext("Working…");
        jobs.post("calibrate", form).then(function (reply) {
            $("calibrated").textContent = reply.ok ? reply.data.message : reply.data.error.message;
            $("calibrated").className = reply.ok ? "" : "error";
        });
        $("calibrate-photo").value = "";
        $("calibrate-backlit").value = "";
    }

    function listen() {
        $("mode").addEventListener("change", function () { extra = {}; showOptions(); enable(); followChanges(); });
        ["options", "more-options", "slicing-options"].forEach(function (box) {
            ["input", "change"].forEach(function (kind) {
                $(box).addEventListener(kind, enable);
                $(box).addEventListener(kind, followFraming);
                $(box).addEventListener(kind, followChanges);
            });
        });
        $("options").addEventListener("change", function (event) {
            if (event.target.id === "option-shape") { showApplying(); enable(); }
        });
        $("photo").addEventListener("change", pickPhoto);
        $("bed-clear").addEventListener("change", enable);
        $("result-bed-clear").addEventListener("change", enable);
        $("cancel").addEventListener("click", jobs.cancel);
        $("result-print").addEventListener("click", printResult);
        $("preview").addEventListener("click", function () { send("preview"); });
        $("print").addEventListener("click", function () { send("print"); });
        $("calibrate-backlit").addEventListener("change", pickBacklit);
        $("calibrate-photo").addEventListener("change", calibrate);
        setInterval(askPrinter, 3000);
        document.addEventListener("visibilitychange", askPrinter);
    }

    listen();
    loadListing();
})();

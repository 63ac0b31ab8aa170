/* The phone page: take or choose a photo, pick what to make and its main options (from the API's listing),
   see the preview, slice and print. Texts come translated from the page itself. */
(function () {
    var text = JSON.parse(document.getElementById("texts").textContent);
    var api = "../../api/plugin/img2print", upload = "upload";
    var modes = [], photo = null, job = null;  // job: null when idle, "" while uploading, else its id
    var defaults = {modes: {}}, extra = {};  // the settings' defaults; options set by a fix the form does not show
    var previewing = null, previewed = null, blocked = false;  // what the last preview was made of, and its verdict

    function $(id) { return document.getElementById(id); }
    function csrf() {
        var match = document.cookie.match(/csrf_token_P\d+=([^;]+)/) || document.cookie.match(/csrf_token=([^;]+)/);
        return match ? decodeURIComponent(match[1]) : "";
    }
    function current() {
        return modes.filter(function (mode) { return mode.id === $("mode").value; })[0];
    }

    // the main options of the chosen mode, each an input made from its description
    function showOptions() {
        var box = $("options"), mode = current();
        box.innerHTML = "";
        $("description").textContent = mode ? mode.description : "";
        if (!mode) return;
        mode.options.filter(function (option) { return option.main; }).forEach(function (option) {
            var id = "option-" + option.name, input, label = document.createElement("label");
            label.htmlFor = id;
            label.textContent = option.label + (option.unit ? " (" + option.unit + ")" : "");
            if (option.type === "choice") {
                input = document.createElement("select");
                option.choices.forEach(function (choice) {
                    var item = document.createElement("option");
                    item.value = choice.value;
                    item.textContent = choice.label;
                    input.appendChild(item);
                });
                input.value = option.default;
            } else if (option.type === "boolean") {
                input = document.createElement("input");
                input.type = "checkbox";
                input.checked = !!option.default;
                label.className = "option-check";
            } else {
                input = document.createElement("input");
                input.type = "number";
                input.inputMode = "decimal";
                input.step = "any";
                var own = (defaults.modes[mode.id] || {}).width;
                var start = option.name === "width" ? (own || mode.default_width) : option.default;
                if (start === undefined) start = null;
                input.value = start === null ? "" : start;
            }
            input.id = id;
            input.dataset.option = option.name;
            input.dataset.type = option.type;
            if (option.type === "boolean") { label.insertBefore(input, label.firstChild); box.appendChild(label); }
            else { box.appendChild(label); box.appendChild(input); }
        });
    }

    function options() {
        var chosen = Object.assign({}, extra);
        Array.prototype.forEach.call($("options").querySelectorAll("[data-option]"), function (input) {
            var type = input.dataset.type;
            if (type === "boolean") { if (input.checked) chosen[input.dataset.option] = true; }
            else if (type === "choice") chosen[input.dataset.option] = input.value;
            else if (input.value !== "") chosen[input.dataset.option] = parseFloat(input.value);
        });
        return chosen;
    }

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
            $("app").hidden = false;
        });
    });
    $("mode").addEventListener("change", function () { extra = {}; showOptions(); enable(); });
    $("options").addEventListener("input", enable);
    $("options").addEventListener("change", enable);
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

    var locale = document.documentElement.dataset.locale.replace("_", "-");
    function number(value, digits) { return Number(value).toLocaleString(locale, {maximumFractionDigits: digits || 0}); }
    function fill(template, values) {
        return template.replace(/\{(\w+)\}/g, function (whole, name) { return values[name]; });
    }
    function duration(seconds) {
        var minutes = Math.round((seconds || 0) / 60);
        return minutes >= 60 ? fill(text.hours, {hours: number(Math.floor(minutes / 60)), minutes: minutes % 60})
            : fill(text.minutes, {minutes: minutes});
    }
    // what a preview is made of: the photo, the mode and its options
    function asked() { return JSON.stringify([photo && photo.name, $("mode").value, options()]); }
    function enable() {
        var current = previewed !== null && previewed === asked();
        $("preview").disabled = !photo || job !== null;
        $("print").disabled = !photo || job !== null || !$("bed-clear").checked || !current || blocked;
        $("preview-first").hidden = !photo || current;
        $("result-print").disabled = !$("result-bed-clear").checked;
    }
    $("bed-clear").addEventListener("change", enable);
    $("result-bed-clear").addEventListener("change", enable);

    function send(action) {
        if (action === "preview") previewing = asked();
        var form = new FormData();
        form.append("file", photo, photo.name);
        form.append("action", action);
        form.append("mode", $("mode").value);
        var intent = (defaults.modes[$("mode").value] || {}).intent;
        if (intent) form.append("intent", intent);
        form.append("options", JSON.stringify(options()));
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
                if (!reply.ok) { fail(reply.data.error.message); return; }
                job = reply.data.id;
                poll();
            });
    }
    function fail(message) {
        job = null;
        $("progress").hidden = true;
        $("error").textContent = message || text.failed;
        enable();
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
        enable();
    }
    function poll() {
        fetch(api + "?job=" + job, {credentials: "same-origin"}).then(function (answer) { return answer.json(); })
            .then(function (state) {
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
                if (state.status !== "done") { fail(state.error && state.error.message); return; }
                job = null;
                $("progress").hidden = true;
                var result = state.result || {};
                showGroups(result.groups || []);
                if (result.preview) {
                    $("solid").src = result.preview;
                    $("solid").hidden = false;
                    previewed = previewing;
                    blocked = (result.groups || []).some(function (group) { return group.level === "error"; });
                }
                if (result.backlit) { $("backlit").src = result.backlit; $("backlit").hidden = false; }
                if (result.file) showResult(result);
                enable();
            });
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
            if (group.fix) {
                var button = document.createElement("button");
                button.className = "fix";
                button.textContent = group.fix.label;
                button.addEventListener("click", function () {
                    var input = document.querySelector("[data-option='" + group.fix.option + "']");
                    if (input && input.type === "checkbox") input.checked = !!group.fix.value;
                    else if (input) input.value = group.fix.value;
                    else extra[group.fix.option] = group.fix.value;
                    send("preview");
                });
                line.appendChild(button);
            }
            $("findings").appendChild(line);
        });
    }

    $("cancel").addEventListener("click", function () {
        if (!job) return;
        fetch(api, {method: "POST", credentials: "same-origin",
                    headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf()},
                    body: JSON.stringify({command: "cancel", job: job})});
    });
    $("result-print").addEventListener("click", function () {
        var file = $("result-file").textContent;
        $("result-bed-clear").checked = false;
        fetch(api, {method: "POST", credentials: "same-origin",
                    headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf()},
                    body: JSON.stringify({command: "print", file: file, bed_clear: true})})
            .then(function (answer) { return answer.json().then(function (data) { return {ok: answer.ok, data: data}; }); })
            .then(function (reply) {
                $("print-state").textContent = reply.ok ? text.printing : (reply.data.error.message || text.notStarted);
                $("print-state").className = reply.ok ? "" : "error";
                if (reply.ok) $("result-print").hidden = $("result-bed-clear-label").hidden = true;
                enable();
            });
    });
    $("preview").addEventListener("click", function () { send("preview"); });
    $("print").addEventListener("click", function () { send("print"); });
})();

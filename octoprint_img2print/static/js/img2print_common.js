/* What img2print's tab and phone page share: messages filled in, and numbers, durations, a job's progress and a
   result's facts said in the reader's language (each page passes its own locale and gettext: OctoPrint's in the tab,
   the page's catalogue on the phone); where the findings are on the picture; what kind a file is (the kinds as the
   API's listing declares them); and the client that sends a job and follows it to its end. */
(function (root) {
    var POLL_MS = 700;

    // a message with its {names} replaced by the values
    function fill(text, values) {
        return text.replace(/\{(\w+)\}/g, function (whole, name) { return values[name]; });
    }

    // what a reader reads, in their language and from their page's catalogue
    function reader(locale, gettext) {
        function number(value, digits) {
            return Number(value).toLocaleString(locale, {maximumFractionDigits: digits || 0});
        }
        function duration(seconds) {
            var minutes = Math.round((seconds || 0) / 60);
            return minutes >= 60 ? fill(gettext("{hours} h {minutes} min"), {hours: number(Math.floor(minutes / 60)), minutes: minutes % 60})
                : fill(gettext("{minutes} min"), {minutes: minutes});
        }
        // a job under way: why it waits, or its stage (``stages``: the listing's labels) and how far it got
        function progress(job, stages) {
            if (job.status === "queued") return job.note || gettext("Waiting for the jobs before it…");
            return ((stages || {})[job.stage] || gettext("Working…")) + " " + number((job.progress || 0) * 100) + " %";
        }
        // what a result card says of its file: size, printing time, filament, triangles
        function facts(result) {
            var said = [];
            if (result.size_mm) said.push(result.size_mm.map(function (v) { return number(v, 1); }).join(" × ") + " mm");
            if (result.estimated_time_s) said.push(duration(result.estimated_time_s));
            if (result.filament_mm) said.push(fill(gettext("{metres} m of filament"), {metres: number(result.filament_mm / 1000, 2)}));
            if (result.triangles) said.push(fill(gettext("{count} triangles"), {count: number(result.triangles)}));
            return said;
        }
        // what a list of several choices holds, as the reader reads it ("Chosen: PLA Black, PLA White"), or nothing
        function chosen(choices, values) {
            var labels = choices.filter(function (c) { return values.indexOf(c.value) >= 0; })
                .map(function (c) { return c.label; });
            return labels.length ? fill(gettext("Chosen: {list}"), {list: labels.join(", ")}) : "";
        }
        return {locale: locale, gettext: gettext, number: number, duration: duration, progress: progress,
                facts: facts, chosen: chosen};
    }

    // the findings' places as marks on a picture of ``width`` × ``height`` pixels: {level, left, top} in percent
    function marks(groups, width, height) {
        var found = [];
        if (!width || !height) return found;
        groups.forEach(function (group) {
            (group.places || []).forEach(function (place) {
                found.push({level: group.level, left: (100 * place[0] / width) + "%", top: (100 * place[1] / height) + "%"});
            });
        });
        return found;
    }

    // words alone (the Text option of a mode that has it) and a mode that reads nothing (a card) need no picture
    function needsNoPicture(mode, options) {
        return String(options.text || "").trim() !== "" || !!(mode && mode.reads === "nothing");
    }

    // the kind of a file by its name ("rasters", "drawings", "models", "gcode"; the listing's ``file_kinds``), or ""
    function kindOf(name, kinds) {
        var extension = String(name || "").split(".").pop().toLowerCase();
        return Object.keys(kinds || {}).filter(function (kind) { return kinds[kind].indexOf(extension) >= 0; })[0] || "";
    }

    // OctoPrint's CSRF token, sent with every POST of a page logged in by its session
    function csrfToken() {
        var match = document.cookie.match(/csrf_token_P\d+=([^;]+)/) || document.cookie.match(/csrf_token=([^;]+)/);
        return match ? decodeURIComponent(match[1]) : "";
    }

    // an answer's JSON with whether it was a success: {ok, data}
    function answered(response) {
        return response.json().catch(function () { return {}; })
            .then(function (data) { return {ok: response.ok, data: data}; });
    }

    // The jobs of one page, one followed at a time: ``start`` sends one (an upload of a picked file, or a command on a
    // file already in OctoPrint's list or on none) and asks how it stands until it ends; every state goes to
    // ``report``, the job as the API shows it (id, action, status, stage, progress, note, result, error). A job started
    // replaces the one followed before (its states are no longer reported); a job refused is reported failed, with
    // the API's error. ``addresses``: api and upload, the page's ``gettext``, and ``headers`` (method -> request
    // headers; OctoPrint's CSRF token by default).
    function jobs(addresses, report) {
        var followed = null;  // {id (once accepted), action} of the job reported, or null
        var headers = addresses.headers || function () { return {"X-CSRF-Token": csrfToken()}; };

        // a POST with OctoPrint's CSRF token (a form, or a body of ``type``), answered as {ok, data}
        function post(address, body, type) {
            var sent = Object.assign({}, headers("POST"), type ? {"Content-Type": type} : {});
            return fetch(address, {method: "POST", credentials: "same-origin", headers: sent, body: body}).then(answered);
        }
        // a command to the API, answered as {ok, data}
        function command(body) {
            return post(addresses.api, JSON.stringify(body), "application/json");
        }
        // a state of the job followed reported; asked again while it runs
        function told(job, state) {
            if (followed !== job) return;
            if (state.status !== "queued" && state.status !== "running") followed = null;
            report(state);
            if (followed === job) window.setTimeout(function () { poll(job); }, POLL_MS);
        }
        // how the job stands now (an answer that fails ends it as failed)
        function poll(job) {
            if (followed !== job) return;
            fetch(addresses.api + "?job=" + encodeURIComponent(job.id), {credentials: "same-origin", headers: headers("GET")})
                .then(answered)
                .then(function (reply) { told(job, reply.ok ? reply.data : refused(job, reply)); })
                .catch(function () { told(job, refused(job, {data: {}})); });
        }
        // a job refused or lost, as a failed job with the API's error where there is one
        function refused(job, reply) {
            return {id: job.id, action: job.action, status: "failed", error: reply.data.error || null};
        }
        // ``fields``: a FormData with the picked file (uploaded), or the command's fields ("print" is a slice that
        // prints); answered with the job accepted (its ``file`` in OctoPrint's list), or null
        function start(action, fields) {
            var upload = fields instanceof FormData, job = followed = {id: null, action: action};
            if (upload) fields.append("action", action);
            report({action: action, status: "queued", stage: "", progress: 0,
                    note: upload ? addresses.gettext("Uploading…") : ""});
            return (upload ? post(addresses.upload, fields)
                : command(Object.assign({command: action === "print" ? "slice" : action}, fields)))
                .then(function (reply) {
                    if (!reply.ok) { told(job, refused(job, reply)); return null; }
                    job.id = reply.data.id;
                    told(job, reply.data);
                    return reply.data;
                }, function () { told(job, refused(job, {data: {}})); return null; });
        }
        // cancel the job followed (its end is reported as it comes)
        function cancel() {
            if (followed && followed.id) command({command: "cancel", job: followed.id});
        }
        return {start: start, cancel: cancel, command: command, post: post,
                busy: function () { return followed !== null; },
                id: function () { return followed ? followed.id : null; }};
    }

    root.Img2PrintCommon = {fill: fill, reader: reader, marks: marks, needsNoPicture: needsNoPicture, kindOf: kindOf,
                            jobs: jobs};
})(window);

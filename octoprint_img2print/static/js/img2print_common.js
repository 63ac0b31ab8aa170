/* What img2print's tab and phone page share: messages filled in, and numbers, durations, a job's progress and a
   result's facts said in the reader's language (each page passes its own locale and gettext: OctoPrint's in the tab,
   the page's catalogue on the phone); where the findings are on the picture; what kind a file is (the kinds as the
   API's listing declares them); the framing control (the picture turned, and the part of it used); and the client
   that sends a job and follows it to its end. */
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
        // a preview's estimate before slicing (the result's ``estimate``), said as one: time, filament, its weight
        function estimate(guessed) {
            return fill(gettext("About {time}, {metres} m of filament ({grams} g) — estimate"),
                        {time: duration(guessed.time_s), metres: number(guessed.filament_mm / 1000, 1),
                         grams: number(guessed.filament_g)});
        }
        // what a list of several choices holds, as the reader reads it ("Chosen: PLA Black, PLA White"), or nothing
        function chosen(choices, values) {
            var labels = choices.filter(function (c) { return values.indexOf(c.value) >= 0; })
                .map(function (c) { return c.label; });
            return labels.length ? fill(gettext("Chosen: {list}"), {list: labels.join(", ")}) : "";
        }
        return {locale: locale, gettext: gettext, number: number, duration: duration, progress: progress,
                facts: facts, estimate: estimate, chosen: chosen};
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

    // the intents a mode offers (the listing's ``intents`` of it, its own first), of all the listing's; every one
    // for no mode or a mode that names none
    function intentsOf(mode, all) {
        if (!mode || !(mode.intents || []).length) return all;
        return mode.intents.map(function (id) {
            return all.filter(function (intent) { return intent.id === id; })[0];
        }).filter(Boolean);
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


    // --- framing: the picture turned and the part of it used (the rotate and crop_box options), in percent of the
    // turned picture as the API takes them ---------------------------------------------------------------------

    var WHOLE = [0, 0, 100, 100], SMALLEST = 5, MOST_PX = [640, 480];  // smallest part in percent; the drawing's size

    function clamp(value, low, high) { return Math.min(Math.max(value, low), high); }
    // the size of a picture of ``width`` × ``height`` turned by ``degrees`` on a canvas that holds all of it
    function turnedSize(width, height, degrees) {
        var angle = degrees * Math.PI / 180, c = Math.abs(Math.cos(angle)), s = Math.abs(Math.sin(angle));
        return [width * c + height * s, width * s + height * c];
    }
    // an angle from -180 to below 180 degrees
    function normalAngle(degrees) { return ((degrees + 180) % 360 + 360) % 360 - 180; }
    // a crop box's text ("left,top,width,height") as numbers, or null for none or one that cannot be read
    function boxOf(text) {
        var parts = String(text || "").split(",").map(Number);
        return parts.length === 4 && parts.every(isFinite) && parts[2] > 0 && parts[3] > 0 ? parts : null;
    }
    // a box as the API takes it: two decimals, inside the picture
    function boxText(box) {
        var round = function (value) { return Math.round(value * 100) / 100; }, left = round(box[0]), top = round(box[1]);
        return [left, top, Math.min(round(box[2]), round(100 - left)), Math.min(round(box[3]), round(100 - top))].join(",");
    }
    function sameBox(one, other) { return one.every(function (value, i) { return Math.abs(value - other[i]) < 0.05; }); }
    // a box scaled around its centre to fit inside the picture (not below the smallest part), then moved inside it
    function inside(box) {
        var fit = Math.min(100 / box[2], 100 / box[3]), scale = fit < 1 ? fit : Math.max(1, SMALLEST / Math.min(box[2], box[3]));
        var width = box[2] * scale, height = box[3] * scale;
        return [clamp(box[0] + (box[2] - width) / 2, 0, 100 - width), clamp(box[1] + (box[3] - height) / 2, 0, 100 - height),
                width, height];
    }
    function moved(box, right, down) { return inside([box[0] + right, box[1] + down, box[2], box[3]]); }
    function scaled(box, factor) {
        return inside([box[0] + box[2] * (1 - factor) / 2, box[1] + box[3] * (1 - factor) / 2, box[2] * factor, box[3] * factor]);
    }
    // the box at ``shape`` (its width / height in percent) with the area it had, around its centre; without a box the
    // middle of the picture at that shape, as the solid takes it when nothing is chosen
    function shaped(box, shape) {
        if (!box) return shape >= 1 ? [0, 50 - 50 / shape, 100, 100 / shape] : [50 - 50 * shape, 0, 100 * shape, 100];
        var width = Math.sqrt(box[2] * box[3] * shape), height = width / shape;
        return inside([box[0] + (box[2] - width) / 2, box[1] + (box[3] - height) / 2, width, height]);
    }
    // the box with ``corner`` ("nw", "ne", "sw", "se") dragged to ``point``, the opposite corner staying; at ``shape``
    // where given
    function cornered(box, corner, point, shape) {
        var west = corner.indexOf("w") >= 0, north = corner[0] === "n";
        var x = west ? box[0] + box[2] : box[0], y = north ? box[1] + box[3] : box[1];
        var roomX = west ? x : 100 - x, roomY = north ? y : 100 - y;
        var width = clamp((west ? x - point[0] : point[0] - x), SMALLEST, roomX);
        var height = clamp((north ? y - point[1] : point[1] - y), SMALLEST, roomY);
        if (shape) {
            width = Math.max(width, height * shape);
            height = width / shape;
            var fit = Math.min(1, roomX / width, roomY / height);
            width *= fit;
            height *= fit;
        }
        return [west ? x - width : x, north ? y - height : y, width, height];
    }
    // the box on the picture turned a quarter further: counter-clockwise (``left``) or clockwise
    function quarterTurned(box, left) {
        return left ? [box[1], 100 - box[0] - box[2], box[3], box[2]] : [100 - box[1] - box[3], box[0], box[3], box[2]];
    }
    // the picture's shape on the solid (width / height) where the options fix it (width and height both given, less a
    // frame around it), else null
    function framedAspect(options) {
        var frame = 2 * (options.frame_width || 0), width = options.width - frame, height = options.height - frame;
        return options.width && options.height && width > 0 && height > 0 ? width / height : null;
    }

    // The framing control where a picture is picked: the picture turned as asked, the part used as a frame on it that
    // the pointer drags (moves), resizes at its corners and zooms (the wheel; two fingers pinching it larger or
    // smaller), buttons that turn the picture by quarters, a slider for any angle, and "Whole picture". ``settings``:
    // gettext, number (the reader's), button (the page's class for buttons), change(angle, box's text or "" for
    // the whole picture), called when the user changes them. Its elements' ids begin with the container's.
    function framing(container, settings) {
        var gettext = settings.gettext, id = container.id;
        function element(tag, className, parent, text) {
            var made = document.createElement(tag);
            made.className = className;
            if (text) made.textContent = text;
            parent.appendChild(made);
            return made;
        }
        function button(name, text) {
            var made = element("button", settings.button, buttons, text);
            made.type = "button";
            made.id = id + "-" + name;
            return made;
        }
        var root = element("div", "img2print-framing", container);
        var stage = element("div", "img2print-framing-stage", root), canvas = element("canvas", "", stage);
        var frame = element("div", "img2print-framing-frame", stage);
        ["nw", "ne", "sw", "se"].forEach(function (corner) {
            element("span", "img2print-framing-handle " + corner, frame).dataset.corner = corner;
        });
        element("p", "img2print-framing-hint", root,
                gettext("Drag the frame to choose the part of the picture; drag a corner, scroll or pinch to zoom."));
        var buttons = element("div", "img2print-framing-buttons", root);
        var turnLeft = button("left", gettext("Turn left")), turnRight = button("right", gettext("Turn right"));
        var whole = button("whole", gettext("Whole picture"));
        var angleLine = element("label", "img2print-framing-angle", root, gettext("Angle"));
        var slider = element("input", "", angleLine), angleSaid = element("span", "img2print-framing-degrees", angleLine);
        stage.id = id + "-stage";
        frame.id = id + "-frame";
        slider.id = id + "-angle";
        Object.assign(slider, {type: "range", min: -180, max: 180, step: 1});

        var image = new Image(), loaded = false, used = false, telling = false;
        var angle = 0, box = null, shape = null;  // as asked: the angle, the part (null: all), the solid's fixed shape
        var shown = WHOLE;  // the part drawn (during a gesture, before it is told)

        // the fixed shape in percent of the turned picture, or null
        function percentShape() {
            if (!shape || !loaded) return null;
            var size = turnedSize(image.naturalWidth, image.naturalHeight, angle);
            return shape * size[1] / size[0];
        }
        function place(part) {
            shown = part;
            ["left", "top", "width", "height"].forEach(function (side, i) { frame.style[side] = part[i] + "%"; });
        }
        // the picture turned, and the part used on it
        function draw() {
            root.hidden = !(used && loaded);
            slider.value = angle;
            angleSaid.textContent = settings.number(angle) + "°";
            if (root.hidden) return;
            var size = turnedSize(image.naturalWidth, image.naturalHeight, angle);
            var scale = Math.min(1, MOST_PX[0] / size[0], MOST_PX[1] / size[1]), context = canvas.getContext("2d");
            canvas.width = Math.max(1, Math.round(size[0] * scale));
            canvas.height = Math.max(1, Math.round(size[1] * scale));
            context.fillStyle = "#fff";  // the corners a free angle opens are background
            context.fillRect(0, 0, canvas.width, canvas.height);
            context.translate(canvas.width / 2, canvas.height / 2);
            context.rotate(-angle * Math.PI / 180);
            context.scale(scale, scale);
            context.drawImage(image, -image.naturalWidth / 2, -image.naturalHeight / 2);
            place(box || (percentShape() ? shaped(null, percentShape()) : WHOLE));
        }
        // the angle and part told to the page (which sets its fields, and they set this control: not while telling)
        function tell() {
            telling = true;
            try { settings.change(angle, box ? boxText(box) : ""); } finally { telling = false; }
        }
        // the part chosen by the user: none where it is the whole picture and the shape is free
        function choose(part) {
            box = sameBox(part, WHOLE) && !percentShape() ? null : part;
            place(box || WHOLE);
            tell();
        }
        // a part kept at the fixed shape; true when it had to change
        function fitShape() {
            var fitted = box && percentShape() ? shaped(box, percentShape()) : box;
            if (!box || sameBox(fitted, box)) return false;
            box = fitted;
            return true;
        }
        function turn(quarter) {
            var quarters = angle % 90 === 0;
            angle = normalAngle(angle + 90 * quarter);
            box = box && quarters ? quarterTurned(box, quarter > 0) : null;
            fitShape();
            draw();
            tell();
        }
        turnLeft.addEventListener("click", function () { turn(1); });
        turnRight.addEventListener("click", function () { turn(-1); });
        whole.addEventListener("click", function () { box = null; draw(); tell(); });
        slider.addEventListener("input", function () { angle = Number(slider.value); draw(); });
        slider.addEventListener("change", function () { fitShape(); draw(); tell(); });
        gestures(stage, {
            shown: function () { return shown; },
            place: place,
            fixed: percentShape,
            done: choose
        });
        image.addEventListener("load", function () {
            loaded = image.naturalWidth > 0;
            if (fitShape()) tell();
            draw();
        });
        image.addEventListener("error", function () { loaded = false; draw(); });

        return {
            // the picture to frame (its address; "" for none): its angle and part start over
            picture: function (address) {
                var framed = angle !== 0 || box !== null;
                loaded = false;
                angle = 0;
                box = null;
                if (address) image.src = address;
                else image.removeAttribute("src");
                draw();
                if (framed) tell();
            },
            // whether the mode chosen takes framing (the control is shown for it once its picture is loaded)
            use: function (on) { used = on; draw(); },
            // the angle and part the form holds (typed into their own fields)
            set: function (degrees, text) {
                if (telling) return;
                angle = Number(degrees) || 0;
                box = boxOf(text);
                draw();
            },
            // the picture's shape on the solid (width / height) where the form fixes it, or null: the part keeps it
            aspect: function (ratio) {
                if (telling) return;
                shape = ratio || null;
                if (fitShape()) tell();
                draw();
            }
        };
    }

    // the pointer on the framing's stage: one drags the frame (or a corner of it), two pinch it larger or smaller and
    // move it, the wheel zooms (up: a smaller part, as a picture zooms in); ``frame``: shown() and place(part) the part
    // during a gesture, fixed() its shape or null, done(part) at the end
    function gestures(stage, frame) {
        var pointers = {}, corner = null, changed = false;
        function percent(point) {
            var rect = stage.getBoundingClientRect();
            return [100 * (point.x - rect.left) / rect.width, 100 * (point.y - rect.top) / rect.height];
        }
        // two pointers: their middle (percent) and how far apart they are (pixels); else null
        function pair() {
            var points = Object.keys(pointers).map(function (key) { return pointers[key]; });
            if (points.length !== 2) return null;
            return {middle: percent({x: (points[0].x + points[1].x) / 2, y: (points[0].y + points[1].y) / 2}),
                    apart: Math.hypot(points[0].x - points[1].x, points[0].y - points[1].y)};
        }
        stage.addEventListener("pointerdown", function (event) {
            event.preventDefault();
            stage.setPointerCapture(event.pointerId);
            pointers[event.pointerId] = {x: event.clientX, y: event.clientY};
            corner = Object.keys(pointers).length === 1 ? event.target.dataset.corner || null : null;
        });
        stage.addEventListener("pointermove", function (event) {
            var last = pointers[event.pointerId];
            if (!last) return;
            var before = pair(), from = percent(last);
            pointers[event.pointerId] = {x: event.clientX, y: event.clientY};
            var after = pair(), to = percent(pointers[event.pointerId]), part = frame.shown();
            if (before && after) {
                part = moved(scaled(part, after.apart / Math.max(before.apart, 1)), after.middle[0] - before.middle[0],
                             after.middle[1] - before.middle[1]);
            } else if (corner) part = cornered(part, corner, to, frame.fixed());
            else part = moved(part, to[0] - from[0], to[1] - from[1]);
            frame.place(part);
            changed = true;
        });
        function release(event) {
            if (!pointers[event.pointerId]) return;
            delete pointers[event.pointerId];
            corner = null;
            if (Object.keys(pointers).length || !changed) return;
            changed = false;
            frame.done(frame.shown());
        }
        stage.addEventListener("pointerup", release);
        stage.addEventListener("pointercancel", release);
        stage.addEventListener("wheel", function (event) {
            event.preventDefault();
            frame.done(scaled(frame.shown(), Math.exp(event.deltaY * 0.001)));
        }, {passive: false});
    }

    root.Img2PrintCommon = {fill: fill, reader: reader, marks: marks, needsNoPicture: needsNoPicture, intentsOf: intentsOf,
                            kindOf: kindOf,
                            jobs: jobs, framing: framing, framedAspect: framedAspect};
})(window);

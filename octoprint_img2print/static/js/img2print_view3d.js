/* img2print's live 3D view: the solid of a preview as it stands on the printer's bed, turned and zoomed with the
   pointer, its size in millimetres, and for a flat lithophane the view lit from behind; a sheet redrawn at once when
   its size or thickness changes, until its exact preview comes. Used by the tab and the phone page; three.js
   (static/vendor) is loaded only when a view is made. */
(function () {
    "use strict";

    var three = null;  // the promise of three.js, loaded once
    var BACKLIGHT = "#ffecc4";  // a warm white lamp, until the reader picks the light's colour
    var COLOURS = {solid: 0xe08a2c, bed: 0xe9ecef, grid: 0xc9ced4, edge: 0x6c757d, background: 0xf8f9fa,
                   dark: 0x1b1d21, darkBed: 0x33373d, darkGrid: 0x4a4f57};
    var GRID_MM = 10;

    // true where this browser can draw WebGL (else the pages show the pictures of the solid instead)
    function supported() {
        try {
            var canvas = document.createElement("canvas");
            return !!(window.WebGLRenderingContext && (canvas.getContext("webgl2") || canvas.getContext("webgl")));
        } catch (ignored) {
            return false;
        }
    }

    // the view's binary (rendering/view_mesh.py): counts, float32 vertices, uint32 faces (the picture's surface
    // first), uint8 light per vertex
    function parse(buffer) {
        var head = new Uint32Array(buffer, 0, 4), vertices = head[0], faces = head[1], offset = 16;
        var positions = new Float32Array(buffer, offset, vertices * 3);
        offset += vertices * 12;
        var index = new Uint32Array(buffer, offset, faces * 3);
        offset += faces * 12;
        return {positions: positions, index: index, light: head[2] === 1 ? new Uint8Array(buffer, offset, vertices) : null,
                colour: head[2] === 2 ? new Uint8Array(buffer, offset, vertices * 3) : null, surface: head[3]};
    }

    // --- a sheet redrawn at once (rendering/live_sheet.py says how): ``live`` is a preview's facts of it -------------

    // what a page asked for, read from its JSON of [file, mode, options, printer, intent, overrides], without the
    // options named in ``moving``
    function askedBut(asked, moving) {
        var read = JSON.parse(asked), options = Object.assign({}, read[2]);
        moving.forEach(function (name) { delete options[name]; });
        read[2] = options;
        return JSON.stringify(read);
    }
    // the options named in ``moving`` as asked: given in ``options``, else their default in ``listed`` (the mode's
    // options as the API lists them)
    function askedValues(moving, options, listed) {
        var values = {};
        moving.forEach(function (name) {
            var option = listed.filter(function (item) { return item.name === name; })[0];
            var given = options[name] !== undefined && options[name] !== null ? options[name] : option && option.default;
            values[name] = given === undefined || given === null || given === "" ? undefined : Number(given);
        });
        return values;
    }
    // how much longer the sheet is along its back: the width asked over the one built (the height, where no width
    // was given); null where a size is not known or the sheet's proportions change
    function stretchAlong(values, built) {
        var sides = ["width", "height"].filter(function (side) { return built[side] || values[side]; });
        if (!sides.length || sides.some(function (side) { return !built[side] || !values[side]; })) return null;
        var factor = values[sides[0]] / built[sides[0]];
        return sides.every(function (side) { return Math.abs(values[side] / built[side] - factor) < 1e-9; }) ? factor : null;
    }
    // a depth from the back as the options asked put it (the mode's ``rules``: "low" with "high" bound a range mapped
    // onto the new one, "low" with "span" are a base and what stands on it; below "low" the solid scales with it),
    // and the deepest the sheet reached as built; null for a range that is not one
    function depthMap(rules, built, values) {
        var role = {};
        Object.keys(rules).forEach(function (name) { role[rules[name]] = name; });
        var low = built[role.low], newLow = values[role.low];
        var stretch = role.high ? (values[role.high] - newLow) / (built[role.high] - low)
            : values[role.span] / built[role.span];
        if (!(newLow > 0 && stretch > 0)) return null;
        var map = function (depth) { return depth <= low ? depth * newLow / low : newLow + (depth - low) * stretch; };
        map.deepest = role.high ? built[role.high] : low + built[role.span];
        return map;
    }
    // the sheet's points (``from``) moved into ``to``: along its back by ``along`` about its middle across and its
    // lowest point, their depths from the back by ``depth``; what is not of the sheet (a foot: behind its back,
    // deeper than it, or below where it stands) keeps its depth and its height; false (nothing moved) where none of
    // the points is of the sheet
    function moveSheet(from, to, live, along, depth) {
        var inward = live.inward, back = live.back_mm, low = [Infinity, Infinity, Infinity];
        var high = [-Infinity, -Infinity, -Infinity], i, c, level;
        function dot(i) { return from[i] * inward[0] + from[i + 1] * inward[1] + from[i + 2] * inward[2]; }
        function ofSheet(level) { return level - back > -0.01 && level - back < depth.deepest + 0.01; }
        for (i = 0; i < from.length; i += 3) {
            level = dot(i);
            if (!ofSheet(level) || level - back < 0.05) continue;
            for (c = 0; c < 3; c++) {
                low[c] = Math.min(low[c], from[i + c] - level * inward[c]);
                high[c] = Math.max(high[c], from[i + c] - level * inward[c]);
            }
        }
        if (!isFinite(low[2])) return false;  // nothing of the sheet found: it is not redrawn
        var anchor = [(low[0] + high[0]) / 2, (low[1] + high[1]) / 2, low[2]];
        for (i = 0; i < from.length; i += 3) {
            level = dot(i);
            var sheet = ofSheet(level), placed = sheet ? depth(level - back) + back : level;
            for (c = 0; c < 3; c++) {
                var flat = from[i + c] - level * inward[c], keep = c === 2 && flat < anchor[2];
                to[i + c] = (keep ? flat : anchor[c] + (flat - anchor[c]) * along) + placed * inward[c];
            }
        }
        return true;
    }

    // the radius a shell's back takes for the options asked (``values``; rendering/live_sheet.py and RoundBack say
    // how), and how much its band between the rims stretches in height; null where a size is not known
    function roundBack(live, values) {
        var built = live.built_with, round = live.round, bands = round.bands_mm[0] + round.bands_mm[1];
        if (!built.width || !values.width) return null;
        var rim = typeof round.less === "string" ? values[round.less] : round.less;
        var radius = round.less === null ? live.back_mm * values.width / built.width : values.width / 2 - rim;
        var tall = round.fixed_height ? (values.height - bands) / (built.height - bands) : radius / live.back_mm;
        return radius > 0 && tall > 0 ? {radius: radius, tall: tall} : null;
    }
    // a shell (round a vertical ``live.axis``, or a dome's ``live.centre``) moved from ``from`` into ``to``: each
    // point of it as far out as the back's new radius and its depth from the back by ``depth``; round an axis its band
    // between the rims (``live.round.bands_mm``) stretched in height, the rims moved along with it, and what is not
    // of it (a plate inside) grown round the axis; kept centred where it stood; false where none of the points is of
    // the shell or the size is not known
    function moveShell(from, to, live, values, depth) {
        var back = live.back_mm, deepest = depth.deepest, round = live.round, grown = roundBack(live, values);
        if (grown === null) return false;
        var centre = live.centre || [live.axis[0], live.axis[1], 0], sphere = !!live.centre;
        var count = from.length / 3, level = new Float64Array(count), lowest = Infinity, highest = -Infinity, i, k;
        for (k = 0, i = 0; k < count; k++, i += 3) {
            var x = from[i] - centre[0], y = from[i + 1] - centre[1], z = sphere ? from[i + 2] - centre[2] : 0;
            level[k] = Math.sqrt(x * x + y * y + z * z) - back;
            if (level[k] > -0.01 && level[k] < deepest + 0.01) {
                lowest = Math.min(lowest, from[i + 2]);
                highest = Math.max(highest, from[i + 2]);
            }
        }
        if (!isFinite(lowest)) return false;  // nothing of the shell found: it is not redrawn
        var below = lowest + round.bands_mm[0], above = highest - round.bands_mm[1], factor = grown.radius / back;
        var before = [Infinity, Infinity, -Infinity, -Infinity], after = [Infinity, Infinity, -Infinity, -Infinity];
        for (k = 0, i = 0; k < count; k++, i += 3) {
            var d = level[k], radius = d + back, shell = d > -0.01 && d < deepest + 0.01;
            var scale = radius > 1e-9 ? (shell ? grown.radius + depth(d) : radius * factor) / radius : factor;
            var nx = centre[0] + (from[i] - centre[0]) * scale, ny = centre[1] + (from[i + 1] - centre[1]) * scale;
            var h = from[i + 2];
            to[i] = nx;
            to[i + 1] = ny;
            to[i + 2] = sphere ? centre[2] + (h - centre[2]) * scale : !shell || h <= below ? h
                : h >= above ? h + (above - below) * (grown.tall - 1) : below + (h - below) * grown.tall;
            before[0] = Math.min(before[0], from[i]); before[2] = Math.max(before[2], from[i]);
            before[1] = Math.min(before[1], from[i + 1]); before[3] = Math.max(before[3], from[i + 1]);
            after[0] = Math.min(after[0], nx); after[2] = Math.max(after[2], nx);
            after[1] = Math.min(after[1], ny); after[3] = Math.max(after[3], ny);
        }
        var dx = (before[0] + before[2] - after[0] - after[2]) / 2, dy = (before[1] + before[3] - after[1] - after[3]) / 2;
        for (i = 0; i < to.length; i += 3) { to[i] += dx; to[i + 1] += dy; }
        return true;
    }

    function View(container, settings) {
        var self = this, gettext = settings.gettext || window.gettext, fill = window.Img2PrintCommon.fill;
        var number = window.Img2PrintCommon.reader(settings.locale || undefined, gettext).number;
        function element(tag, className, parent) {
            var made = document.createElement(tag);
            made.className = className;
            parent.appendChild(made);
            return made;
        }

        var root = element("div", "img2print-view3d", container);
        var stage = element("div", "img2print-view3d-stage", root);
        var facts = element("div", "img2print-view3d-facts", root);
        var size = element("strong", "img2print-view3d-size", facts);
        var bedText = element("span", "img2print-view3d-bed", facts);
        var toggle = element("label", "img2print-view3d-backlit", facts);
        var backlitBox = element("input", "", toggle);
        backlitBox.type = "checkbox";
        toggle.appendChild(document.createTextNode(" " + gettext("Lit from behind")));
        var lightLabel = element("label", "img2print-view3d-light", facts);
        var lightInput = element("input", "", lightLabel);
        lightInput.type = "color";
        lightInput.value = BACKLIGHT;
        lightLabel.appendChild(document.createTextNode(" " + gettext("Colour of the light")));
        lightLabel.hidden = true;
        var hint = element("span", "img2print-view3d-hint", facts);
        hint.textContent = gettext("Drag to turn, scroll or pinch to zoom.");
        var stale = element("p", "img2print-view3d-stale", stage);
        stale.setAttribute("role", "status");
        stale.hidden = true;
        toggle.hidden = true;
        root.hidden = true;

        var THREE = null, renderer = null, scene = null, camera = null, bed = null, solid = null, shown = null;
        var following = null;  // what the page said last: the arguments of its latest ``outdated``
        var orbit = {theta: -Math.PI / 3, phi: 1.05, radius: 200, target: [0, 0, 0]};
        var loading = 0;  // the latest asked view: an older answer arriving later is dropped
        var backlitWanted = false;  // the reader's choice, kept across the previews (and those without the light)

        function render() {
            if (!renderer || !solid) return;
            var r = orbit.radius, t = orbit.target;
            camera.position.set(t[0] + r * Math.sin(orbit.phi) * Math.cos(orbit.theta),
                                t[1] + r * Math.sin(orbit.phi) * Math.sin(orbit.theta),
                                t[2] + r * Math.cos(orbit.phi));
            camera.lookAt(t[0], t[1], t[2]);
            renderer.render(scene, camera);
        }
        function resize() {
            var width = stage.clientWidth;
            if (!renderer || !width) return;
            var height = Math.round(Math.min(width * 0.75, 520));
            renderer.setSize(width, height, false);
            camera.aspect = width / height;
            camera.updateProjectionMatrix();
            render();
        }

        // turning (drag with one pointer) and zooming (wheel, or two pointers pinching)
        function controls(canvas) {
            var pointers = {}, spread = null;
            function distance() {
                var points = Object.keys(pointers).map(function (key) { return pointers[key]; });
                return points.length === 2 ? Math.hypot(points[0].x - points[1].x, points[0].y - points[1].y) : null;
            }
            function zoom(factor) {
                orbit.radius = Math.min(Math.max(orbit.radius * factor, orbit.nearest), orbit.farthest);
                render();
            }
            canvas.addEventListener("pointerdown", function (event) {
                canvas.setPointerCapture(event.pointerId);
                pointers[event.pointerId] = {x: event.clientX, y: event.clientY};
                spread = distance();
            });
            canvas.addEventListener("pointermove", function (event) {
                var last = pointers[event.pointerId];
                if (!last) return;
                if (Object.keys(pointers).length === 1) {
                    orbit.theta -= (event.clientX - last.x) * 0.01;
                    orbit.phi = Math.min(Math.max(orbit.phi - (event.clientY - last.y) * 0.01, 0.02), Math.PI - 0.02);
                    render();
                }
                pointers[event.pointerId] = {x: event.clientX, y: event.clientY};
                var now = distance();
                if (now && spread) zoom(spread / now);
                spread = now;
            });
            function release(event) { delete pointers[event.pointerId]; spread = distance(); }
            canvas.addEventListener("pointerup", release);
            canvas.addEventListener("pointercancel", release);
            canvas.addEventListener("wheel", function (event) {
                event.preventDefault();
                zoom(Math.exp(event.deltaY * 0.001));
            }, {passive: false});
        }

        function start() {
            if (!three) three = import(settings.vendor + "three.module.min.js");
            return three.then(function (module) {
                if (THREE) return;
                THREE = module;
                renderer = new THREE.WebGLRenderer({antialias: true, preserveDrawingBuffer: true});
                renderer.setPixelRatio(Math.min(window.devicePixelRatio || 1, 2));
                stage.appendChild(renderer.domElement);
                scene = new THREE.Scene();
                camera = new THREE.PerspectiveCamera(35, 4 / 3, 1, 10000);
                camera.up.set(0, 0, 1);
                scene.add(new THREE.HemisphereLight(0xffffff, 0x8d8d8d, 2.2));
                var lamp = new THREE.DirectionalLight(0xffffff, 2.0);  // from above left of the viewer, as they turn
                lamp.position.set(-150, 200, 100);
                camera.add(lamp);
                scene.add(camera);
                controls(renderer.domElement);
                if (window.ResizeObserver) new ResizeObserver(resize).observe(stage);
            });
        }

        // the bed from the printer profile: its plate, a 10 mm grid on rectangular beds, and its edge
        function makeBed(printer) {
            var group = new THREE.Group(), round = printer.bed.shape === "circular";
            var width = round ? printer.bed.diameter : printer.bed.width, depth = round ? width : printer.bed.depth;
            var plate = round ? new THREE.CircleGeometry(width / 2, 96) : new THREE.PlaneGeometry(width, depth);
            var surface = new THREE.Mesh(plate, new THREE.MeshBasicMaterial({color: COLOURS.bed}));
            surface.position.z = -0.05;
            group.add(surface);
            var edge = [], grid = [], lines = new THREE.LineBasicMaterial({color: COLOURS.grid}), i;
            if (round) {
                for (i = 0; i <= 96; i++) {
                    var angle = 2 * Math.PI * i / 96;
                    edge.push(new THREE.Vector3(width / 2 * Math.cos(angle), width / 2 * Math.sin(angle), 0));
                }
            } else {
                edge = [[-1, -1], [1, -1], [1, 1], [-1, 1], [-1, -1]].map(function (corner) {
                    return new THREE.Vector3(corner[0] * width / 2, corner[1] * depth / 2, 0);
                });
                for (i = -Math.floor(width / 2 / GRID_MM); i * GRID_MM < width / 2; i++) {
                    grid.push(new THREE.Vector3(i * GRID_MM, -depth / 2, 0), new THREE.Vector3(i * GRID_MM, depth / 2, 0));
                }
                for (i = -Math.floor(depth / 2 / GRID_MM); i * GRID_MM < depth / 2; i++) {
                    grid.push(new THREE.Vector3(-width / 2, i * GRID_MM, 0), new THREE.Vector3(width / 2, i * GRID_MM, 0));
                }
                group.add(new THREE.LineSegments(new THREE.BufferGeometry().setFromPoints(grid), lines));
            }
            var outline = new THREE.Line(new THREE.BufferGeometry().setFromPoints(edge),
                                         new THREE.LineBasicMaterial({color: COLOURS.edge}));
            outline.renderOrder = 1;
            group.add(outline);
            // a solid (centred on the bed) reaching beyond the bed's edge, which then shows through it
            function exceeded(positions) {
                for (var i = 0; i < positions.length; i += 3) {
                    var x = Math.abs(positions[i]), y = Math.abs(positions[i + 1]);
                    if (round ? Math.hypot(x, y) > width / 2 : x > width / 2 || y > depth / 2) return true;
                }
                return false;
            }
            return {group: group, radius: Math.hypot(width, depth) / 2, plate: surface.material, grid: lines,
                    edge: outline.material, exceeded: exceeded};
        }

        // the solid shaded; or lit from behind: only the picture's surface, seen from either side, in the colour
        // of the light that passes there
        function material() {
            if (backlitBox.checked && shown.light) {
                return [new THREE.MeshBasicMaterial({vertexColors: true, side: THREE.DoubleSide}),
                        new THREE.MeshBasicMaterial({visible: false})];
            }
            if (shown.colour) return new THREE.MeshStandardMaterial({vertexColors: true, roughness: 0.75, flatShading: true});
            return new THREE.MeshStandardMaterial({color: COLOURS.solid, roughness: 0.75, flatShading: true});
        }
        function dispose(used) { [].concat(used).forEach(function (item) { item.dispose(); }); }
        // the light passing each point of the picture's surface (a byte per vertex), in the light's colour
        function lightColours(light) {
            var hex = lightInput.value, colours = new Float32Array(light.length * 3), rgb = [1, 3, 5].map(function (at) {
                return parseInt(hex.substr(at, 2), 16) / 255;
            });
            for (var i = 0; i < light.length; i++) {
                for (var c = 0; c < 3; c++) colours[i * 3 + c] = light[i] / 255 * rgb[c];
            }
            return colours;
        }
        function paint() {
            if (!solid) return;
            dispose(solid.material);
            solid.material = material();
            var dark = backlitBox.checked && shown.light;
            lightLabel.hidden = !dark;
            scene.background = new THREE.Color(dark ? COLOURS.dark : COLOURS.background);
            bed.plate.color.setHex(dark ? COLOURS.darkBed : COLOURS.bed);
            bed.grid.color.setHex(dark ? COLOURS.darkGrid : COLOURS.grid);
            render();
        }
        backlitBox.addEventListener("change", function () { backlitWanted = backlitBox.checked; paint(); });
        lightInput.addEventListener("input", function () {
            if (!solid || !shown.light) return;
            solid.geometry.setAttribute("color", new THREE.BufferAttribute(lightColours(shown.light), 3));
            render();
        });

        function place(data, view) {
            var geometry = new THREE.BufferGeometry();
            geometry.setAttribute("position", new THREE.BufferAttribute(data.positions.slice(), 3));  // moved when redrawn
            geometry.setIndex(new THREE.BufferAttribute(data.index, 1));
            if (data.light) {
                geometry.setAttribute("color", new THREE.BufferAttribute(lightColours(data.light), 3));
                geometry.addGroup(0, data.surface * 3, 0);
                geometry.addGroup(data.surface * 3, data.index.length - data.surface * 3, 1);
            }
            if (data.colour) {  // a painting in its predicted colours: sRGB bytes, as linear light for three.js
                var linear = new Float32Array(data.colour.length);
                for (var k = 0; k < data.colour.length; k++) {
                    var v = data.colour[k] / 255;
                    linear[k] = v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
                }
                geometry.setAttribute("color", new THREE.BufferAttribute(linear, 3));
            }
            var first = solid === null;
            if (solid) { scene.remove(solid); solid.geometry.dispose(); dispose(solid.material); }
            if (bed) {
                scene.remove(bed.group);
                bed.group.traverse(function (part) { if (part.geometry) { part.geometry.dispose(); part.material.dispose(); } });
            }
            shown = data;
            solid = new THREE.Mesh(geometry, material());
            bed = makeBed(view.printer);
            scene.add(bed.group);
            scene.add(solid);
            root.img2printSolid = solid;  // what is drawn, for whoever inspects the page
            frame(first);
            if (first) facePicture(data);
            paint();
        }
        // the solid framed: the first whole (its bounding sphere inside the narrower angle of view, with a margin),
        // the bed around it; later ones (and a sheet redrawn) keep the reader's zoom unless they would overflow the
        // view or shrink to a speck in it
        function frame(first) {
            var extent = measure(), reach = Math.hypot(extent[0], extent[1], extent[2]) / 2;
            orbit.nearest = Math.max(reach * 0.3, 2);
            orbit.farthest = Math.max(reach, bed.radius) * 6;
            orbit.target = [0, 0, extent[2] / 2];
            var fits = reach / Math.sin(Math.min(narrowest(), Math.PI / 2));
            var framed = Math.max(fits * 1.15, bed.radius * 0.9);
            if (first || fits > orbit.radius || reach * 12 < orbit.radius) orbit.radius = framed;
            orbit.radius = Math.min(Math.max(orbit.radius, orbit.nearest), orbit.farthest);
        }

        // the solid's bounds (kept on the view's element as [min x, y, z, max x, y, z]) and size; the bed's edge
        // shown through the solid where it reaches beyond the bed
        function measure() {
            var geometry = solid.geometry;
            geometry.computeBoundingBox();
            geometry.computeBoundingSphere();
            var box = geometry.boundingBox;
            root.dataset.bounds = JSON.stringify([box.min.x, box.min.y, box.min.z, box.max.x, box.max.y, box.max.z]);
            bed.edge.depthTest = !bed.exceeded(geometry.attributes.position.array);
            return [box.max.x - box.min.x, box.max.y - box.min.y, box.max.z - box.min.z];
        }

        // the sheet shown moved to what the page asks (``asked``: its JSON of [file, mode, options, printer, intent,
        // overrides]; ``listed``: the mode's options as the API lists them), where its preview gave the facts for it
        // and only its size and the thicknesses its rules name changed since; true when it is then no longer its
        // exact preview
        function reshape(asked, listed) {
            var live = shown && shown.live;
            if (!live || !asked || !shown.asked) return false;
            if (shown.reshaped !== asked) {  // once for each change (a page may say the same again)
                shown.reshaped = asked;
                shown.moved = redraw(live, asked, listed);
            }
            return shown.moved;
        }
        function redraw(live, asked, listed) {
            var moving = Object.keys(live.rules).concat("width", "height"), built = live.built_with;
            if (askedBut(asked, moving) !== askedBut(shown.asked, moving)) return false;
            var values = askedValues(moving, JSON.parse(asked)[2], listed), depth = depthMap(live.rules, built, values);
            var along = live.round ? 1 : stretchAlong(values, built);
            if (along === null || depth === null) return false;
            var position = solid.geometry.attributes.position;
            var moved = live.round ? moveShell(shown.positions, position.array, live, values, depth)
                : moveSheet(shown.positions, position.array, live, along, depth);
            if (!moved) return false;
            position.needsUpdate = true;
            frame(false);
            render();
            return moving.some(function (name) { return values[name] !== built[name]; });
        }

        // half the narrower angle of the camera's view (radians): the height's, or the width's in a tall view
        function narrowest() {
            var half = camera.fov * Math.PI / 360;
            return Math.min(half, Math.atan(Math.tan(half) * camera.aspect));
        }

        // a first look at a lithophane from its picture's side, a little from the right and above
        function facePicture(data) {
            var p = data.positions, f = data.index, sum = [0, 0, 0], i;
            for (i = 0; i < data.surface * 3; i += 3) {
                var a = f[i] * 3, b = f[i + 1] * 3, c = f[i + 2] * 3;
                var u = [p[b] - p[a], p[b + 1] - p[a + 1], p[b + 2] - p[a + 2]];
                var v = [p[c] - p[a], p[c + 1] - p[a + 1], p[c + 2] - p[a + 2]];
                sum[0] += u[1] * v[2] - u[2] * v[1];
                sum[1] += u[2] * v[0] - u[0] * v[2];
                sum[2] += u[0] * v[1] - u[1] * v[0];
            }
            if (Math.hypot(sum[0], sum[1]) > Math.abs(sum[2])) {
                orbit.theta = Math.atan2(sum[1], sum[0]) - 0.45;
                orbit.phi = 1.2;
            }
        }

        // the solid's size, and where printing stands it otherwise (on a foot, turned) its size on the bed
        function describe(view) {
            function sized(values) {
                var mm = values.map(function (value) { return number(value, 1); });
                return fill(gettext("{x} × {y} × {z} mm"), {x: mm[0], y: mm[1], z: mm[2]});
            }
            size.textContent = sized(view.size_mm);
            var said = fill(gettext("Printer: {printer}"), {printer: view.printer.name});
            if (sized(view.bed_size_mm) !== size.textContent) {
                said = fill(gettext("On the bed: {size}"), {size: sized(view.bed_size_mm)}) + " · " + said;
            }
            if (view.decimated) {
                said += " · " + fill(gettext("shown with {shown} of its {total} triangles"),
                                     {shown: number(view.triangles), total: number(view.solid_triangles)});
            }
            bedText.textContent = said;
        }

        // show a finished preview: ``view`` is the job's result.view, ``address`` where its binary is read, ``live``
        // its result.live (a sheet it can redraw at once) and ``asked`` what the page asked for it (the JSON that
        // ``outdated`` takes)
        self.show = function (view, address, live, asked) {
            var ticket = ++loading;
            return start().then(function () {
                return fetch(address, {credentials: "same-origin"});
            }).then(function (answer) {
                if (!answer.ok) throw new Error(answer.status);
                return answer.arrayBuffer();
            }).then(function (buffer) {
                if (ticket !== loading) return;
                var data = Object.assign(parse(buffer), {live: live, asked: asked});
                root.hidden = false;
                describe(view);
                toggle.hidden = !data.light;
                backlitBox.checked = backlitWanted && !!data.light;
                place(data, view);
                resize();
                root.dataset.shown = address;  // which preview's solid is drawn, for whoever inspects the page
                if (following) self.outdated.apply(self, following);
            });
        };
        self.hide = function () { loading++; root.hidden = true; };
        // the solid on screen is no longer what the job or the options make (``old`` true), or it is again (false);
        // a sheet is redrawn at once to what the page asks (``asked`` and ``listed`` as ``reshape`` takes them) where
        // it can be, and said to be redrawn until its exact preview comes, else to be an earlier shape
        self.outdated = function (old, asked, listed) {
            following = [old, asked, listed];
            stale.textContent = reshape(asked, listed) ? gettext("Redrawn at once; the exact preview follows…")
                : gettext("This view shows an earlier shape: preview again to see the new shape.");
            stale.hidden = !old;
        };
    }

    window.Img2PrintView3D = {
        supported: supported,
        // a view inside ``container``; settings: vendor (the address of static/vendor/), locale, gettext
        create: function (container, settings) { return new View(container, settings); }
    };
})();

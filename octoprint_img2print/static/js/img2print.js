/* img2print's tab and settings: pick a picture, choose what to make, preview, convert, slice, print. */
$(function () {
    // buttons on OctoPrint's file list: "Make a print" on pictures and drawings, "Check and repair" on models (the
    // list's template is read when the list is drawn, after the view models are made; gettext exists from then on)
    // ``needs``: the action whose permissions (the listing's) the button asks for
    function fileListButton(css, files, action, needs, title, icon) {
        return '<div class="btn btn-mini ' + css + '" data-bind="visible: window.Img2Print && '
            + 'window.Img2Print.may(\'' + needs + '\') && /\\.(' + files + ')$/i.test(name), '
            + 'click: function() { window.Img2Print.' + action + '($data); }" role="link" title="'
            + _.escape(title) + '" aria-label="' + _.escape(title) + '"><i class="fas ' + icon + '"></i></div>';
    }
    function addFileListButtons() {
        var modelTemplate = $("#files_template_model");
        if (!modelTemplate.length || modelTemplate.html().indexOf("img2print-files-repair") >= 0) return;
        var kinds = $("#img2print").data() || {};  // the extensions img2print reads, as the server declares them
        if (!kinds.pictures) return;  // the tab is switched off: no picture flow to lead to
        var buttons = fileListButton("img2print-files-make", kinds.pictures, "useListed", "convert",
                                     gettext("Make a print"), "fa-image")
            + fileListButton("img2print-files-repair", kinds.models, "repairFile", "repair",
                             gettext("Check and repair"), "fa-wrench");
        modelTemplate.html(modelTemplate.html().replace('<div class="btn-group action-buttons">',
            '<div class="btn-group action-buttons">' + buttons));
    }

    function Img2PrintViewModel(parameters) {
        var self = this;
        self.loginState = parameters[0];
        self.settings = parameters[1];
        self.access = parameters[2];
        self.printerProfiles = parameters[3];

        self.modes = ko.observableArray([]);
        self.printers = ko.observableArray([]);
        self.allIntents = ko.observableArray([]);  // every intent; a mode offers those its listing names
        self.filaments = ko.observableArray([]);  // the filament library, by name: {value, label}
        self.slicerList = ko.observableArray([]);
        self.mode = ko.observable();
        self.printer = ko.observable();
        self.intent = ko.observable();
        self.showAdvanced = ko.observable(false);
        self.slicing = ko.observableArray([]);  // the slicing options (layers, walls, infill, supports, ...)
        self.showSlicing = ko.observable(false);
        self.file = ko.observable(null);
        self.uploaded = ko.observable(null);
        self.job = ko.observable(null);
        self.busy = ko.observable(false);
        self.error = ko.observable("");
        self.groups = ko.observableArray([]);
        self.pictureUrl = ko.observable("");
        self.pictureSize = ko.observable(null);
        self.checked = ko.observable(null);  // what the checks shown were made of (the last preview or slice)
        self.estimate = ko.observable("");  // the last preview's estimate of time and filament, until a slice
        self.defaults = {printer: "", modes: {}};
        self.preview = ko.observable("");
        self.backlit = ko.observable("");
        self.painted = ko.observable("");  // a filament painting as it will look printed
        self.result = ko.observable(null);
        self.bedClear = ko.observable(false);
        self.elapsed = ko.observable(0);
        self.tripo = ko.observable({configured: false, third_party: ""});
        self.tripoHeight = ko.observable(60);
        self.tripoQuote = ko.observable(null);
        // what the API's listing declares: the stages' labels, the files of each kind, what each action needs
        self.stages = ko.observable({});
        self.fileKinds = ko.observable({});
        self.permissions = ko.observable(null);

        var Common = window.Img2PrintCommon, fill = Common.fill;
        var locale = typeof LOCALE === "string" && LOCALE ? LOCALE.replace("_", "-") : undefined;
        var say = Common.reader(locale, gettext), number = say.number;
        self.number = number;

        // the user holds the OctoPrint permission of this name
        self.has = function (name) {
            var permission = self.access.permissions[name];
            return permission !== undefined && self.loginState.hasPermission(permission);
        };
        // the user may do the action (preview, slice, print, ...): holds every permission the listing names for it
        // (nothing before the listing came)
        self.may = function (action) {
            var needs = (self.permissions() || {})[action];
            return !!needs && self.loginState.isUser() && needs.every(self.has);
        };
        // the listing itself needs img2print's convert permission: until it came, that is what the tab asks for
        var LISTING_NEEDS = ["PLUGIN_IMG2PRINT_CONVERT"];
        function mayList() { return self.loginState.isUser() && LISTING_NEEDS.every(self.has); }
        self.canConvert = ko.pureComputed(function () { return self.permissions() ? self.may("preview") : mayList(); });
        self.canSlice = ko.pureComputed(function () { return self.may("slice"); });
        self.canPrint = ko.pureComputed(function () { return self.may("print"); });
        self.kindOf = function (name) { return Common.kindOf(name, self.fileKinds()); };
        // no picture picked, and none needed (words alone, a card)
        self.wordsOnly = ko.pureComputed(function () {
            return self.file() === null && Common.needsNoPicture(self.current(), self.options());
        });
        self.ready = ko.pureComputed(function () {
            return (self.file() !== null || self.wordsOnly()) && !self.busy() && !self.invalid();
        });
        // a field holds a value that cannot be used (its problem is shown at the field)
        self.invalid = ko.pureComputed(function () {
            var mode = self.current();
            return (!!mode && mode.fields.some(function (item) { return item.applies() && item.problem(); }))
                || self.slicing().some(function (item) { return item.applies() && item.problem(); });
        });

        function stored() {
            var plugins = self.settings.settings && self.settings.settings.plugins;
            return plugins && plugins.img2print ? plugins.img2print : null;
        }
        // what the settings say a mode starts with: its width and intent (from the API's listing)
        function modeDefault(id, key) {
            var value = (self.defaults.modes[id] || {})[key];
            return value === "" || value === undefined ? null : value;
        }

        // the first-run wizard's choice "OctoPrint's printer", with its name
        self.octoprintPrinter = ko.pureComputed(function () {
            var current = self.printerProfiles.currentProfileData();
            var name = current ? ko.unwrap(current.name) : "";
            return name ? fill(gettext("The printer OctoPrint uses ({name})"), {name: name}) : gettext("The printer OctoPrint uses");
        });

        // OctoPrint's printer as img2print makes G-code for it: its start and end G-code (set in the settings, or
        // the generic ones) and the shipped printer that matches it, whose maker's G-code and facts would apply
        self.octoprintProfile = ko.observable(null);
        self.startGcode = ko.observable("");
        self.endGcode = ko.observable("");
        self.gcodeSaid = ko.observable("");
        self.gcodeError = ko.observable("");
        self.showOctoprintPrinter = function (profile) {
            self.octoprintProfile(profile || null);
            self.startGcode(profile && profile.start_gcode || "");
            self.endGcode(profile && profile.end_gcode || "");
        };
        self.suggestionText = ko.pureComputed(function () {
            var profile = self.octoprintProfile();
            if (!profile || !profile.suggested) return "";
            return fill(gettext("OctoPrint's printer profile \"{name}\" matches img2print's \"{printer}\": choose it so its own start and end G-code and settings apply."),
                        {name: profile.name, printer: profile.suggested.name});
        });
        self.gcodeTitle = ko.pureComputed(function () {
            var profile = self.octoprintProfile();
            return profile ? fill(gettext("Start and end G-code of the printer OctoPrint uses ({name})"), {name: profile.name}) : "";
        });
        self.useSuggested = function () {
            var profile = self.octoprintProfile(), plugin = stored();
            if (profile && profile.suggested && plugin) plugin.default_printer(profile.suggested.id);
        };
        self.suggestionOpen = ko.pureComputed(function () {
            var plugin = stored();
            return !!self.suggestionText() && !!plugin && !plugin.default_printer();
        });
        // next to the tab's printer menu: what "the printer OctoPrint uses" prints with
        self.printerNote = ko.pureComputed(function () {
            var profile = self.octoprintProfile();
            if (self.printer() || !profile) return "";
            var note = fill(profile.own_gcode ? gettext("OctoPrint's \"{name}\", with the start and end G-code set in img2print's settings.")
                                              : gettext("OctoPrint's \"{name}\", with img2print's generic start and end G-code (home, heat, prime line; heaters off at the end)."),
                            {name: profile.name});
            return profile.suggested ? note + " " + fill(gettext("img2print's \"{printer}\" matches it."), {printer: profile.suggested.name}) : note;
        });
        function saveGcode(start, end) {
            self.gcodeSaid("");
            self.gcodeError("");
            OctoPrint.simpleApiCommand("img2print", "printer_gcode", {start_gcode: start, end_gcode: end})
                .done(function (answer) {
                    self.showOctoprintPrinter(answer.octoprint_printer);
                    self.gcodeSaid(gettext("Saved. Every G-code for this printer starts and ends with it."));
                })
                .fail(function (xhr) { self.gcodeError(failure(xhr, gettext("The G-code was not saved."))); });
        }
        self.saveGcode = function () { saveGcode(self.startGcode(), self.endGcode()); };
        self.genericGcode = function () { saveGcode("", ""); };

        self.modeDefaults = ko.pureComputed(function () {
            var plugin = stored(), defaults = plugin ? plugin.mode_defaults : null;
            if (!defaults) return [];
            return self.modes().filter(function (mode) { return defaults[mode.id]; }).map(function (mode) {
                return {label: mode.label, width: defaults[mode.id].width, intent: defaults[mode.id].intent,
                        intents: intentsOf(mode), widthPlaceholder: Fields.formatNumber(mode.defaultWidth, locale)};
            });
        });

        // one field per option of a mode, made from the mode's own description in the API's listing (the fields'
        // shared part, with the phone page, is img2print_fields.js): numbers in the reader's language
        var Fields = window.Img2PrintFields;
        function field(option, start, prefix) {
            var described = Fields.describe(option, start, locale, gettext);
            var item = $.extend({}, described, {id: (prefix || "img2print-option-") + option.name});
            item.value = ko.observable(item.initial);
            // what an emptied field is made with: the option's own default, or what a preview's plan says
            item.placeholder = ko.observable(described.placeholder);
            item.caption = ko.observable(described.caption);
            item.showUsed = function (value) {
                var shown = Fields.used(described, value, locale, gettext);
                item.placeholder(shown.placeholder);
                item.caption(shown.caption);
            };
            if (item.type === "choices") {  // several of the choices, sent comma-separated
                item.chosen = ko.observableArray(String(item.initial || "").split(",").filter(Boolean));
                item.chosen.subscribe(function (values) { item.value(values.join(",")); });
                item.chosenText = ko.pureComputed(function () { return say.chosen(item.choices, item.chosen()); });
            }
            item.problem = ko.pureComputed(function () { return Fields.problem(option, item.value(), locale, gettext); });
            item.applies = function () { return true; };  // shown and sent (a mode's shape, a painting, may say not)
            item.set = function (value) { item.value(item.number ? Fields.formatNumber(value, locale) : value); };
            return item;
        }
        function fromListing(mode) {
            var width = modeDefault(mode.id, "width") || mode.default_width;
            var fields = mode.options.map(function (option) {
                var own = option.name === "width" && width !== null && width !== undefined;
                return field(option, own ? width : option.default);
            });
            // an option that says which shapes it belongs to (an arc's angle) is shown and sent for those only
            var shape = ko.utils.arrayFirst(fields, function (item) { return item.name === "shape"; });
            fields.forEach(function (item) {
                var shapes = item.option.shapes;
                if (shapes && shape) item.applies = ko.pureComputed(function () { return shapes.indexOf(shape.value()) >= 0; });
            });
            return {id: mode.id, label: mode.label, description: mode.description, defaultFor: mode.default_for, fields: fields,
                    reads: mode.reads, intents: mode.intents || [], ownFilaments: !!mode.own_filaments,
                    defaultWidth: mode.default_width,
                    main: fields.filter(function (item) { return item.main; }),
                    advanced: fields.filter(function (item) { return !item.main; })};
        }
        self.current = ko.pureComputed(function () {
            var id = self.mode();
            return ko.utils.arrayFirst(self.modes(), function (mode) { return mode.id === id; });
        });
        self.mode.subscribe(function (id) { self.intent(modeDefault(id, "intent") || undefined); });
        // a model is sliced as it is: every intent; a picture: the intents its mode names (its own first)
        self.isModel = ko.pureComputed(function () {
            var file = self.file();
            return file !== null && self.kindOf(file.name) === "models";
        });
        function intentsOf(mode) { return Common.intentsOf(mode, self.allIntents()); }
        self.intents = ko.pureComputed(function () {
            return self.isModel() ? self.allIntents() : intentsOf(self.current());
        });

        self.load = function () {
            if (!mayList()) { self.permissions(null); return; }
            OctoPrint.simpleApiGet("img2print").done(function (answer) {
                self.stages(answer.stages);
                self.fileKinds(answer.file_kinds);
                self.permissions(answer.permissions);
                self.defaults = answer.defaults;
                self.modes(answer.modes.map(fromListing));
                self.slicing(answer.overrides.map(function (option) {
                    var item = field(option, option.default, "img2print-slicing-");
                    // the filament is not for a mode that prints in its own (a painting is heated for its filaments)
                    if (option.name === "filament") {
                        item.applies = ko.pureComputed(function () {
                            var mode = self.current();
                            return !(mode && mode.ownFilaments && !self.isModel());
                        });
                    }
                    return item;
                }));
                self.filaments(answer.overrides.filter(function (option) { return option.name === "filament"; })
                    .map(function (option) { return option.choices; })[0] || []);
                self.printers(answer.printers);
                self.allIntents(answer.intents);
                self.slicerList(answer.slicers);
                self.tripo(answer.tripo);
                if (answer.bed) self.bed(answer.bed);
                self.showOctoprintPrinter(answer.octoprint_printer);
                if (answer.defaults.printer) self.printer(answer.defaults.printer);
                self.intent(modeDefault(self.mode(), "intent") || undefined);
            });
        };
        self.onStartup = self.onUserLoggedIn = self.onUserLoggedOut = self.onUserPermissionsChanged = self.load;

        // a slicer's own setting (a path, a folder) in OctoPrint's settings
        // a decimal setting as the reader writes it ("2,5" in German); what cannot be read as a number stays as typed
        self.localNumber = function (setting) {
            return ko.pureComputed({
                read: function () { return Fields.formatNumber(setting(), locale); },
                write: function (text) {
                    var value = Fields.parseNumber(text, locale);
                    setting(isNaN(value) ? text : value);
                }
            });
        };

        self.slicerSetting = function (slicer, key) {
            var plugin = stored(), own = plugin && plugin.slicers && plugin.slicers[slicer];
            return own && own[key] ? own[key] : ko.observable("");
        };

        // a picture or model to work on: picked on this device (uploaded with the first action), or one of
        // OctoPrint's file list (``listed``: its path there; nothing is uploaded again)
        function choose(file, url, listed) {
            self.file(file);
            self.tripoQuote(null);
            if (self.pictureUrl().indexOf("blob:") === 0) URL.revokeObjectURL(self.pictureUrl());
            self.pictureSize(null);
            self.pictureUrl(url);
            self.uploaded(listed);
            self.preview("");
            self.backlit("");
            self.painted("");
            if (view3d) view3d.hide();
            self.groups([]);
            self.checked(null);
            self.estimate("");
            self.result(null);
            self.error("");
            if (file && self.kindOf(file.name) === "drawings") {
                var drawing = ko.utils.arrayFirst(self.modes(), function (mode) { return mode.defaultFor.indexOf("drawing") >= 0; });
                if (drawing) self.mode(drawing.id);
            }
        }
        // a file picked here is previewed at once (uploaded with its first preview)
        self.pick = function (data, event) {
            var chosen = event.target.files && event.target.files[0];
            choose(chosen || null, chosen && self.kindOf(chosen.name) !== "models" ? URL.createObjectURL(chosen) : "", null);
            if (chosen) self.livePreview();
        };
        // "Make a print" on a picture in OctoPrint's file list: the tab opens with it and previews it
        self.useListed = function (entry) {
            $("#tab_plugin_img2print_link a").tab("show");
            choose({name: entry.name}, entry.refs && entry.refs.download ? entry.refs.download : "", entry.path);
            self.livePreview();
        };
        self.listedName = ko.pureComputed(function () { return self.uploaded() && self.file() ? self.file().name : ""; });

        // the fields' values that differ from their defaults, as the API takes them (a width always)
        function changed(fields) {
            var values = {};
            fields.forEach(function (item) {
                var value = item.value();
                if (!item.applies() || item.problem() || value === "" || value === null || value === undefined || value === item.initial && item.name !== "width") return;
                values[item.name] = Fields.valueOf(item, value, locale);
            });
            return values;
        }
        self.options = ko.pureComputed(function () {
            var mode = self.current();
            return mode ? changed(mode.fields) : {};
        });
        self.overrides = ko.pureComputed(function () { return changed(self.slicing()); });

        // what a job was asked for: the file, the mode, its options, the printer, the intent and the slicing options
        self.asked = ko.pureComputed(function () {
            return JSON.stringify([self.uploaded(), self.mode(), self.options(), self.printer() || "", self.intent() || "",
                                   self.overrides()]);
        });
        // the checks shown (a preview's or a slice's) are of the solid as it is asked for now, and nothing in them
        // blocks slicing (it fits)
        self.checksCurrent = ko.pureComputed(function () { return self.checked() === self.asked(); });
        self.blocked = ko.pureComputed(function () {
            return self.checksCurrent() && self.groups().some(function (group) { return group.level === "error"; });
        });

        // the framing control where the picture is picked (img2print_common.js), for a mode that takes a turn and a
        // part of the picture: it sets their fields, and follows them, the picture and the shape the options fix
        function optionField(name) {
            var mode = self.current();
            return mode ? ko.utils.arrayFirst(mode.fields, function (item) { return item.name === name; }) : null;
        }
        var framing = Common.framing(document.getElementById("img2print-framing"), {
            gettext: gettext, number: number, button: "btn btn-small",
            change: function (angle, box) { optionField("rotate").set(angle); optionField("crop_box").set(box); }
        });
        self.pictureUrl.subscribe(framing.picture);
        ko.computed(function () {
            var rotate = optionField("rotate"), crop = optionField("crop_box");
            framing.use(!!rotate && !!crop);
            if (!rotate || !crop) return;
            framing.set(Fields.parseNumber(rotate.value(), locale), crop.value());
            framing.aspect(Common.framedAspect(self.options()));
        });
        self.canSend = ko.pureComputed(function () { return self.ready() && self.canSlice() && !self.blocked(); });
        self.canSendPrint = ko.pureComputed(function () {
            return self.canSend() && self.canPrint() && self.bedClear() && self.checksCurrent();
        });

        // where the findings are, as marks on the picture (their places are in the picture's own pixels)
        self.pictureLoaded = function (data, event) {
            self.pictureSize([event.target.naturalWidth, event.target.naturalHeight]);
        };
        self.marks = ko.pureComputed(function () {
            var size = self.pictureSize() || [];
            return Common.marks(self.groups(), size[0], size[1]);
        });

        // a finding's fix: set the option it names, and the preview follows
        self.applyFix = function (group) {
            var mode = self.current(), fields = (mode ? mode.fields : []).concat(self.slicing());
            var item = ko.utils.arrayFirst(fields, function (f) { return f.name === group.fix.option; });
            if (item) item.set(group.fix.value);
        };

        function failure(xhr, fallback) {
            return (xhr.responseJSON && xhr.responseJSON.error && xhr.responseJSON.error.message) || fallback;
        }

        // the preview follows the file picked and every change after it, 600 ms after the last; a running preview
        // is replaced by the newer one once its file is in OctoPrint's list (a file still uploading is not sent
        // twice: the newer preview follows it, as it follows any other job)
        // working: the file of the job sent last; sent: the last file picked here that was sent (uploaded)
        var pending = null, changedWhileBusy = false, working = null, sent = null;
        function previewReplaceable() {
            var job = self.job();
            return self.busy() && job !== null && job.action === "preview" && jobs.id() !== null;
        }
        self.livePreview = function () {
            // a file picked here, one in OctoPrint's list, or words alone after a first preview of them; not a
            // picked file whose first preview failed (Preview sends it again)
            var given = self.file() !== null || (self.wordsOnly() && self.checked() !== null);
            var refused = self.file() !== null && sent === self.file() && !self.uploaded() && !self.busy();
            if (!given || refused || self.invalid()) return;
            if (self.busy() && !previewReplaceable()) { changedWhileBusy = true; return; }
            if (pending) window.clearTimeout(pending);
            pending = window.setTimeout(function () {
                pending = null;
                if (previewReplaceable()) self.cancel();
                else if (self.busy()) { changedWhileBusy = true; return; }
                startJob("preview");
            }, 600);
        };
        [self.options, self.overrides, self.printer, self.intent].forEach(function (observable) { observable.subscribe(self.livePreview); });

        // the phone page, as this browser reaches OctoPrint, and its QR code
        self.phoneAddress = window.location.origin + (typeof BASEURL === "string" ? BASEURL : "/") + "plugin/img2print/phone";
        self.phoneCode = OctoPrint.getBlueprintUrl("img2print") + "phone-code.svg?url=" + encodeURIComponent(self.phoneAddress);

        // the live 3D view of the latest preview (img2print_view3d.js; three.js comes with the first one), or the
        // pictures of the solid where this browser has no WebGL
        self.hasView3d = window.Img2PrintView3D.supported();
        var view3d = null;
        // what the view's solid was asked for; the view says it is out of date when that is no longer what is asked
        // (an option changed, a model repaired since)
        self.viewed = ko.observable(null);
        self.viewOutdated = ko.pureComputed(function () { return self.viewed() !== self.asked(); });
        // the view follows what is asked: a sheet redrawn at once where it can be (img2print_view3d.js)
        function followView() {
            var old = self.viewOutdated(), asked = self.asked(), mode = self.current();
            if (view3d) view3d.outdated(old, asked, mode ? mode.fields.map(function (item) { return item.option; }) : []);
        }
        ko.computed(followView);
        self.showView3d = function (jobId, view, live) {
            if (!self.hasView3d) return;
            view3d = view3d || window.Img2PrintView3D.create(document.getElementById("img2print-view3d"), {
                vendor: new URL(OctoPrint.getBlueprintUrl("img2print") + "static/vendor/", window.location.href).href,
                locale: locale, gettext: gettext});
            followView();
            view3d.show(view, OctoPrint.getBlueprintUrl("img2print") + "view?job=" + encodeURIComponent(jobId), live,
                        self.viewed())
                .catch(function () { self.error(gettext("The 3D view could not be shown.")); });
        };

        // a photo (not a drawing or a model) can go to Tripo for a full 3D model
        self.isPhoto = ko.pureComputed(function () {
            var file = self.file();
            return file !== null && self.kindOf(file.name) === "rasters";
        });
        // what a model from Tripo costs, asked before anything is sent
        self.askTripo = function () {
            self.error("");
            OctoPrint.simpleApiCommand("img2print", "quote", {})
                .done(function (answer) { self.tripoQuote(answer); })
                .fail(function (xhr) { self.error(failure(xhr, gettext("Tripo could not be asked."))); });
        };
        self.tripoQuoteText = ko.pureComputed(function () {
            var price = self.tripoQuote();
            return price ? fill(gettext("It costs about {cost} credits; your Tripo account holds {balance}."),
                                {cost: number(price.cost, 1), balance: number(price.balance, 1)}) : "";
        });

        // a preview that failed leaves nothing of the one before on screen: its findings, 3D view and pictures
        // belonged to other options
        self.forgetPreview = function () {
            self.groups([]);
            self.preview("");
            self.backlit("");
            self.painted("");
            self.estimate("");
            self.showPlanned(null);
            self.checked(null);
            if (view3d) view3d.hide();
        };
        // the slicing fields left empty show what the last preview's plan slices with (null: their own default)
        self.showPlanned = function (planned) {
            self.slicing().forEach(function (item) { item.showUsed(planned ? planned[item.name] : undefined); });
        };

        // the jobs of this tab (img2print_common.js): sent, then followed until they end, each state shown
        var jobs = Common.jobs({api: OctoPrint.getBaseUrl() + OctoPrint.getSimpleApiUrl("img2print"),
                                upload: OctoPrint.getBaseUrl() + OctoPrint.getBlueprintUrl("img2print") + "upload",
                                headers: function (method) { return OctoPrint.getRequestHeaders(method); },
                                gettext: gettext},
                               function (job) { self.show(job); });
        // what a job on the picture asks for: the mode, its options, the printer, the intent and the slicing options
        // (a model from Tripo: its height)
        function request(action) {
            if (action === "generate") return {height: Fields.parseNumber(self.tripoHeight(), locale), confirm_credits: true};
            var asked = {mode: self.mode(), options: self.options(), overrides: self.overrides()};
            if (self.printer()) asked.printer = self.printer();
            if (self.intent()) asked.intent = self.intent();
            if (action === "print") $.extend(asked, {bed_clear: true, print: true, select: true});
            if (action === "preview" && self.hasView3d) asked.pictures = false;  // the 3D view shows the solid
            return asked;
        }
        // the picked file with the request, as the upload takes it (a print there is a slice that prints, selected)
        function uploadForm(action) {
            var asked = request(action), form = new FormData();
            form.append("file", self.file(), self.file().name);
            Object.keys(asked).forEach(function (key) {
                var value = asked[key];
                if (key !== "print" && key !== "select") form.append(key, typeof value === "object" ? JSON.stringify(value) : value);
            });
            return form;
        }
        // a job on the picture: the first uploads the picked file; later ones work on it in OctoPrint's list (and
        // words alone on no file); what it is asked for is kept for its checks
        function startJob(action) {
            var upload = !(self.uploaded() || self.wordsOnly()), file = self.file();
            self.checking = upload ? null : self.asked();
            working = file;
            if (upload) sent = file;
            self.busy(true);
            self.error("");
            jobs.start(action, upload ? uploadForm(action) : $.extend({file: self.uploaded() || ""}, request(action)))
                .then(function (job) {
                    if (!job || !upload || self.file() !== file) return;  // not if another file was picked since
                    self.uploaded(job.file);
                    self.checking = self.asked();
                });
        }
        // a job the reader asked for: its progress (just below the buttons, with the result and the views after it)
        // is brought into sight once it shows
        var bringIntoSight = false;
        self.send = function (action) {
            if (pending) { window.clearTimeout(pending); pending = null; }  // this job is of what is asked now
            changedWhileBusy = false;
            if (action === "generate") self.tripoQuote(null);
            if (action === "print") self.bedClear(false);
            self.result(null);
            bringIntoSight = true;
            startJob(action);
        };

        // print a finished G-code now: the bed was just confirmed clear
        self.printResult = function () {
            var result = self.result();
            self.error("");
            OctoPrint.simpleApiCommand("img2print", "print", {file: result.file, bed_clear: true})
                .done(function () {
                    self.bedClear(false);
                    self.result($.extend({}, result, {print: {started: true, file: result.file}}));
                })
                .fail(function (xhr) { self.error(failure(xhr, gettext("The print did not start."))); });
        };

        self.cancel = function () { jobs.cancel(); };

        // the running job: stage, a rising percentage, seconds of work, and why it waits
        self.running = ko.pureComputed(function () {
            var job = self.job();
            return job !== null && (job.status === "queued" || job.status === "running");
        });
        self.running.subscribe(function (on) {
            if (!on || !bringIntoSight) return;
            bringIntoSight = false;
            window.setTimeout(function () {  // once the page shows it
                var status = document.querySelector("#img2print .img2print-status");
                if (status && status.offsetParent !== null) status.scrollIntoView({block: "nearest"});
            }, 0);
        });
        self.status = ko.pureComputed(function () {
            return self.running() ? say.progress(self.job(), self.stages()) : "";
        });
        var started = null;
        window.setInterval(function () {
            if (started !== null && self.running()) self.elapsed(Math.round((Date.now() - started) / 1000));
        }, 1000);

        self.show = function (job) {
            self.job(job);
            if (job.status === "running" && typeof job.elapsed_s === "number") started = Date.now() - job.elapsed_s * 1000;
            var ended = ["done", "failed", "cancelled"].indexOf(job.status) >= 0;
            if (ended && job.action === "preview" && working !== self.file()) {
                self.busy(false);  // a preview of a file picked before this one: not shown, this one's follows
                changedWhileBusy = false;
                self.livePreview();
            } else if (job.status === "done") {
                self.busy(false);
                var result = job.result || {};
                self.groups(result.groups || []);
                if (result.preview) self.preview(result.preview);
                if (["preview", "slice", "print"].indexOf(job.action) >= 0) self.checked(self.checking);
                if (job.action === "preview") self.estimate(result.estimate ? say.estimate(result.estimate) : "");
                if (job.action === "preview") self.showPlanned(result.planned);
                if (self.kindOf(result.file) === "gcode") self.estimate("");  // the slicer's own figures replace it
                if (changedWhileBusy) { changedWhileBusy = false; self.livePreview(); }
                if (result.backlit) self.backlit(result.backlit);
                if (job.action === "preview") self.painted(result.painted || "");
                if (result.view) self.viewed(self.checking);
                if (job.action === "repair") self.viewed(null);  // the view is not of the repaired model
                if (result.view) self.showView3d(job.id, result.view, result.live);
                if (result.file) self.result(result);
                if (job.action === "repair") document.getElementById("img2print-result").scrollIntoView({block: "nearest"});
            } else if (job.status === "failed" || job.status === "cancelled") {
                self.busy(false);
                changedWhileBusy = false;
                if (job.status === "failed" && job.action === "preview") self.forgetPreview();
                self.error(job.status === "cancelled" ? gettext("Cancelled.") : (job.error && job.error.message)
                           || (job.action === "preview" ? gettext("The preview failed.") : gettext("The job failed.")));
                if (job.action === "repair") document.getElementById("img2print-error").scrollIntoView({block: "nearest"});
            }
        };

        // what the result card says
        self.resultFacts = ko.pureComputed(function () {
            var result = self.result();
            return result ? say.facts(result) : [];
        });
        self.resultThumbnail = ko.pureComputed(function () {
            var result = self.result();
            return result && result.file ? OctoPrint.getBlueprintUrl("img2print") + "thumbnail?path=" + encodeURIComponent(result.file) : "";
        });
        // what a repair found wrong with the model (what it did are the findings)
        self.found = ko.pureComputed(function () {
            var result = self.result(), before = result && result.before;
            if (!before) return [];
            return before.findings.filter(function (item) { return item.level !== "info"; })
                .map(function (item) { return item.message; });
        });

        // "Check and repair" on a model in OctoPrint's file list: the job runs here, in the tab
        self.repairFile = function (entry) {
            $("#tab_plugin_img2print_link a").tab("show");
            self.error("");
            self.result(null);
            self.groups([]);
            self.busy(true);
            jobs.start("repair", {file: entry.path});
        };
        window.Img2Print = {repairFile: self.repairFile, useListed: self.useListed, may: self.may};
        addFileListButtons();

        self.isGcode = ko.pureComputed(function () {
            var result = self.result();
            return result !== null && self.kindOf(result.file) === "gcode";
        });

        // "Bed is clear": this host's own record that a person found the bed clear (a print farm starts on it);
        // offered while the printer is idle and the bed not confirmed, taken back by the host when a print starts
        // or ends
        self.bed = ko.observable({clear: false});
        self.printerIdle = ko.observable(false);
        self.fromCurrentData = function (data) {
            self.printerIdle(!!(data.state && data.state.flags && data.state.flags.ready));
        };
        self.canConfirmBed = ko.pureComputed(function () { return self.may("bed_clear"); });
        // the confirmation ends after the time set in the settings: the page lets it go then, as the host does
        self.now = ko.observable(Date.now());
        setInterval(function () { self.now(Date.now()); }, 15000);
        self.bedHolds = ko.pureComputed(function () {
            var bed = self.bed();
            return !!bed.clear && (!bed.expires_at || bed.expires_at * 1000 > self.now());
        });
        self.offerBedClear = ko.pureComputed(function () {
            return self.canConfirmBed() && self.printerIdle() && !self.bedHolds();
        });
        self.bedConfirmedText = ko.pureComputed(function () {
            var bed = self.bed();
            if (!self.bedHolds()) return "";
            var time = function (seconds) {
                var at = new Date(seconds * 1000), today = at.toDateString() === new Date(self.now()).toDateString();
                return at.toLocaleString(locale, today ? {hour: "2-digit", minute: "2-digit"} : {weekday: "short", hour: "2-digit", minute: "2-digit"});
            };
            return fill(gettext("Bed confirmed clear at {time} by {user}, until {until}."),
                        {time: time(bed.confirmed_at), user: bed.by || "-", until: time(bed.expires_at)});
        });
        self.confirmBedClear = function () {
            OctoPrint.simpleApiCommand("img2print", "bed_clear", {})
                .done(function (answer) { self.bed(answer.bed); })
                .fail(function (xhr) { self.error(failure(xhr, gettext("The bed could not be confirmed clear."))); });
        };

        self.onDataUpdaterPluginMessage = function (plugin, data) {
            if (plugin === "img2print" && data.type === "bed") self.bed(data.bed);
        };
    }

    OCTOPRINT_VIEWMODELS.push({
        construct: Img2PrintViewModel,
        dependencies: ["loginStateViewModel", "settingsViewModel", "accessViewModel", "printerProfilesViewModel"],
        elements: ["#img2print", "#settings_plugin_img2print", "#wizard_plugin_img2print"]
    });
});

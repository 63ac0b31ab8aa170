/* img2print's tab and settings: pick a picture, choose what to make, preview, convert, slice, print. */
$(function () {
    function Img2PrintViewModel(parameters) {
        var self = this;
        self.loginState = parameters[0];
        self.settings = parameters[1];
        self.access = parameters[2];

        self.modes = ko.observableArray([]);
        self.printers = ko.observableArray([]);
        self.intents = ko.observableArray([]);
        self.slicerList = ko.observableArray([]);
        self.mode = ko.observable();
        self.printer = ko.observable();
        self.intent = ko.observable();
        self.showAdvanced = ko.observable(false);
        self.file = ko.observable(null);
        self.uploaded = ko.observable(null);
        self.jobId = ko.observable(null);
        self.status = ko.observable("");
        self.progress = ko.observable(0);
        self.busy = ko.observable(false);
        self.error = ko.observable("");
        self.findings = ko.observableArray([]);
        self.preview = ko.observable("");
        self.backlit = ko.observable("");

        var STAGES = {
            "loading": gettext("Loading the picture"), "building": gettext("Building the solid"),
            "checking": gettext("Checking the solid"), "writing": gettext("Writing the file"),
            "slicing": gettext("Slicing"), "inspecting": gettext("Checking the G-code")
        };

        self.has = function (name) {
            var permission = self.access.permissions[name];
            return permission !== undefined && self.loginState.hasPermission(permission);
        };
        self.canConvert = ko.pureComputed(function () { return self.loginState.isUser() && self.has("PLUGIN_IMG2PRINT_CONVERT"); });
        self.canSlice = ko.pureComputed(function () { return self.has("PLUGIN_IMG2PRINT_SLICE") && self.has("SLICE"); });
        self.canPrint = ko.pureComputed(function () { return self.canSlice() && self.has("PRINT"); });
        self.ready = ko.pureComputed(function () { return self.file() !== null && !self.busy(); });

        self.modeDefaults = ko.pureComputed(function () {
            var stored = self.settings.settings && self.settings.settings.plugins && self.settings.settings.plugins.img2print
                ? self.settings.settings.plugins.img2print.mode_defaults : null;
            if (!stored) return [];
            return self.modes().filter(function (mode) { return stored[mode.id]; }).map(function (mode) {
                return {label: mode.label, width: stored[mode.id].width, intent: stored[mode.id].intent};
            });
        });

        // one field per option of a mode, made from the mode's own description in the API's listing
        function field(option) {
            var start = option.default === null ? "" : option.default;
            return {name: option.name, type: option.type, label: option.label + (option.unit ? " (" + option.unit + ")" : ""),
                    help: option.help, main: option.main, choices: option.choices || [], min: option.min, max: option.max,
                    initial: start, value: ko.observable(start), id: "img2print-option-" + option.name};
        }
        function fromListing(mode) {
            var fields = mode.options.map(field);
            fields.forEach(function (item) {
                if (item.name === "width" && mode.default_width !== null) { item.initial = mode.default_width; item.value(mode.default_width); }
            });
            return {id: mode.id, label: mode.label, description: mode.description, defaultFor: mode.default_for, fields: fields,
                    main: fields.filter(function (item) { return item.main; }),
                    advanced: fields.filter(function (item) { return !item.main; })};
        }
        self.current = ko.pureComputed(function () {
            var id = self.mode();
            return ko.utils.arrayFirst(self.modes(), function (mode) { return mode.id === id; });
        });

        self.load = function () {
            if (!self.canConvert()) return;
            OctoPrint.simpleApiGet("img2print").done(function (answer) {
                self.modes(answer.modes.map(fromListing));
                self.printers(answer.printers);
                self.intents(answer.intents);
                self.slicerList(answer.slicers);
            });
        };

        // a slicer's own setting (a path, a folder) in OctoPrint's settings
        self.slicerSetting = function (slicer, key) {
            var plugin = self.settings.settings && self.settings.settings.plugins && self.settings.settings.plugins.img2print;
            var stored = plugin && plugin.slicers && plugin.slicers[slicer];
            return stored && stored[key] ? stored[key] : ko.observable("");
        };
        self.onStartup = self.onUserLoggedIn = self.onUserPermissionsChanged = self.load;

        self.pick = function (data, event) {
            var chosen = event.target.files && event.target.files[0];
            self.file(chosen || null);
            self.uploaded(null);
            self.preview("");
            self.backlit("");
            self.findings([]);
            self.error("");
            if (chosen && /\.svg$/i.test(chosen.name)) {
                var drawing = ko.utils.arrayFirst(self.modes(), function (mode) { return mode.defaultFor.indexOf("drawing") >= 0; });
                if (drawing) self.mode(drawing.id);
            }
        };

        // the options that differ from the mode's defaults, as the API takes them
        self.options = ko.pureComputed(function () {
            var options = {}, mode = self.current();
            if (!mode) return options;
            mode.fields.forEach(function (item) {
                var value = item.value();
                if (value === "" || value === null || value === undefined || value === item.initial && item.name !== "width") return;
                options[item.name] = item.type === "boolean" || item.type === "choice" ? value : parseFloat(value);
            });
            return options;
        });

        // the preview follows every change once the picture has been uploaded
        var pending = null;
        self.livePreview = function () {
            if (!self.uploaded() || self.busy()) return;
            if (pending) window.clearTimeout(pending);
            pending = window.setTimeout(function () {
                pending = null;
                var request = {file: self.uploaded(), mode: self.mode(), options: self.options()};
                if (self.printer()) request.printer = self.printer();
                if (self.intent()) request.intent = self.intent();
                self.busy(true);
                self.error("");
                OctoPrint.simpleApiCommand("img2print", "preview", request)
                    .done(function (job) { self.follow(job); })
                    .fail(function (xhr) {
                        self.busy(false);
                        self.error((xhr.responseJSON && xhr.responseJSON.error && xhr.responseJSON.error.message) || gettext("The preview failed."));
                    });
            }, 700);
        };
        [self.options, self.printer, self.intent].forEach(function (observable) { observable.subscribe(self.livePreview); });

        self.send = function (action) {
            var fields = {action: action, mode: self.mode(), options: JSON.stringify(self.options())};
            if (self.printer()) fields.printer = self.printer();
            if (self.intent()) fields.intent = self.intent();
            self.busy(true);
            self.error("");
            self.progress(0);
            self.status(gettext("Uploading…"));
            // OctoPrint.upload resolves with [json, statusText, request] and rejects with [request, statusText, error]
            OctoPrint.upload(OctoPrint.getBlueprintUrl("img2print") + "upload", self.file(), self.file().name, fields)
                .done(function (answer) {
                    self.uploaded(answer[0].file);
                    self.follow(answer[0]);
                })
                .fail(function (failure) {
                    var message = null;
                    try { message = JSON.parse(failure[0].response).error.message; } catch (ignored) { message = null; }
                    self.busy(false);
                    self.status("");
                    self.error(message || gettext("The upload failed."));
                });
        };

        self.follow = function (job) {
            self.jobId(job.id);
            self.show(job);
        };

        self.show = function (job) {
            if (job.id !== self.jobId()) return;
            self.progress(job.progress || 0);
            if (job.status === "queued") self.status(job.note || gettext("Waiting for the jobs before it…"));
            else if (job.status === "running") self.status(STAGES[job.stage] || gettext("Working…"));
            else if (job.status === "done") {
                self.busy(false);
                self.status(gettext("Done."));
                var result = job.result || {};
                self.findings(result.findings || []);
                if (result.preview) self.preview(result.preview);
                if (result.backlit) self.backlit(result.backlit);
            } else {
                self.busy(false);
                self.status("");
                self.error(job.status === "cancelled" ? gettext("Cancelled.") : (job.error && job.error.message) || gettext("The job failed."));
            }
        };

        self.onDataUpdaterPluginMessage = function (plugin, data) {
            if (plugin === "img2print" && data.type === "job") self.show(data.job);
        };
    }

    OCTOPRINT_VIEWMODELS.push({
        construct: Img2PrintViewModel,
        dependencies: ["loginStateViewModel", "settingsViewModel", "accessViewModel"],
        elements: ["#img2print", "#settings_plugin_img2print"]
    });
});

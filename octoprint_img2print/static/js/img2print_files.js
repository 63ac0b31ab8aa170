/* Thumbnails in OctoPrint's file list for pictures, drawings and G-code that carries a preview; img2print chosen in
   OctoPrint's Slice dialog for a picture, which no other slicer reads. */
$(function () {
    var kinds = $("#img2print").data() || {};  // the extensions img2print reads, as the server declares them
    var PREVIEWABLE = new RegExp("\\.(" + [kinds.pictures, kinds.models, kinds.gcode].filter(Boolean).join("|")
                                 + ")$", "i");

    function Img2PrintFilesViewModel(parameters) {
        var self = this;
        self.files = parameters[0];
        self.loginState = parameters[1];
        self.access = parameters[2];
        var failed = {};  // thumbnails that did not load, by address: asked for once, then a placeholder

        self.decorate = function () {
            var permission = self.access.permissions.FILES_LIST;
            if (!self.loginState.isUser() || (permission && !self.loginState.hasPermission(permission))) return;
            $("#files .entry").each(function () {
                var entry = ko.dataFor(this);
                if (!entry || entry.type === "folder" || !entry.path || !PREVIEWABLE.test(entry.name || "")) return;
                if (entry.origin && entry.origin !== "local") return;
                if ($(this).find(".img2print-thumbnail").length) return;
                var address = OctoPrint.getBlueprintUrl("img2print") + "thumbnail?path=" + encodeURIComponent(entry.path)
                    + "&date=" + (entry.date || 0);
                var placeholder = "<span class='img2print-thumbnail img2print-no-thumbnail' aria-hidden='true'></span>";
                if (failed[address]) {
                    $(this).find(".title").first().before($(placeholder));
                    return;
                }
                var image = $("<img class='img2print-thumbnail' alt='' loading='lazy'>")
                    .attr("src", address)
                    .on("error", function () {
                        failed[address] = true;
                        $(this).replaceWith($(placeholder));
                    });
                $(this).find(".title").first().before(image);
            });
        };

        self.onAllBound = function () {
            var list = document.querySelector("#files");
            if (!list) return;
            new MutationObserver(function () { window.setTimeout(self.decorate, 50); })
                .observe(list, {childList: true, subtree: true});
            self.decorate();
        };
    }

    OCTOPRINT_VIEWMODELS.push({
        construct: Img2PrintFilesViewModel,
        dependencies: ["filesViewModel", "loginStateViewModel", "accessViewModel"]
    });

    // OctoPrint's Slice dialog offers the slicers that read the file, preselecting only the default slicer: for a
    // picture img2print is the one there is, so it is chosen (a slicer chosen already is kept)
    function Img2PrintSliceDialogViewModel(parameters) {
        var slicing = parameters[0];
        slicing.matchingSlicers.subscribe(function (matching) {
            var ours = _.some(matching, function (slicer) { return slicer.key === "img2print"; });
            if (ours && matching.length === 1 && slicing.slicer() === undefined) slicing.slicer("img2print");
        });
    }

    OCTOPRINT_VIEWMODELS.push({construct: Img2PrintSliceDialogViewModel, dependencies: ["slicingViewModel"]});
});

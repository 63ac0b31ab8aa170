"""img2print: picture to print, as an OctoPrint plugin and a command line. Plugin metadata only."""

import os as _os
import sys as _sys

if _sys.argv and _os.path.basename(_sys.argv[0]) == "img2print":  # the command, before its heavy imports
    from .processes import cancel_while_starting

    cancel_while_starting()

__plugin_name__ = "img2print"
__plugin_version__ = "0.1.0"
__plugin_description__ = "Turn a photo, logo or SVG into a print: lithophanes, reliefs, maps, logos, cutters, stamps."
__plugin_author__ = "img2print developers"
__plugin_license__ = "AGPLv3"
__plugin_pythoncompat__ = ">=3.9,<4"


def __plugin_load__() -> None:  # noqa: N807 - the name OctoPrint calls
    """Called by OctoPrint: create the plugin (importing OctoPrint only here, so the CLI runs without it)."""
    from .plugin import octoprint_plugin as plugin

    global __plugin_implementation__, __plugin_hooks__
    __plugin_implementation__ = plugin.Img2PrintPlugin()
    __plugin_hooks__ = {
        "octoprint.filemanager.extension_tree": plugin.extension_tree,
        "octoprint.access.permissions": plugin.permissions,
        "octoprint.events.register_custom_events": plugin.custom_events,
        "octoprint.server.http.bodysize": __plugin_implementation__.bodysize,
        "octoprint.filemanager.preprocessor": __plugin_implementation__.preprocess_upload,
        "octoprint.cli.commands": plugin.cli_commands,
    }

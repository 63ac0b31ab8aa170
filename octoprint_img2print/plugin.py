"""The OctoPrint plugin class: adapts OctoPrint's services to the core library; holds no geometry."""

from __future__ import annotations

import octoprint.plugin

from . import __plugin_version__


class Img2PrintPlugin(octoprint.plugin.StartupPlugin):
    """Minimal plugin: loads cleanly and announces itself; the UI, API and slicer arrive with later issues."""

    def on_after_startup(self) -> None:
        """Log that the plugin is ready."""
        self._logger.info("img2print %s ready", __plugin_version__)

"""The OctoPrint adapter: the plugin and its hooks, the HTTP API, the job queue and its worker processes, the bounded
reader of uploads, the rules for starting a print and the Slice dialog's profiles. The core never imports it."""

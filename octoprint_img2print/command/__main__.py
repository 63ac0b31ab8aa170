"""``python -m octoprint_img2print.command``: the ``img2print`` command."""

import sys

from .main import main

sys.exit(main())

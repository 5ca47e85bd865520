"""`python -m frontdesk COMMAND`, as the installed `frontdesk` script runs."""

import sys

from frontdesk.cli import main

sys.exit(main())

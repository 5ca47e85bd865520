"""`python -m evals SUITE_DIR [...]`: the eval command without the rest of `frontdesk`."""

import sys

from evals.cli import main

sys.exit(main())

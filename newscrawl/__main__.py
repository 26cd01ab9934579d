"""`python -m newscrawl` is the `newscrawl` console script."""

from newscrawl.cli import main

raise SystemExit(main())

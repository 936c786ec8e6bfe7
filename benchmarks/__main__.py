"""python -m benchmarks [--quick] [--runs N] [--out DIR] [--only paint live latency]: see benchmarks/run.py."""

import sys

from benchmarks.run import main

sys.exit(main())

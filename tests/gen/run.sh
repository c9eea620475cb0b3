#!/bin/sh
# Runs the configuration generator tests from the repository root.
cd "$(dirname "$0")/../.." && exec /usr/bin/python3 tests/gen/test_gen.py "$@"

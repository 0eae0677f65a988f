"""Local HTTP emulators of the four vendors' audience APIs (see each vendor's COVERAGE.md)."""

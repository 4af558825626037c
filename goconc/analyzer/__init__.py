"""What knows Go: source files, tokens, packages, symbols, types, calls, CFGs, dataflow and the
facts rules share (locks, summaries, copies, lock order), the Rule base class and diagnostics.
Imports nothing else of goconc (see docs/architecture.md)."""

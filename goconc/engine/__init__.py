"""The rule runner: which rules exist, running them over folders of Go files (in parallel,
cached), one batched walk per file, suppressions and fingerprints. Knows no rule by name."""

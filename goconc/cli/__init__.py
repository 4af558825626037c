"""The application: the goconc command, its configuration, fixes, baselines, the language
server, the lock-graph drawing and the rule pages; talks to people and editors."""

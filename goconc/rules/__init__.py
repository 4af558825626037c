"""One module per rule; its docstring is the rule's documentation, its class the whole policy.
Rules import the analysis only, never each other (see docs/architecture.md)."""

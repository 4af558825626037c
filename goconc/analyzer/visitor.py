"""One walk per file, dispatching to every active rule's visit_/leave_ hooks.

Each top-level declaration is handed to the rules that want it (their file `triggers` and
`declaration_triggers`), and one tree-sitter query finds the node kinds those rules hook, so
the tree is traversed in C and Python only touches the hits. Enter/leave order is rebuilt
from byte ranges with a stack, so it is iterative: 3,000-deep nesting needs no recursion.
A rule that raises is switched off for the rest of the file and reported; the others go on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import attrs
from tree_sitter import Node, QueryCursor

from goconc.analyzer.matchers import in_document_order, kind_query
from goconc.analyzer.rule import Rule, hooks_of
from goconc.analyzer.source import SourceFile

Hook = Callable[[Node], None]


@attrs.frozen
class RuleCrash:
    rule: Rule
    error: BaseException


# Top-level declarations that hold no code for a rule to look at.
_NO_CODE = frozenset({"package_clause", "import_declaration", "const_declaration", "comment"})


class BatchedWalker:
    def __init__(self, rules: Sequence[Rule]) -> None:
        self.rules = list(rules)
        self._visit: dict[str, list[tuple[Rule, Hook]]] = {}
        self._leave: dict[str, list[tuple[Rule, Hook]]] = {}
        self._kinds: dict[int, frozenset[str]] = {}
        self._tables: dict[frozenset[int], dict[str, list[tuple[Rule, Hook]]]] = {}
        for rule in self.rules:
            hooks = hooks_of(type(rule))
            self._kinds[id(rule)] = frozenset(kind for _, kind in hooks.values())
            for method, (when, kind) in hooks.items():
                table = self._visit if when == "visit" else self._leave
                table.setdefault(kind, []).append((rule, getattr(rule, method)))

    def _visit_tables(self, wanted: frozenset[int]) -> dict[str, list[tuple[Rule, Hook]]]:
        """The visit hooks of the rules in ``wanted`` (rule ids), by node kind, cached."""
        found = self._tables.get(wanted)
        if found is None:
            found = self._tables[wanted] = {
                kind: kept
                for kind, hooks in self._visit.items()
                if (kept := [(rule, hook) for rule, hook in hooks if id(rule) in wanted])
            }
        return found

    def walk(self, file: SourceFile) -> list[RuleCrash]:
        """Run every rule's hooks over ``file``; return the rules that crashed."""
        present: dict[bytes, bool] = {}  # each trigger is looked for once per file

        def found(token: bytes) -> bool:
            hit = present.get(token)
            if hit is None:
                hit = present[token] = token in file.data
            return hit

        active = [r for r in self.rules if not r.triggers or any(found(t) for t in r.triggers)]
        if not active:
            return []
        for rule in active:
            rule.file = file
        crashed: dict[int, RuleCrash] = {}

        def call(hooks: list[tuple[Rule, Hook]], node: Node, wanted: frozenset[int]) -> None:
            for rule, hook in hooks:
                key = id(rule)
                if key not in wanted or key in crashed:
                    continue
                try:
                    hook(node)
                except Exception as err:  # a bug of ours: report it, keep the other rules
                    crashed[key] = RuleCrash(rule, err)

        root = file.root
        everyone = frozenset(id(r) for r in active)
        call(self._visit.get(root.type, []), root, everyone)
        # Each top-level declaration is queried only for the kinds that the rules wanting it
        # hook, so a declaration no rule wants costs a regex search per rule, not a walk.
        for decl in root.named_children:
            if decl.is_extra or decl.type in _NO_CODE:
                continue
            wanted_rules = [r for r in active if r.wants_declaration(decl)]
            kinds = frozenset().union(*(self._kinds[id(r)] for r in wanted_rules))
            if not kinds:
                continue
            wanted = frozenset(id(r) for r in wanted_rules)
            captures = QueryCursor(kind_query(kinds)).captures(decl).get("n", [])
            if not any(k in self._leave for k in kinds):
                # No leave hooks: visit in order, without rebuilding the nesting.
                visit = self._visit_tables(wanted)
                for node in in_document_order(captures):
                    for rule, hook in visit.get(node.type, ()):
                        key = id(rule)
                        if key in crashed:
                            continue
                        try:
                            hook(node)
                        except Exception as err:  # a bug of ours: report it, keep the others
                            crashed[key] = RuleCrash(rule, err)
                continue
            stack: list[Node] = []
            for node in in_document_order(captures):
                while stack and not (
                    stack[-1].start_byte <= node.start_byte and node.end_byte <= stack[-1].end_byte
                ):
                    left = stack.pop()
                    call(self._leave.get(left.type, []), left, wanted)
                call(self._visit.get(node.type, []), node, wanted)
                stack.append(node)
            while stack:
                left = stack.pop()
                call(self._leave.get(left.type, []), left, wanted)
        call(self._leave.get(root.type, []), root, everyone)
        return list(crashed.values())

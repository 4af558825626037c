"""One walk per file, dispatching to every active rule's visit_/leave_ hooks.

Each top-level declaration is handed to the rules that want it (their file `triggers` and
`declaration_triggers`). A rule with ``anchors`` gets the nodes its tokens lead to (see
tokens.py), found without visiting the rest of the tree; for the others one tree-sitter
query finds the node kinds they hook, so the tree is traversed in C and Python only touches
the hits. Hooks run in document order; where leave hooks are wanted, enter/leave order is
rebuilt from byte ranges with a stack, so it is iterative: 3,000-deep nesting needs no
recursion. A rule that raises is switched off for the rest of the file and reported; the
others go on.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from operator import itemgetter

import attrs
from tree_sitter import Node, QueryCursor

from goconc.analyzer.matchers import in_document_order, kind_query
from goconc.analyzer.rule import Rule, hooks_of
from goconc.analyzer.source import SourceFile
from goconc.analyzer.tokens import TokenIndex

Hook = Callable[[Node], None]


@attrs.frozen
class RuleCrash:
    rule: Rule
    error: BaseException


# A hit's place in the walk: document order (a parent before a child that spans the same
# bytes), then the rule's.
_ORDER = itemgetter(0, 1, 2)

# Top-level declarations that hold no code for a rule to look at.
_NO_CODE = frozenset({"package_clause", "import_declaration", "const_declaration", "comment"})


class BatchedWalker:
    def __init__(self, rules: Sequence[Rule]) -> None:
        self.rules = list(rules)
        self._visit: dict[str, list[tuple[Rule, Hook]]] = {}
        self._leave: dict[str, list[tuple[Rule, Hook]]] = {}
        self._kinds: dict[int, frozenset[str]] = {}
        # Rules that find their nodes from tokens: [(kind, tokens, hook)] each.
        self._anchored: dict[int, list[tuple[str, tuple[bytes, ...], Hook]]] = {}
        self._tables: dict[frozenset[int], dict[str, list[tuple[Rule, Hook]]]] = {}
        # A rule acts in a file only where one of its triggers is (a substring), and one of
        # its anchors may be (as a token); by rule id.
        self._needed: dict[int, tuple[tuple[bytes, ...], tuple[bytes, ...]]] = {}
        # Rules that choose their declarations themselves, by rule id.
        self._chooses: dict[int, bool] = {}
        for rule in self.rules:
            hooks = hooks_of(type(rule))
            self._chooses[id(rule)] = bool(rule.declaration_triggers) or (
                type(rule).wants_declaration is not Rule.wants_declaration
            )
            self._needed[id(rule)] = (
                tuple(rule.triggers),  # TokenIndex.present skips `Fatalf` where `Fatal` is not
                tuple(sorted({t for group in rule.anchors.values() for t in group})),
            )
            if rule.anchors:
                self._anchored[id(rule)] = [
                    (kind, rule.anchors[kind], getattr(rule, method))
                    for method, (_, kind) in sorted(hooks.items())
                ]
                continue
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

    @staticmethod
    def _active(needed: tuple[tuple[bytes, ...], tuple[bytes, ...]], tokens: TokenIndex) -> bool:
        """Whether a rule that ``needed`` (its triggers, its anchors) can act in a file: one
        of its triggers is there, and one of its anchors may be. Judged from the bytes: a
        file no rule acts in is not parsed."""
        triggers, anchors = needed
        return (not triggers or any(tokens.present(t) for t in triggers)) and (
            not anchors or any(tokens.may_occur(t) for t in anchors)
        )

    def walk(self, file: SourceFile) -> list[RuleCrash]:
        """Run every rule's hooks over ``file``; return the rules that crashed."""
        tokens = file.tokens
        crashed: dict[int, RuleCrash] = {}
        active: list[Rule] = []
        judged: dict[tuple[tuple[bytes, ...], tuple[bytes, ...]], bool] = {}
        for rule in self.rules:
            needed = self._needed[id(rule)]
            possible = judged.get(needed)
            if possible is None:  # rules of one family share their tokens
                possible = judged[needed] = self._active(needed, tokens)
            try:
                if possible and rule.wants_file(file):
                    active.append(rule)
            except Exception as err:  # a bug of ours: report it, keep the other rules
                crashed[id(rule)] = RuleCrash(rule, err)
        if not active:
            return list(crashed.values())
        for rule in active:
            rule.file = file

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
        tops = [d for d in root.named_children if not d.is_extra and d.type not in _NO_CODE]
        hits: list[tuple[int, int, int, Node, Rule, Hook]] = []
        starts = [d.start_byte for d in tops]
        for order, rule in enumerate(active):
            for node, hook in self._anchored_hits(rule, tokens, tops, starts):
                hits.append((node.start_byte, -node.end_byte, order, node, rule, hook))
        # The others: one query per declaration for the kinds that the rules wanting it hook.
        queried = [r for r in active if id(r) not in self._anchored]
        for decl in tops if queried else ():
            wanted_rules = [r for r in queried if r.wants_declaration(decl)]
            kinds = frozenset().union(*(self._kinds[id(r)] for r in wanted_rules))
            if not kinds:
                continue
            if any(k in self._leave for k in kinds):
                self._nested_walk(decl, kinds, wanted_rules, call)
                continue
            captures = QueryCursor(kind_query(kinds)).captures(decl).get("n", [])
            visit = self._visit_tables(frozenset(id(r) for r in wanted_rules))
            for order, node in enumerate(in_document_order(captures), len(active)):
                for rule, hook in visit.get(node.type, ()):
                    hits.append((node.start_byte, -node.end_byte, order, node, rule, hook))
        hits.sort(key=_ORDER)
        done: set[tuple[int, int]] = set()  # a node two tokens lead to runs once per hook
        for _, _, _, node, rule, hook in hits:
            key = id(rule)
            if key in crashed:
                continue
            once = (node.id, id(hook))
            if once in done:
                continue
            done.add(once)
            try:
                hook(node)
            except Exception as err:  # a bug of ours: report it, keep the other rules
                crashed[key] = RuleCrash(rule, err)
        call(self._leave.get(root.type, []), root, everyone)
        return list(crashed.values())

    def _anchored_hits(
        self, rule: Rule, tokens: TokenIndex, tops: list[Node], starts: list[int]
    ) -> Iterator[tuple[Node, Hook]]:
        """The nodes an anchored rule's tokens lead to in the declarations ``tops``, with
        their hooks. A rule that chooses declarations (its own wants_declaration or
        declaration_triggers) is asked first, and its tokens are looked for only in the ones
        it wants; the others take every hit of the file."""
        plan = self._anchored.get(id(rule), ())
        if plan and self._chooses[id(rule)]:
            for decl in tops:
                if rule.wants_declaration(decl):
                    for kind, anchors, hook in plan:
                        for token in anchors:
                            for node in tokens.anchored_in(
                                token, kind, decl.start_byte, decl.end_byte
                            ):
                                yield node, hook
            return
        for kind, anchors, hook in plan:
            for token in anchors:
                for node in tokens.anchored(token, kind)[1]:
                    i = bisect_right(starts, node.start_byte) - 1
                    if i >= 0 and node.end_byte <= tops[i].end_byte:
                        yield node, hook

    def _nested_walk(
        self,
        decl: Node,
        kinds: frozenset[str],
        rules: list[Rule],
        call: Callable[[list[tuple[Rule, Hook]], Node, frozenset[int]], None],
    ) -> None:
        """Visit and leave hooks in nesting order, rebuilt from byte ranges with a stack."""
        wanted = frozenset(id(r) for r in rules)
        captures = QueryCursor(kind_query(kinds)).captures(decl).get("n", [])
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

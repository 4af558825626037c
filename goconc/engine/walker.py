"""One walk per file, dispatching to every active rule's visit_/leave_ hooks.

Each top-level declaration is handed to the rules that want it (their file `triggers` and
`declaration_triggers`). A rule with ``anchors`` gets the nodes its tokens lead to (see
tokens.py), found without visiting the rest of the tree; for the others one tree-sitter
query finds the node kinds they hook, so the tree is traversed in C and Python only touches
the hits. Hooks run in document order; where leave hooks are wanted, enter/leave order is
rebuilt from byte ranges with a stack, so it is iterative: 3,000-deep nesting needs no
recursion. A rule that raises, in a hook or in any other of its methods, loses only that
top-level declaration (or the file, outside any) and is reported; the others go on.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence
from operator import itemgetter

import attrs
from tree_sitter import Node, QueryCursor

from goconc.analyzer.matchers import in_document_order, kind_query
from goconc.analyzer.rule import Rule, hooks_of
from goconc.analyzer.source import SourceFile
from goconc.analyzer.tokens import TokenIndex

Hook = Callable[[Node], None]
# A hook to call: (start, -end, order, declaration index, node, rule, hook); sorted, nodes come
# in document order, outer before inner, then in rule order.
_Hit = tuple[int, int, int, int, Node, Rule, Hook]


@attrs.frozen
class RuleCrash:
    rule: Rule
    error: BaseException
    at: Node | None = None  # the top-level declaration it raised in; None: outside any


# Where a crash happens: a top-level declaration's index in the file, or none of them.
FILE = -1


class _Faults:
    """The crashes of one file's walk, and what each costs its rule: its hooks and the
    findings it made in the declaration it raised in (in the whole file when it raised
    outside any declaration). The other rules, and its other declarations, are untouched."""

    def __init__(self) -> None:
        self.crashes: list[RuleCrash] = []
        self.tops: list[Node] = []
        self.off_file: set[int] = set()  # rule ids
        self.off: set[tuple[int, int]] = set()  # (rule id, declaration index)
        self.marks: dict[tuple[int, int], int] = {}  # where its findings there begin
        self._file_marks: dict[int, int] = {}

    def start(self, rules: Sequence[Rule], tops: list[Node]) -> None:
        self.tops = tops
        self._file_marks = {id(r): len(r.diagnostics) for r in rules}

    def skips(self, key: int, decl: int) -> bool:
        return key in self.off_file or (decl != FILE and (key, decl) in self.off)

    def enter(self, rule: Rule, decl: int) -> None:
        """Before ``rule``'s hook runs in declaration ``decl``."""
        if decl != FILE:
            self.marks.setdefault((id(rule), decl), len(rule.diagnostics))

    def fail(self, rule: Rule, err: Exception, decl: int = FILE) -> None:
        key = id(rule)
        if decl == FILE:
            self.off_file.add(key)
            mark = self._file_marks.get(key)
        else:
            self.off.add((key, decl))
            mark = self.marks.get((key, decl))
        if mark is not None:
            del rule.diagnostics[mark:]
        self.crashes.append(RuleCrash(rule, err, self.tops[decl] if decl != FILE else None))


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
        self.acted = False  # whether a rule acted in the file walked last (it was parsed)
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
        """Run every rule's hooks over ``file``; return the crashes. A rule that raises (in
        any of its methods, or while its tokens are looked up) loses what it found in that
        top-level declaration, or in the file when it raised outside any; see _Faults."""
        faults = _Faults()
        active = self._active_rules(file, faults)
        self.acted = bool(active)
        if not active:
            return faults.crashes
        for rule in active:
            rule.file = file

        def call(
            hooks: list[tuple[Rule, Hook]], node: Node, wanted: frozenset[int], decl: int
        ) -> None:
            for rule, hook in hooks:
                key = id(rule)
                if key not in wanted or faults.skips(key, decl):
                    continue
                faults.enter(rule, decl)
                try:
                    hook(node)
                except Exception as err:  # a bug of ours: report it, keep the other rules
                    faults.fail(rule, err, decl)

        root = file.root
        tops = [d for d in root.named_children if not d.is_extra and d.type not in _NO_CODE]
        faults.start(active, tops)
        everyone = frozenset(id(r) for r in active)
        call(self._visit.get(root.type, []), root, everyone, FILE)
        hits: list[_Hit] = []
        starts = [d.start_byte for d in tops]
        for order, rule in enumerate(active):
            for i, node, hook in self._anchored_hits(rule, file.tokens, tops, starts, faults):
                hits.append((node.start_byte, -node.end_byte, order, i, node, rule, hook))
        hits.extend(self._queried_hits(active, tops, faults, call))
        hits.sort(key=_ORDER)
        self._run_hits(hits, faults)
        call(self._leave.get(root.type, []), root, everyone, FILE)
        return faults.crashes

    def _active_rules(self, file: SourceFile, faults: _Faults) -> list[Rule]:
        """The rules that can act in ``file``: their tokens may be there, and they want it."""
        tokens = file.tokens
        active: list[Rule] = []
        judged: dict[tuple[tuple[bytes, ...], tuple[bytes, ...]], bool] = {}
        for rule in self.rules:
            try:
                needed = self._needed[id(rule)]
                possible = judged.get(needed)
                if possible is None:  # rules of one family share their tokens
                    possible = judged[needed] = self._active(needed, tokens)
                if possible and rule.wants_file(file):
                    active.append(rule)
            except Exception as err:  # a bug of ours: report it, keep the other rules
                faults.fail(rule, err)
        return active

    def _queried_hits(
        self,
        active: list[Rule],
        tops: list[Node],
        faults: _Faults,
        call: Callable[[list[tuple[Rule, Hook]], Node, frozenset[int], int], None],
    ) -> list[_Hit]:
        """The hooks of the rules without anchors: one query per declaration for the kinds
        that the rules wanting it hook (those with leave hooks are walked there and then)."""
        hits: list[_Hit] = []
        queried = [r for r in active if id(r) not in self._anchored]
        off_file = faults.off_file
        for i, decl in enumerate(tops if queried else ()):
            wanted_rules = []
            for rule in queried:
                if id(rule) in off_file:
                    continue
                try:
                    if rule.wants_declaration(decl):
                        wanted_rules.append(rule)
                except Exception as err:  # a bug of ours: this declaration only
                    faults.fail(rule, err, i)
            kinds = frozenset().union(*(self._kinds[id(r)] for r in wanted_rules))
            if not kinds:
                continue
            if any(k in self._leave for k in kinds):
                self._nested_walk(decl, i, kinds, wanted_rules, call)
                continue
            captures = QueryCursor(kind_query(kinds)).captures(decl).get("n", [])
            visit = self._visit_tables(frozenset(id(r) for r in wanted_rules))
            for order, node in enumerate(in_document_order(captures), len(active)):
                for rule, hook in visit.get(node.type, ()):
                    hits.append((node.start_byte, -node.end_byte, order, i, node, rule, hook))
        return hits

    @staticmethod
    def _run_hits(hits: list[_Hit], faults: _Faults) -> None:
        """Call the hooks of ``hits`` (sorted), each node once per hook, skipping the rules
        that failed in that declaration or the file."""
        done: set[tuple[int, int]] = set()  # a node two tokens lead to runs once per hook
        off_file, off, marks = faults.off_file, faults.off, faults.marks
        # Hits come declaration by declaration: where each rule's findings in the current
        # one begin is noted at its first hook there (`entered`: the rules that had one).
        current = FILE
        entered: set[int] = set()
        for _, _, _, i, node, rule, hook in hits:
            key = id(rule)
            if key in off_file or (off and (key, i) in off):
                continue
            once = (node.id, id(hook))
            if once in done:
                continue
            done.add(once)
            if i != current:
                current, entered = i, set()
            if key not in entered:
                entered.add(key)
                marks[key, i] = len(rule.diagnostics)
            try:
                hook(node)
            except Exception as err:  # a bug of ours: report it, keep the other rules
                faults.fail(rule, err, i)

    def _anchored_hits(
        self, rule: Rule, tokens: TokenIndex, tops: list[Node], starts: list[int], faults: _Faults
    ) -> list[tuple[int, Node, Hook]]:
        """The nodes an anchored rule's tokens lead to in the declarations ``tops``, with the
        index of their declaration and their hooks. A rule that chooses declarations (its own
        wants_declaration or declaration_triggers) is asked first, and its tokens are looked
        for only in the ones it wants; the others take every hit of the file."""
        plan = self._anchored.get(id(rule), ())
        found: list[tuple[int, Node, Hook]] = []
        if not plan or faults.skips(id(rule), FILE):
            return found
        if self._chooses[id(rule)]:
            wants = rule.wants_declaration
            for i, decl in enumerate(tops):
                try:
                    if not wants(decl):
                        continue
                    start, end = decl.start_byte, decl.end_byte
                    for kind, anchors, hook in plan:
                        for token in anchors:
                            for node in tokens.anchored_in(token, kind, start, end):
                                found.append((i, node, hook))
                except Exception as err:  # a bug of ours: this declaration only (its
                    faults.fail(rule, err, i)  # hits found so far are skipped as off)
            return found
        try:
            for kind, anchors, hook in plan:
                for token in anchors:
                    for node in tokens.anchored(token, kind)[1]:
                        i = bisect_right(starts, node.start_byte) - 1
                        if i >= 0 and node.end_byte <= tops[i].end_byte:
                            found.append((i, node, hook))
        except Exception as err:  # a bug of ours: this rule loses the file
            faults.fail(rule, err)
            return []
        return found

    def _nested_walk(
        self,
        decl: Node,
        index: int,
        kinds: frozenset[str],
        rules: list[Rule],
        call: Callable[[list[tuple[Rule, Hook]], Node, frozenset[int], int], None],
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
                call(self._leave.get(left.type, []), left, wanted, index)
            call(self._visit.get(node.type, []), node, wanted, index)
            stack.append(node)
        while stack:
            left = stack.pop()
            call(self._leave.get(left.type, []), left, wanted, index)

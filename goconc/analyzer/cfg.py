"""Per-function control-flow graph over tree-sitter-go nodes, modelled on x/tools/go/cfg.

A CFG has one ``entry`` and one normal ``exit`` block. ``return`` and falling off the end of
the body flow into ``exit``; calls that never return (``panic``, ``os.Exit``, ``t.Fatal``...)
and ``select {}`` end their block with no successor and a ``terminator`` saying why. Code
after a transfer of control goes into a fresh "unreachable" block, made only when such code
exists.

What a block's ``nodes`` hold (in execution order):

* simple statements: expression, send, inc/dec, assignment, ``:=``, ``var``/``const``/``type``
  declarations, ``go``, ``defer``, ``return``, empty statements. Also, unlike go/cfg,
  ``break``/``continue``/``goto``/``fallthrough`` (the last node of the block they end, so a
  rule can report "the continue that skips X") and ``ERROR`` nodes in statement position
  (opaque; control falls through);
* ``if``: the initializer then the condition, in the block before the branch;
* ``for`` clauses: the initializer before the loop, the condition in "for.head", the update
  in "for.post"; ``range``: the ``range_clause`` node in "range.head" (it runs on every
  iteration);
* expression ``switch``: initializer and ``value`` in the head block, then one "switch.case"
  block per ``expression_case`` holding its ``value`` expression_list (tests run in source
  order; ``default`` is taken when none matches), each followed by its "switch.body" (or
  "switch.default") block;
* type ``switch``: initializer and ``value`` in the head block, which branches to every body;
* ``select``: the head block branches to one "select.case" block per case, which starts with
  its ``communication`` (send_statement or receive_statement); ``default`` is "select.default".

Closures (``func_literal``) are not entered: they are part of the expression that holds them.
``build_cfg(func_literal)`` gives a closure its own CFG.

A condition known to be constant (``truth``: `if false {`, `const debug = false; if debug {`, a
parameter bound to a constant) has no edge to the branch it never takes, so that branch is
dead, as the compiler would have it: `for true {` is `for {`.

The builder is iterative (an explicit work stack), so nesting depth is limited only by memory.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs
from tree_sitter import Node

#: Why a block has no normal successor.
TERMINATORS = frozenset({"return", "panic", "goexit", "exit", "select"})

#: Callback deciding whether a ``call_expression`` statement never returns: "panic", "goexit",
#: "exit" or None.
Exits = Callable[[Node], str | None]

#: Callback giving the value of an if or for condition when it is a constant, else None.
Truth = Callable[[Node], bool | None]


@attrs.define(eq=False, repr=False)
class Block:
    """A basic block: ``nodes`` run in order, then control goes to one of ``succs``.

    ``kind`` names the syntax that made it ("entry", "exit", "if.then", "for.head", "range.body",
    "switch.case", "switch.body", "switch.default", "select.case", "select.default", "label",
    "unreachable"...; see the module docstring). A block with no ``succs`` either has a
    ``terminator`` (return reaches ``exit``; panic/goexit/exit/select never come back), is the
    exit block, is dead, or ends an ill-formed branch (``break`` outside any loop).
    Identity semantics (``eq=False``): blocks are hashable and compared by ``is``.
    """

    index: int
    kind: str
    nodes: list[Node] = attrs.field(factory=list)
    succs: list[Block] = attrs.field(factory=list)
    preds: list[Block] = attrs.field(factory=list)
    terminator: str | None = None
    #: The syntax that created the block (for_statement, expression_case, labeled_statement...), or
    #: None for entry/exit/unreachable blocks. For debugging and diagnostics.
    stmt: Node | None = None
    #: Reachable from the CFG's entry. Edges from dead blocks into live ones are removed, so the
    #: live blocks form a closed graph: every pred and succ of a live block is live.
    live: bool = False

    def __repr__(self) -> str:
        succs = ",".join(str(s.index) for s in self.succs)
        term = f" {self.terminator}" if self.terminator else ""
        return f"<Block {self.index} {self.kind} nodes={len(self.nodes)} succs=[{succs}]{term}>"


@attrs.define(eq=False, repr=False)
class CFG:
    """The control-flow graph of one function body (closures get their own CFGs)."""

    func: Node
    entry: Block
    exit: Block
    blocks: list[Block]
    defers: list[Node]
    _rpo: list[Block] = attrs.field(factory=list, alias="rpo")
    #: id of a compound statement -> the block that is current when it starts (see block_at).
    _starts: dict[int, Block] = attrs.field(factory=dict, alias="starts")
    _by_node: dict[int, Block] | None = attrs.field(default=None, init=False)

    def block_of(self, node: Node) -> Block | None:
        """The block whose ``nodes`` holds this exact node, or None."""
        index = self._by_node
        if index is None:
            # Built on first use: many CFGs are never queried by node.
            index = {n.id: b for b in self.blocks for n in b.nodes}
            self._by_node = index
        return index.get(node.id)

    def block_at(self, stmt: Node) -> Block | None:
        """The block in which control is when ``stmt`` starts.

        For a node held in some block this is ``block_of``. For a compound statement (if, for,
        switch, select, block, labeled statement) it is the block that was current when it began:
        the statement's own head nodes (if initializer/condition, switch value, for initializer) are
        appended to it, so everything before them in that block runs before the statement. For a
        ``select`` the cases are that block's successors: its exit state is the state at the select.
        """
        found = self._starts.get(stmt.id)
        return found if found is not None else self.block_of(stmt)

    def reachable(self) -> list[Block]:
        """Blocks reachable from entry, in reverse postorder (computed once, by build_cfg)."""
        return list(self._rpo)

    def format(self) -> str:
        """A readable dump: a line per block, then its nodes indented (tests and debugging)."""
        out: list[str] = []
        for b in self.blocks:
            succs = " ".join(str(s.index) for s in b.succs)
            flags = ("" if b.live else " dead") + (f" [{b.terminator}]" if b.terminator else "")
            out.append(f".{b.index} {b.kind}{flags} -> {succs}")
            for n in b.nodes:
                text = (n.text or b"").decode("utf-8", "replace").split("\n", 1)[0]
                out.append(f"    {n.type}: {text[:60]}")
        return "\n".join(out)

    def __repr__(self) -> str:
        return f"<CFG {self.func.type} blocks={len(self.blocks)}>"


# --- exits ------------------------------------------------------------------------------------

# Calls that never return, by (import path, name): the one list of them. "exit": deferred
# calls do not run; "panic": they do; "goexit": the goroutine ends, its defers run.
EXIT_CALLS: dict[tuple[str, str], str] = {
    ("os", "Exit"): "exit",
    ("log", "Fatal"): "exit",
    ("log", "Fatalf"): "exit",
    ("log", "Fatalln"): "exit",
    ("log", "Panic"): "panic",
    ("log", "Panicf"): "panic",
    ("log", "Panicln"): "panic",
    ("runtime", "Goexit"): "goexit",
}
# The methods of testing.T/B/F/TB that end the test's goroutine by runtime.Goexit.
TESTING_EXITS = frozenset({"Fatal", "Fatalf", "FailNow", "SkipNow", "Skip", "Skipf"})
TESTING_TYPES = ("T", "B", "F", "TB")
_EXIT_PACKAGES = frozenset(pkg for pkg, _ in EXIT_CALLS)


def default_exits(call: Node, source: bytes | None = None) -> str | None:
    """Syntactic guess whether ``call`` (a call_expression) never returns.

    "panic" for ``panic(...)``; the kind of :data:`EXIT_CALLS` for a call of one of them by its
    package's name; "goexit" for ``x.Fatal/Fatalf/FailNow/SkipNow/Skip/Skipf`` on any other
    identifier ``x`` (testing.T/B/F/TB). Names are matched by text: import aliases, shadowing
    and receiver types are the engine's resolver's job. ``source`` is the file's bytes;
    without it the node's own text is used.
    """

    def text(n: Node) -> str:
        raw = source[n.start_byte : n.end_byte] if source is not None else n.text or b""
        return raw.decode("utf-8", "replace")

    fn = call.child_by_field_name("function")
    if fn is None:
        return None
    kind = fn.type
    if kind == "identifier":
        return "panic" if text(fn) == "panic" else None
    if kind != "selector_expression":
        return None
    operand = fn.child_by_field_name("operand")
    field = fn.child_by_field_name("field")
    if operand is None or field is None or operand.type != "identifier":
        return None
    pkg, name = text(operand), text(field)
    if pkg in _EXIT_PACKAGES:
        return EXIT_CALLS.get((pkg, name))
    return "goexit" if name in TESTING_EXITS else None


# --- builder ----------------------------------------------------------------------------------

# Statements that never affect control flow: appended to the current block as they are.
_PLAIN = frozenset(
    {
        "assignment_statement",
        "short_var_declaration",
        "inc_statement",
        "dec_statement",
        "send_statement",
        "go_statement",
        "var_declaration",
        "const_declaration",
        "type_declaration",
        "empty_statement",
    }
)
_BRANCH = frozenset(
    {"break_statement", "continue_statement", "goto_statement", "fallthrough_statement"}
)

# Work-stack opcodes. A task is (op, node, block, dest, seq); unused slots are None. The stack
# replaces recursion, so nesting depth is bounded by memory, not by Python's recursion limit.
_STMT = 0  # build statement `node`; `dest` is its label, if it is a labelled statement
_SET = 1  # make `block` current
_JUMP = 2  # edge current -> `block`
_ENTER = 3  # make `block` current and push the break/continue/fallthrough frame `dest`
_LEAVE = 4  # pop the top frame and jump to `block`
_SEQ = 5  # build the statements of `seq` (reversed, popped from the end)


class _Dest:
    """A break/continue/fallthrough frame, or a label (which also has a goto block)."""

    __slots__ = ("brk", "cont", "fall", "goto")

    def __init__(
        self,
        brk: Block | None = None,
        cont: Block | None = None,
        fall: Block | None = None,
        goto: Block | None = None,
    ) -> None:
        self.brk = brk
        self.cont = cont
        self.fall = fall
        self.goto = goto


_Task = tuple[int, Node | None, Block | None, _Dest | None, list[Node] | None]


def _statements(container: Node) -> list[Node] | None:
    """Statements (and comments) of a block or case clause, last first; None if there are none."""
    for child in container.named_children:
        if child.type == "statement_list":
            stmts = child.named_children
            stmts.reverse()
            return stmts
    return None


class _Builder:
    __slots__ = (
        "blocks",
        "current",
        "defers",
        "exit",
        "exits",
        "frames",
        "labels",
        "starts",
        "truth",
    )

    def __init__(self, exits: Exits, truth: Truth | None = None) -> None:
        self.exits = exits
        self.truth = truth
        self.blocks: list[Block] = []
        # None after a transfer of control (return, break, panic...): nothing flows here. The
        # "unreachable" block is created only if code follows, so `return` at the end of a branch
        # costs no block and jumps from dead code are skipped.
        self.current: Block | None = self.new("entry")
        self.exit = self.new("exit")
        self.frames: list[_Dest] = []
        self.labels: dict[bytes, _Dest] = {}
        self.defers: list[Node] = []
        self.starts: dict[int, Block] = {}

    def new(self, kind: str, stmt: Node | None = None) -> Block:
        block = Block(len(self.blocks), kind, stmt=stmt)
        self.blocks.append(block)
        return block

    def cur(self) -> Block:
        """The current block, made if control cannot reach this point."""
        cur = self.current
        if cur is None:
            cur = self.current = self.new("unreachable")
        return cur

    def jump(self, target: Block) -> None:
        cur = self.current
        if cur is not None:
            cur.succs.append(target)
            target.preds.append(cur)

    def terminate(self, why: str) -> None:
        self.cur().terminator = why
        self.current = None

    def label(self, name: bytes) -> _Dest:
        lb = self.labels.get(name)
        if lb is None:
            # Created on first mention, so a forward goto gets the same block as the label.
            lb = self.labels[name] = _Dest(goto=self.new("label"))
        return lb

    def run(self, body: Node | None) -> None:
        if body is None:  # declaration without body (assembly, linkname)
            self.jump(self.exit)
            return
        stack: list[_Task] = [(_STMT, body, None, None, None)]
        pop, push = stack.pop, stack.append
        while stack:
            op, node, block, dest, seq = pop()
            if op == _STMT:
                assert node is not None
                self.stmt(node, dest, push)
            elif op == _SET:
                assert block is not None
                self.current = block
            elif op == _JUMP:
                assert block is not None
                self.jump(block)
            elif op == _ENTER:
                assert block is not None and dest is not None
                self.current = block
                self.frames.append(dest)
            elif op == _LEAVE:
                assert block is not None
                self.frames.pop()
                self.jump(block)
            else:  # _SEQ
                # Plain statements go straight into the current block, without a task each;
                # the first compound one defers the rest of the list behind its own parts.
                assert seq is not None
                while seq:
                    s = seq.pop()
                    if s.type in _PLAIN:
                        self.cur().nodes.append(s)
                    elif not s.is_extra:
                        if seq:
                            push((_SEQ, None, None, None, seq))
                        self.stmt(s, None, push)
                        break
        self.jump(self.exit)  # falling off the end of the body

    def stmt(self, node: Node, label: _Dest | None, push: Callable[[_Task], None]) -> None:
        """Build one statement; compound ones push their parts (last part first) onto the stack."""
        t = node.type
        if t in _PLAIN:
            self.cur().nodes.append(node)
        elif t == "expression_statement":
            self.simple(node)
        elif t == "return_statement":
            cur = self.cur()
            cur.nodes.append(node)
            self.jump(self.exit)
            cur.terminator = "return"
            self.current = None
        elif t == "defer_statement":
            self.cur().nodes.append(node)
            self.defers.append(node)
        elif t == "block":
            self.starts[node.id] = self.cur()
            seq = _statements(node)
            if seq:
                push((_SEQ, None, None, None, seq))
        elif t == "if_statement":
            self.if_stmt(node, push)
        elif t == "for_statement":
            self.for_stmt(node, label, push)
        elif t == "expression_switch_statement":
            self.switch_stmt(node, label, push)
        elif t == "type_switch_statement":
            self.type_switch_stmt(node, label, push)
        elif t == "select_statement":
            self.select_stmt(node, label, push)
        elif t == "labeled_statement":
            self.labeled_stmt(node, push)
        elif t in _BRANCH:
            self.branch_stmt(node, t)
        elif not node.is_extra:
            # ERROR and anything the grammar adds later: opaque, control falls through.
            self.cur().nodes.append(node)

    def constant(self, cond: Node | None) -> bool | None:
        """The value of a branch condition when it is constant."""
        if cond is None or self.truth is None:
            return None
        return self.truth(cond)

    def simple(self, node: Node) -> None:
        """A simple statement (also if/for/switch initializers); calls may never return."""
        self.cur().nodes.append(node)
        if node.type == "expression_statement":
            expr = node.named_child(0)
            if expr is not None and expr.type == "call_expression":
                why = self.exits(expr)
                if why is not None:
                    self.terminate(why)

    def if_stmt(self, node: Node, push: Callable[[_Task], None]) -> None:
        self.starts[node.id] = self.cur()
        init = node.child_by_field_name("initializer")
        if init is not None:
            self.simple(init)
        cond = node.child_by_field_name("condition")
        if cond is not None:
            self.cur().nodes.append(cond)
        then = self.new("if.then", node)
        alt = node.child_by_field_name("alternative")
        els = self.new("if.else", node) if alt is not None else None
        done = self.new("if.done", node)
        value = self.constant(cond)
        if value is not False:
            self.jump(then)
        if value is not True:
            self.jump(els or done)
        push((_SET, None, done, None, None))
        if alt is not None:
            push((_JUMP, None, done, None, None))
            push((_STMT, alt, None, None, None))
            push((_SET, None, els, None, None))
        push((_JUMP, None, done, None, None))
        cons = node.child_by_field_name("consequence")
        if cons is not None:
            push((_STMT, cons, None, None, None))
        push((_SET, None, then, None, None))

    def for_stmt(self, node: Node, label: _Dest | None, push: Callable[[_Task], None]) -> None:
        self.starts[node.id] = self.cur()
        body = node.child_by_field_name("body")
        clause: Node | None = None
        for child in node.named_children:
            if not child.is_extra and child.type != "block":
                clause = child
                break
        if clause is not None and clause.type == "range_clause":
            head = self.new("range.head", node)
            loop_body = self.new("range.body", node)
            done = self.new("range.done", node)
            self.jump(head)
            head.nodes.append(clause)
            head.succs += (loop_body, done)
            loop_body.preds.append(head)
            done.preds.append(head)
            cont = head
        else:
            init = cond = update = None
            if clause is not None and clause.type == "for_clause":
                init = clause.child_by_field_name("initializer")
                cond = clause.child_by_field_name("condition")
                update = clause.child_by_field_name("update")
            else:
                cond = clause  # `for cond {}`, or None for `for {}`
            if init is not None:
                self.simple(init)
            head = self.new("for.head", node)
            loop_body = self.new("for.body", node)
            post = self.new("for.post", node) if update is not None else None
            done = self.new("for.done", node)
            self.jump(head)
            value = self.constant(cond)
            if value is not False:
                head.succs.append(loop_body)
                loop_body.preds.append(head)
            if cond is not None:
                head.nodes.append(cond)
                if value is not True:
                    head.succs.append(done)
                    done.preds.append(head)
            # Without a condition `done` is reached only by break: no path to exit otherwise.
            cont = head
            if post is not None:
                assert update is not None
                post.nodes.append(update)
                post.succs.append(head)
                head.preds.append(post)
                cont = post
        if label is not None:
            label.brk, label.cont = done, cont
        push((_SET, None, done, None, None))
        push((_LEAVE, None, cont, None, None))
        if body is not None:
            push((_STMT, body, None, None, None))
        push((_ENTER, None, loop_body, _Dest(brk=done, cont=cont), None))

    def switch_stmt(self, node: Node, label: _Dest | None, push: Callable[[_Task], None]) -> None:
        self.starts[node.id] = self.cur()
        init = node.child_by_field_name("initializer")
        if init is not None:
            self.simple(init)
        value = node.child_by_field_name("value")
        if value is not None:
            self.cur().nodes.append(value)
        cases = [c for c in node.named_children if c.type in ("expression_case", "default_case")]
        tests: list[Block | None] = []
        bodies: list[Block] = []
        for c in cases:
            if c.type == "expression_case":
                tests.append(self.new("switch.case", c))
                bodies.append(self.new("switch.body", c))
            else:
                tests.append(None)
                bodies.append(self.new("switch.default", c))
        done = self.new("switch.done", node)
        if label is not None:
            label.brk = done
        # Tests run in source order; default is taken only when no case matches.
        default: Block | None = None
        for c, test, body in zip(cases, tests, bodies, strict=True):
            if test is None:
                default = body
                continue
            self.jump(test)
            values = c.child_by_field_name("value")
            if values is not None:
                test.nodes.append(values)
            test.succs.append(body)
            body.preds.append(test)
            self.current = test
        self.jump(default or done)
        push((_SET, None, done, None, None))
        n = len(cases)
        for i in range(n - 1, -1, -1):
            # fallthrough goes to the next body in source order (default's too).
            fall = bodies[i + 1] if i + 1 < n else done
            push((_LEAVE, None, done, None, None))
            seq = _statements(cases[i])
            if seq:
                push((_SEQ, None, None, None, seq))
            push((_ENTER, None, bodies[i], _Dest(brk=done, fall=fall), None))

    def type_switch_stmt(
        self, node: Node, label: _Dest | None, push: Callable[[_Task], None]
    ) -> None:
        self.starts[node.id] = self.cur()
        init = node.child_by_field_name("initializer")
        if init is not None:
            self.simple(init)
        value = node.child_by_field_name("value")
        if value is not None:
            self.cur().nodes.append(value)
        cases = [c for c in node.named_children if c.type in ("type_case", "default_case")]
        bodies = [
            self.new("switch.body" if c.type == "type_case" else "switch.default", c) for c in cases
        ]
        done = self.new("switch.done", node)
        if label is not None:
            label.brk = done
        # Type tests have no side effects: branch straight from the head to every body.
        for body in bodies:
            self.jump(body)
        if not any(c.type == "default_case" for c in cases):
            self.jump(done)
        self.push_cases(cases, bodies, done, push)

    def select_stmt(self, node: Node, label: _Dest | None, push: Callable[[_Task], None]) -> None:
        self.starts[node.id] = self.cur()
        cases = [c for c in node.named_children if c.type in ("communication_case", "default_case")]
        if not cases:
            self.terminate("select")  # `select {}` blocks forever
            return
        bodies: list[Block] = []
        for c in cases:
            if c.type == "communication_case":
                body = self.new("select.case", c)
                comm = c.child_by_field_name("communication")
                if comm is not None:
                    body.nodes.append(comm)
            else:
                body = self.new("select.default", c)
            bodies.append(body)
            self.jump(body)
        done = self.new("select.done", node)
        if label is not None:
            label.brk = done
        self.push_cases(cases, bodies, done, push)

    def push_cases(
        self, cases: list[Node], bodies: list[Block], done: Block, push: Callable[[_Task], None]
    ) -> None:
        """Push the case bodies of a type switch or select; a plain break leaves the statement."""
        push((_SET, None, done, None, None))
        frame = _Dest(brk=done)
        for case, body in zip(reversed(cases), reversed(bodies), strict=True):
            push((_LEAVE, None, done, None, None))
            seq = _statements(case)
            if seq:
                push((_SEQ, None, None, None, seq))
            push((_ENTER, None, body, frame, None))

    def labeled_stmt(self, node: Node, push: Callable[[_Task], None]) -> None:
        name = node.child_by_field_name("label")
        inner: Node | None = None
        for child in node.named_children:
            if not child.is_extra and child.type != "label_name":
                inner = child
                break
        if name is None:  # broken syntax: just the statement
            if inner is not None:
                push((_STMT, inner, None, None, None))
            return
        lb = self.label(name.text or b"")
        goto = lb.goto
        assert goto is not None
        if goto.stmt is None:
            goto.stmt = node
        self.jump(goto)
        self.current = goto
        self.starts[node.id] = goto
        if inner is not None:
            push((_STMT, inner, None, lb, None))

    def branch_stmt(self, node: Node, kind: str) -> None:
        name: bytes | None = None
        for child in node.named_children:
            if child.type == "label_name":
                name = child.text or b""
                break
        target: Block | None = None
        if kind == "goto_statement":
            if name is not None:
                target = self.label(name).goto
        elif name is not None:
            lb = self.labels.get(name)
            if lb is not None:
                target = lb.brk if kind == "break_statement" else lb.cont
        else:
            # Innermost enclosing frame that has this kind of target: a plain `break` in a select
            # or switch leaves that statement, not the loop around it.
            attr = {"break_statement": "brk", "continue_statement": "cont"}.get(kind, "fall")
            for frame in reversed(self.frames):
                target = getattr(frame, attr)
                if target is not None:
                    break
        self.cur().nodes.append(node)
        if target is not None:  # None only in ill-formed code (break outside a loop...)
            self.jump(target)
        self.current = None


def _reverse_postorder(entry: Block, nblocks: int) -> list[Block]:
    seen = bytearray(nblocks)
    seen[entry.index] = 1
    post: list[Block] = []
    stack = [(entry, iter(entry.succs))]
    while stack:
        block, it = stack[-1]
        for succ in it:
            if not seen[succ.index]:
                seen[succ.index] = 1
                stack.append((succ, iter(succ.succs)))
                break
        else:
            stack.pop()
            block.live = True
            post.append(block)
    post.reverse()
    return post


def _cut_dead_edges(blocks: list[Block]) -> None:
    """Drop edges from dead blocks into live ones (code after return/panic/break...).

    Without this, a must-analysis that meets over ``preds`` would see predecessors it never
    visited. Dead code keeps its internal edges for rules that look at it.
    """
    for block in blocks:
        if block.live:
            if any(not p.live for p in block.preds):
                block.preds = [p for p in block.preds if p.live]
        elif any(s.live for s in block.succs):
            block.succs = [s for s in block.succs if not s.live]


def build_cfg(func: Node, exits: Exits | None = None, truth: Truth | None = None) -> CFG:
    """Build the CFG of a function_declaration, method_declaration or func_literal.

    ``exits(call_expression)`` says whether a call statement never returns ("panic", "goexit",
    "exit") or None; by default :func:`default_exits` matches names by their text.
    ``truth(condition)`` gives an if or for condition's value when it is constant (by default
    none is).
    """
    if exits is None:
        exits = default_exits
    builder = _Builder(exits, truth)
    builder.run(func.child_by_field_name("body"))
    blocks = builder.blocks
    defers = builder.defers
    defers.sort(key=lambda n: n.start_byte)
    rpo = _reverse_postorder(blocks[0], len(blocks))
    if len(rpo) < len(blocks):
        _cut_dead_edges(blocks)
    return CFG(func, blocks[0], builder.exit, blocks, defers, rpo=rpo, starts=builder.starts)

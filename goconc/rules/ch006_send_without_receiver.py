"""## What it does
Flags a send that no receiver can ever take, on a channel made in this package:

- **nothing receives from it**: no code in the package receives from the channel (`<-ch`, a
  `select` case, `range`), directly, through a local alias, a package function it is
  handed to, or a getter that returns it; it reaches no code goconc cannot see; and, for a
  struct field or package variable, it is unexported. An unbuffered channel blocks the
  first send; a buffered one blocks once its buffer is full (reported for a field or
  package variable, whose sends can run any number of times, and for a local sent on in a
  loop);
- **it has not reached another goroutine yet**: a send on an unbuffered local channel made
  in the same function, at a point where no path from the `make` has handed the channel to a
  goroutine, a closure, a call, a variable or a return (`errc := make(chan error); errc <-
  err; return errc`);
- **the caller discarded it**: a function makes an unbuffered channel, starts a goroutine
  that sends on it, and returns it; a call that throws the result away (`Go(f)` as a
  statement, `_ = Go(f)`, `go Go(f)`) leaves that goroutine blocked for good. This one is
  reported at the call.

## Why is this bad?
A send on a channel completes only when a receiver takes the value or a buffer slot is
free. When no code can receive, the sending goroutine blocks forever: a goroutine leak that
holds everything it references, or a hang when the sender is a request handler, a `Stop`
method or `main`. The usual causes are a reader that was removed or never written, a
channel returned to a caller that ignores it, and a result sent before the goroutine that
would read it is started.

## Example
```go
package example

import "errors"

func start(fail bool) <-chan error {
        errc := make(chan error)
        if fail {
                errc <- errors.New("cannot start")
                return errc
        }
        go func() {
                errc <- nil
        }()
        return errc
}
```

Use instead:
```go
package example

import "errors"

func start(fail bool) <-chan error {
        errc := make(chan error, 1)
        if fail {
                errc <- errors.New("cannot start")
                return errc
        }
        go func() {
                errc <- nil
        }()
        return errc
}
```

Not flagged: a send inside a `select` with another case or a `default` (it can give up);
channels received as parameters, from other packages or from calls of unknown functions;
channels passed to a function outside the package, to a function value or interface
method, sent over a channel or stored anywhere goconc does not follow; exported fields and
package variables, and channels that an exported function returns (other packages may
receive); a buffered local channel sent on outside loops (its buffer may hold every value).

## Fix safety
No fix is offered: whether the channel needs a buffer, a receiver or a `select` on a done
channel depends on what the code is for.

## Limitations
Receives through reflection, function values and interfaces are not seen: a channel handed
to such code counts as received, and the rule stays silent. A channel field is told apart by
its class (`Type.field`), not by instance: a receive from the same field of another value
counts. Buffer sizes are not compared with the number of sends.

## References
- https://go.dev/ref/spec#Send_statements: "Communication blocks until the send can
  proceed."
- GoBench/GoKer blocking kernels moby/4395 (a returned channel discarded), moby/33293 (a send
  before the channel escapes), kubernetes/25331 and kubernetes/38669 (a result channel
  nothing reads).
- T. Tu, X. Liu, L. Song, Y. Zhang, "Understanding Real-World Concurrency Bugs in Go",
  ASPLOS 2019: sends without a receiver are the commonest channel blocking bug.
"""

from __future__ import annotations

import re

from tree_sitter import Node

from goconc.analyzer.calls import call_sites
from goconc.analyzer.cfg import CFG
from goconc.analyzer.chans import Channels, ChanOrigin
from goconc.analyzer.dataflow import cfg_statement, contains, reaches
from goconc.analyzer.diagnostics import Related, RuleMeta, Severity
from goconc.analyzer.matchers import FUNC_KINDS, descendants
from goconc.analyzer.rule import Rule
from goconc.analyzer.source import SourceFile
from goconc.analyzer.symbols import FuncDecl
from goconc.analyzer.types import Binding, enclosing_function, unparen
from goconc.analyzer.uses import exported

_CHAN_MAKE = re.compile(rb"make\(\s*chan\b")
_RETURNS = frozenset({"return_statement"})
_HARMLESS_CALLS = frozenset({"len", "cap"})


class SendWithoutReceiver(Rule):
    meta = RuleMeta(
        code="CH006",
        name="send-without-receiver",
        summary="A send on a channel made in this package that no receiver can ever take.",
        severity=Severity.ERROR,
        tags=("concurrency", "channel", "goroutine-leak", "deadlock", "external/cwe/cwe-833"),
        precision="high",
        fix=None,
    )
    anchors = {"send_statement": (b"<-",)}

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._calls_reported: set[tuple[str, int]] = set()

    def applies_to_package(self) -> bool:
        return any(_CHAN_MAKE.search(f.data) for f in self.pkg.files)

    def visit_send_statement(self, send: Node) -> None:
        channel = send.child_by_field_name("channel")
        if channel is None or not _blocking_send(send):
            return
        channels = self.pkg.fact(Channels)
        origin = channels.origin(channel, self.file)
        if origin is None:
            return
        capacity = channels.capacity(origin)
        if self._unreceived(send, channel, origin, capacity):
            return
        if origin.shared or capacity != 0:
            return
        operand = unparen(channel)
        b = self.pkg.resolver.binding(operand, self.file) if operand.type == "identifier" else None
        if b is None or b.value is None or not channels.is_make(unparen(b.value), b.file):
            return
        if self._before_escape(send, b):
            return
        self._discarded(send, b)

    # -- nothing receives from it ------------------------------------------------------------
    def _unreceived(
        self, send: Node, channel: Node, origin: ChanOrigin, capacity: int | None
    ) -> bool:
        fate = origin.fate
        if fate.receives or fate.escapes or (origin.shared and exported(origin.key)):
            return False
        if capacity != 0 and not self._repeats(send, origin):
            return False  # a buffer may hold every value the sends make
        name = _name(origin, channel, self.file)
        if capacity == 0:
            what = f"send on unbuffered {name} blocks forever"
        elif capacity is None:
            what = f"send on {name} blocks forever once its buffer is full"
        else:
            what = f"send on {name} blocks forever once its buffer ({capacity}) is full"
        where = "in the package" if origin.shared else "in this function or the code it calls"
        self.report(
            send,
            f"{what}: nothing {where} receives from {name}",
            related=[Related(self.span(origin.make, origin.file), f"{name} is made here")],
            severity=Severity.ERROR if capacity == 0 else Severity.WARNING,
        )
        return True

    def _repeats(self, send: Node, origin: ChanOrigin) -> bool:
        """The send can run again and again on one channel: it is on a loop of its function,
        or its function literal is started or called on a loop; for a field or package
        variable, also when its function is called on a loop (one level of callers; a call
        through an interface counts). A local's function makes a new channel each call."""
        node: Node | None = send
        file = self.file
        home = None if origin.shared else enclosing_function(origin.make)
        while node is not None:
            func = enclosing_function(node)
            if func is None:
                return False
            cfg = self.pkg.cfg(func, file)
            stmt = cfg_statement(cfg, node)
            if stmt is not None and reaches(cfg, stmt, stmt):
                return True
            if home is not None and func.id == home.id:
                return False
            if func.type == "func_literal":
                node = func
                continue
            decl = _decl_of(self, func)
            sites = call_sites(decl, self.pkg.files, self.pkg.resolver) if decl else None
            for call, call_file in sites or ():
                caller = enclosing_function(call)
                if caller is None:
                    continue
                caller_cfg = self.pkg.cfg(caller, call_file)
                at = cfg_statement(caller_cfg, call)
                if at is not None and reaches(caller_cfg, at, at):
                    return True
            return False
        return False

    # -- sent on before anyone else can have it ------------------------------------------------
    def _before_escape(self, send: Node, b: Binding) -> bool:
        func = enclosing_function(send)
        if func is None or b.file.path != self.file.path or enclosing_function(b.ident) != func:
            return False
        if send.parent is None or send.parent.type == "communication_case":
            return False
        cfg = self.pkg.cfg(func, self.file)
        if cfg.block_of(send) is None:
            return False
        for use in self.pkg.resolver.uses(b):
            if use.id == b.ident.id or contains(send, use):
                continue
            at = _escape_point(use, func, cfg, self.file)
            if at is None:
                continue
            if at.id == send.id or reaches(cfg, at, send):
                return False
        name = b.name
        self.report(
            send,
            f"send on unbuffered {name} blocks forever: nothing else can receive from {name} "
            "yet (no path from its make has handed it to a goroutine, a call or a variable); "
            f"give {name} a buffer, or start its receiver first",
            related=[Related(self.span(unparen(b.value or b.ident)), f"{name} is made here")],
        )
        return True

    # -- returned to a caller that discards it -------------------------------------------------
    def _discarded(self, send: Node, b: Binding) -> None:
        literal = enclosing_function(send)
        go = literal.parent.parent if literal is not None and literal.parent else None
        if literal is None or literal.type != "func_literal" or go is None:
            return
        if go.type != "go_statement":
            return
        func = enclosing_function(go)
        if func is None or func.type == "func_literal" or enclosing_function(b.ident) != func:
            return
        decl = _decl_of(self, func)
        if decl is None or not self._only_returned(b, func, literal):
            return
        sites = call_sites(decl, self.pkg.files, self.pkg.resolver)
        for call, file in sites or ():
            if not _discards(call, file):
                continue
            key = (file.path, call.start_byte)
            if key in self._calls_reported:
                continue
            self._calls_reported.add(key)
            self.report(
                call,
                f"the channel returned by {decl.name} is discarded: the goroutine {decl.name} "
                f"starts sends on it (line {self.file.line_of(send.start_byte)}) and blocks "
                "forever, since nothing else can receive from it",
                related=[
                    Related(self.span(send), "this send never completes"),
                    Related(self.span(go), "the goroutine is started here"),
                    Related(self.span(unparen(b.value or b.ident)), f"{b.name} is made here"),
                ],
                file=file,
            )

    def _only_returned(self, b: Binding, func: Node, literal: Node) -> bool:
        """``b``'s channel leaves ``func`` only as its single result, on every return, and
        the goroutine ``literal`` only sends on it (or closes it)."""
        returns = descendants(func, _RETURNS, into_funcs=False)
        if not returns:
            return False
        for ret in returns:
            values = [c for c in ret.named_children if c.type == "expression_list"]
            items = [c for c in values[0].named_children if not c.is_extra] if values else []
            if len(items) != 1 or unparen(items[0]).type != "identifier":
                return False
            if self.pkg.resolver.binding(unparen(items[0]), self.file) is not b:
                return False
        for use in self.pkg.resolver.uses(b):
            if use.id == b.ident.id:
                continue
            parent = _parent(use)
            if contains(literal, use):
                if _sent_on(parent, use):
                    continue
                if _builtin_arg(parent, self.file, ("close", "len", "cap")):
                    continue
                return False
            if enclosing_function(use) != func:
                return False  # another closure has it
            grand = parent.parent
            if parent.type == "expression_list" and grand and grand.type == "return_statement":
                continue
            if _builtin_arg(parent, self.file, _HARMLESS_CALLS):
                continue
            return False
        return True


def _sent_on(parent: Node, use: Node) -> bool:
    """``use`` is the channel of the send statement ``parent``."""
    channel = parent.child_by_field_name("channel") if parent.type == "send_statement" else None
    return channel is not None and unparen(channel).id == use.id


def _blocking_send(send: Node) -> bool:
    """The send waits on its own: a statement, or the only case of a select."""
    parent = send.parent
    if parent is None or parent.type != "communication_case":
        return True
    select = parent.parent
    if select is None:
        return False
    cases = [c for c in select.named_children if c.type in ("communication_case", "default_case")]
    return len(cases) == 1


def _name(origin: ChanOrigin, channel: Node, file: SourceFile) -> str:
    if origin.shared:
        return origin.key.removeprefix("pkg:")
    return file.text(unparen(channel))


def _parent(use: Node) -> Node:
    node = use
    while node.parent is not None and node.parent.type == "parenthesized_expression":
        node = node.parent
    return node.parent or node


def _builtin_arg(parent: Node, file: SourceFile, names: tuple[str, ...] | frozenset[str]) -> bool:
    if parent.type != "argument_list" or parent.parent is None:
        return False
    fn = parent.parent.child_by_field_name("function")
    return fn is not None and fn.type == "identifier" and file.text(fn) in names


def _escape_point(use: Node, func: Node, cfg: CFG, file: SourceFile) -> Node | None:
    """The CFG node from which ``use`` may let another goroutine have the channel; None when
    the use keeps it here (a send, a receive, len, cap, close in ``func`` itself)."""
    node: Node | None = use
    literal: Node | None = None
    while node is not None and node.id != func.id:
        if node.type in FUNC_KINDS:
            literal = node
        node = node.parent
    if literal is None:
        parent = _parent(use)
        if _sent_on(parent, use):
            return None
        if parent.type == "unary_expression":
            op = parent.child_by_field_name("operator")
            if op is not None and op.type == "<-":
                return None
        if _builtin_arg(parent, file, ("close", "len", "cap")):
            return None
    start: Node | None = literal or use
    while start is not None and start.id != func.id:
        if cfg.block_of(start) is not None:
            return start
        start = start.parent
    return use  # not found in the CFG: counts as escaping everywhere


def _decl_of(rule: Rule, func: Node) -> FuncDecl | None:
    for decl in rule.pkg.index.all_functions():
        if decl.node.id == func.id:
            return decl
    return None


def _discards(call: Node, file: SourceFile) -> bool:
    """The call's result is thrown away: a statement, `go`/`defer`, or assigned to `_`."""
    node = call
    while node.parent is not None and node.parent.type == "parenthesized_expression":
        node = node.parent
    parent = node.parent
    if parent is None:
        return False
    if parent.type in ("expression_statement", "go_statement", "defer_statement"):
        return True
    if parent.type == "expression_list" and parent.parent is not None:
        stmt = parent.parent
        if stmt.type in ("assignment_statement", "short_var_declaration"):
            left = stmt.child_by_field_name("left")
            right = stmt.child_by_field_name("right")
            if left is None or right is None or right.id != parent.id:
                return False
            lefts = [c for c in left.named_children if not c.is_extra]
            values = [c for c in parent.named_children if not c.is_extra]
            if len(lefts) == len(values) and node in values:
                target = lefts[values.index(node)]
                return target.type == "identifier" and file.text(target) == "_"
    return False

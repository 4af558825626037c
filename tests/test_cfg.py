"""Control-flow graph structure: paths, terminators, labels, closures and deep nesting."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable, Iterator

import pytest
from tree_sitter import Node

from goconc.analyzer.cfg import CFG, Block, build_cfg, default_exits
from goconc.analyzer.parse import parse

COMPOUND = frozenset(
    {
        "if_statement",
        "for_statement",
        "expression_switch_statement",
        "type_switch_statement",
        "select_statement",
        "labeled_statement",
        "block",
        "label_name",
    }
)


# --- helpers ----------------------------------------------------------------------------------


def walk(node: Node, closures: bool = True) -> Iterator[Node]:
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        if closures or n.type != "func_literal":
            stack.extend(reversed(n.children))


def func(src: str, name: str = "f") -> Node:
    tree = parse(("package p\n\n" + src).encode())
    for n in tree.root_node.named_children:
        if n.type in ("function_declaration", "method_declaration"):
            ident = n.child_by_field_name("name")
            if ident is not None and ident.text == name.encode():
                return n
    raise AssertionError(f"no func {name}")


def cfg(src: str, name: str = "f") -> CFG:
    g = build_cfg(func(src, name))
    check_invariants(g)
    return g


def check_invariants(g: CFG) -> None:
    for b in g.blocks:
        for s in b.succs:
            assert b in s.preds, (b, s)
        for p in b.preds:
            assert b in p.succs, (p, b)
        if b.live:
            assert all(p.live for p in b.preds), b
        if b.terminator is not None:
            assert b.terminator in ("return", "panic", "goexit", "exit", "select")
            if b.terminator == "return":
                # a dead return loses its edge into the live graph
                assert b.succs == ([g.exit] if b.live or not g.exit.live else [])
            else:
                assert b.succs == []
        assert all(not n.is_extra for n in b.nodes)
    assert g.exit.nodes == [] and g.exit.succs == []
    counts = Counter(n.id for b in g.blocks for n in b.nodes)
    assert all(c == 1 for c in counts.values())


def text(n: Node) -> str:
    return (n.text or b"").decode()


def node(g: CFG, src: str) -> Node:
    """The one node held by some block whose text is ``src``."""
    found = [n for b in g.blocks for n in b.nodes if text(n) == src]
    assert len(found) == 1, (src, found, g.format())
    return found[0]


def blk(g: CFG, src: str) -> Block:
    b = g.block_of(node(g, src))
    assert b is not None
    return b


def has(block: Block, src: str) -> bool:
    return any(text(n) == src for n in block.nodes)


def path(a: Block, b: Block, avoid: Callable[[Block], bool] = lambda _: False) -> bool:
    """Is there a path of one or more edges from a to b through blocks that ``avoid`` rejects?"""
    seen: set[int] = set()
    stack = list(a.succs)
    while stack:
        x = stack.pop()
        if x is b:
            return True
        if x.index in seen or avoid(x):
            continue
        seen.add(x.index)
        stack.extend(x.succs)
    return False


def reaches_exit(g: CFG, src: str) -> bool:
    b = blk(g, src)
    return b is g.exit or path(b, g.exit)


# --- straight-line code, return, if -------------------------------------------------------------


def test_straight_line_is_one_block() -> None:
    g = cfg("func f() {\n\ta := 1\n\ta++\n\tg(a)\n}")
    assert [text(n) for n in g.entry.nodes] == ["a := 1", "a++", "g(a)"]
    assert g.entry.succs == [g.exit]
    assert g.reachable() == [g.entry, g.exit]
    assert g.entry.kind == "entry" and g.exit.kind == "exit"


def test_bodiless_declaration() -> None:
    g = cfg("func f()")
    assert g.entry.succs == [g.exit] and g.exit.live


def test_return_inside_if_goes_to_exit() -> None:
    g = cfg(
        """func f(x int) int {
	if y := x * 2; y > 3 {
		return 1
	}
	after()
	return 2
}"""
    )
    head = blk(g, "y := x * 2")
    assert [text(n) for n in head.nodes] == ["y := x * 2", "y > 3"]
    assert [s.kind for s in head.succs] == ["if.then", "if.done"]
    ret = blk(g, "return 1")
    assert ret.succs == [g.exit] and ret.terminator == "return"
    assert not path(ret, blk(g, "after()"))
    assert reaches_exit(g, "after()")
    # every path from the if to exit passes a return
    assert not path(g.entry, g.exit, avoid=lambda b: b.terminator == "return")


def test_if_else_both_return_makes_rest_dead() -> None:
    g = cfg(
        """func f(c bool) int {
	if c {
		return 1
	} else {
		return 2
	}
	dead()
}"""
    )
    assert blk(g, "return 2").kind == "if.else"
    assert not blk(g, "dead()").live
    assert blk(g, "dead()") not in g.reachable()
    assert g.exit.live


def test_else_if_chain() -> None:
    g = cfg(
        """func f(a, b bool) {
	if a {
		x()
	} else if b {
		y()
	} else {
		z()
	}
	w()
}"""
    )
    for s in ("x()", "y()", "z()"):
        assert path(blk(g, s), blk(g, "w()"))
    assert path(g.entry, blk(g, "z()"), avoid=lambda b: has(b, "x()") or has(b, "y()"))
    assert not path(blk(g, "x()"), blk(g, "y()"))


def test_unreachable_after_return() -> None:
    g = cfg("func f() {\n\treturn 1\n\tdead()\n\treturn 2\n}")
    b = blk(g, "dead()")
    assert b.kind == "unreachable" and not b.live and b.preds == []
    assert [x.kind for x in g.reachable()] == ["entry", "exit"]
    # edges from dead code into live blocks are cut: exit's preds are all live
    assert b.terminator == "return" and b.succs == []
    assert g.exit.preds == [g.entry]


# --- loops ---------------------------------------------------------------------------------------


def test_for_clause_parts() -> None:
    g = cfg("func f() {\n\tfor i := 0; i < 3; i++ {\n\t\tbody(i)\n\t}\n\tafter()\n}")
    assert has(g.entry, "i := 0")
    head = blk(g, "i < 3")
    assert head.kind == "for.head"
    post = blk(g, "i++")
    assert post.kind == "for.post" and post.succs == [head]
    body = blk(g, "body(i)")
    assert body.kind == "for.body" and body.succs == [post]
    assert [s.kind for s in head.succs] == ["for.body", "for.done"]
    assert blk(g, "after()").kind == "for.done"
    assert reaches_exit(g, "body(i)")


def test_infinite_for_without_break_never_exits() -> None:
    g = cfg("func f() {\n\tfor {\n\t\twork()\n\t}\n\tafter()\n}")
    assert not g.exit.live
    assert not blk(g, "after()").live
    assert path(blk(g, "work()"), blk(g, "work()"))  # loops to itself through the head


def test_infinite_for_with_break_exits() -> None:
    g = cfg("func f(c bool) {\n\tfor {\n\t\tif c {\n\t\t\tbreak\n\t\t}\n\t}\n\tafter()\n}")
    assert blk(g, "break").succs[0].kind == "for.done"
    assert reaches_exit(g, "after()") and g.exit.live


def test_continue_targets() -> None:
    g = cfg(
        """func f(xs []int, c bool) {
	for i := 0; i < 3; i++ {
		if c { continue }
	}
	for c {
		if c { continue }
		a()
	}
	for range xs {
		if c { continue }
		b()
	}
}"""
    )
    conts = [n for b in g.blocks for n in b.nodes if n.type == "continue_statement"]
    kinds = [g.block_of(n).succs[0].kind for n in conts]  # type: ignore[union-attr]
    assert kinds == ["for.post", "for.head", "range.head"]


def test_range_clause_in_head() -> None:
    g = cfg("func f(ch chan int) {\n\tfor v := range ch {\n\t\tuse(v)\n\t}\n\tafter()\n}")
    head = blk(g, "v := range ch")
    assert head.kind == "range.head" and head.nodes[0].type == "range_clause"
    assert [s.kind for s in head.succs] == ["range.body", "range.done"]
    assert blk(g, "use(v)").succs == [head]
    assert blk(g, "after()").kind == "range.done"


def test_labelled_break_and_continue_leave_the_outer_loop() -> None:
    g = cfg(
        """func f(n int) {
outer:
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			if j == 1 {
				continue outer
			}
			if j == 2 {
				break outer
			}
		}
		mid()
	}
	after()
}"""
    )
    assert blk(g, "continue outer").succs == [blk(g, "i++")]
    assert blk(g, "break outer").succs == [blk(g, "after()")]
    assert not path(blk(g, "break outer"), blk(g, "mid()"))
    assert blk(g, "i := 0").kind == "label"


# --- select --------------------------------------------------------------------------------------


def test_break_in_select_leaves_only_the_select() -> None:
    g = cfg(
        """func f(ch chan int) {
	for {
		select {
		case <-ch:
			break
		}
		inLoop()
	}
	after()
}"""
    )
    brk = blk(g, "break")
    assert brk.succs[0].kind == "select.done"
    assert path(brk, blk(g, "inLoop()"))
    # the classic bug: the loop never ends
    assert not blk(g, "after()").live and not g.exit.live


def test_break_label_in_select_leaves_the_loop() -> None:
    g = cfg(
        """func f(ch chan int, done chan struct{}) {
outer:
	for {
		select {
		case v := <-ch:
			use(v)
		case <-done:
			break outer
		default:
			continue outer
		}
	}
	after()
}"""
    )
    assert path(blk(g, "break outer"), blk(g, "after()"))
    assert reaches_exit(g, "after()")
    cont = blk(g, "continue outer")
    assert cont.kind == "select.default" and cont.succs[0].kind == "for.head"


def test_select_cases_start_with_communication() -> None:
    g = cfg(
        """func f(in, out chan int) {
	select {
	case v, ok := <-in:
		use(v, ok)
	case out <- 1:
		sent()
	case <-in:
	default:
		idle()
	}
	after()
}"""
    )
    head = g.block_at(func_stmt(g, "select_statement"))
    assert head is g.entry
    assert [s.kind for s in head.succs] == ["select.case"] * 3 + ["select.default"]
    first = [s.nodes[0].type for s in head.succs[:3]]
    assert first == ["receive_statement", "send_statement", "receive_statement"]
    assert [text(n) for n in head.succs[0].nodes] == ["v, ok := <-in", "use(v, ok)"]
    assert has(head.succs[3], "idle()")
    done = blk(g, "after()")
    assert done.kind == "select.done" and all(done in s.succs for s in head.succs)


def test_empty_select_blocks_forever() -> None:
    g = cfg("func f() {\n\tbefore()\n\tselect {}\n\tafter()\n}")
    b = blk(g, "before()")
    assert b.terminator == "select" and b.succs == []
    assert not blk(g, "after()").live and not g.exit.live


# --- switch --------------------------------------------------------------------------------------


def test_switch_without_default_can_skip_all_cases() -> None:
    g = cfg(
        """func f(x int) {
	switch y := x; y {
	case 1, 2:
		a()
	case g():
		b()
	}
	after()
}"""
    )
    assert [text(n) for n in g.entry.nodes] == ["y := x", "y"]
    tests = [b for b in g.blocks if b.kind == "switch.case"]
    assert [(t.nodes[0].type, text(t.nodes[0])) for t in tests] == [
        ("expression_list", "1, 2"),
        ("expression_list", "g()"),
    ]
    assert g.entry.succs == [tests[0]]
    assert tests[0].succs == [blk(g, "a()"), tests[1]]
    done = blk(g, "after()")
    assert done.kind == "switch.done"
    assert path(g.entry, done, avoid=lambda b: has(b, "a()") or has(b, "b()"))


def test_switch_default_in_the_middle_is_tried_last() -> None:
    g = cfg(
        """func f(x int) {
	switch x {
	case 1:
		a()
	default:
		d()
	case 2:
		b()
	}
	after()
}"""
    )
    done = blk(g, "after()")
    case_bodies = ("a()", "b()", "d()")
    assert not path(g.entry, done, avoid=lambda b: any(has(b, s) for s in case_bodies))
    # the case-2 test runs before default is taken
    case2 = next(b for b in g.blocks if b.kind == "switch.case" and text(b.nodes[0]) == "2")
    assert blk(g, "d()") in case2.succs
    assert blk(g, "d()").kind == "switch.default"


def test_fallthrough_goes_to_next_body() -> None:
    g = cfg(
        """func f(x int) {
	switch x {
	case 1:
		a()
		fallthrough
	default:
		d()
		fallthrough
	case 2:
		b()
	}
}"""
    )
    ft = [n for b in g.blocks for n in b.nodes if n.type == "fallthrough_statement"]
    assert g.block_of(ft[0]) is blk(g, "a()")
    assert blk(g, "a()").succs == [blk(g, "d()")]
    assert blk(g, "d()").succs == [blk(g, "b()")]


def test_break_in_switch_leaves_the_switch_not_the_loop() -> None:
    g = cfg(
        """func f(x int) {
	for {
		switch x {
		case 1:
			break
		}
		loop()
	}
}"""
    )
    assert path(blk(g, "break"), blk(g, "loop()"))
    assert not g.exit.live


def test_type_switch() -> None:
    g = cfg(
        """func f(v any) {
	switch t := v.(type) {
	case int, string:
		a(t)
	case error:
		b(t)
	}
	after()
}"""
    )
    assert [text(n) for n in g.entry.nodes] == ["v"]
    done = blk(g, "after()")
    assert g.entry.succs == [blk(g, "a(t)"), blk(g, "b(t)"), done]
    g2 = cfg(
        "func f(v any) {\n\tswitch v.(type) {\n\tcase int:\n\t\ta()\n\tdefault:\n\t\td()\n\t}\n}"
    )
    assert g2.entry.succs == [blk(g2, "a()"), blk(g2, "d()")]


# --- goto and labels -----------------------------------------------------------------------------


def test_goto_backward_and_forward() -> None:
    g = cfg(
        """func f() {
	i := 0
loop:
	i++
	if i < 10 {
		goto loop
	}
	goto end
	dead()
end:
	done()
}"""
    )
    label = blk(g, "i++")
    assert label.kind == "label"
    assert blk(g, "goto loop").succs == [label]
    assert path(label, label)
    fwd = blk(g, "goto end")
    assert fwd.succs == [blk(g, "done()")] and blk(g, "done()").kind == "label"
    assert not blk(g, "dead()").live
    assert reaches_exit(g, "done()")


def test_goto_revives_code_after_return() -> None:
    g = cfg(
        """func f(c bool) {
	if c {
		goto L
	}
	return
L:
	revived()
}"""
    )
    assert blk(g, "revived()").live and reaches_exit(g, "revived()")


def test_labelled_plain_statement_and_empty_label() -> None:
    g = cfg("func f() {\n\tgoto M\nL:\n\tx()\nM:\n}")
    assert blk(g, "x()").kind == "label"
    assert not blk(g, "x()").live
    m = blk(g, "goto M").succs[0]
    assert m.kind == "label" and m.nodes == [] and m.succs == [g.exit]


# --- calls that never return -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "why"),
    [
        ('panic("boom")', "panic"),
        ('log.Panicf("x %d", 1)', "panic"),
        ("os.Exit(1)", "exit"),
        ('log.Fatal("x")', "exit"),
        ('log.Fatalf("x")', "exit"),
        ('log.Fatalln("x")', "exit"),
        ("runtime.Goexit()", "goexit"),
        ('t.Fatal("x")', "goexit"),
        ('t.Fatalf("x")', "goexit"),
        ("tb.FailNow()", "goexit"),
        ("b.SkipNow()", "goexit"),
        ('t.Skip("slow")', "goexit"),
        ('t.Skipf("slow")', "goexit"),
    ],
)
def test_calls_that_never_return(call: str, why: str) -> None:
    g = cfg(f"func f(t *testing.T) {{\n\tdefer cleanup()\n\t{call}\n\tafter()\n}}")
    b = blk(g, call)
    assert b.terminator == why and b.succs == []
    assert not blk(g, "after()").live and not g.exit.live
    call_node = b.nodes[-1].named_children[0]
    assert default_exits(call_node) == why
    root = call_node
    while root.parent is not None:
        root = root.parent
    assert default_exits(call_node, root.text) == why  # slicing the file's bytes instead


@pytest.mark.parametrize(
    "call",
    ["os.Getenv(x)", "log.Printf(x)", "s.T().Fatal(x)", "t.Log(x)", "exit(1)", "f.x.Fatal()"],
)
def test_ordinary_calls_return(call: str) -> None:
    g = cfg(f"func f() {{\n\t{call}\n\tafter()\n}}")
    assert blk(g, call).terminator is None and reaches_exit(g, "after()")


def test_panic_in_one_branch_only() -> None:
    g = cfg("func f(c bool) {\n\tif c {\n\t\tpanic(1)\n\t}\n\tafter()\n}")
    assert blk(g, "panic(1)").terminator == "panic"
    assert reaches_exit(g, "after()")
    assert not path(blk(g, "panic(1)"), g.exit)


def test_custom_exits_callback() -> None:
    fn = func("func f() {\n\tpanic(1)\n\tmustDie()\n\tafter()\n}")
    g = build_cfg(fn, exits=lambda c: "exit" if text(c).startswith("mustDie") else None)
    check_invariants(g)
    # the callback replaces the default: panic(1) no longer ends the block
    assert blk(g, "panic(1)") is blk(g, "mustDie()")
    assert blk(g, "mustDie()").terminator == "exit"
    assert not blk(g, "after()").live


# --- closures, defers, lookups ----------------------------------------------------------------


def func_stmt(g: CFG, kind: str) -> Node:
    body = g.func.child_by_field_name("body")
    assert body is not None
    return next(n for n in walk(body) if n.type == kind)


def test_closure_body_is_not_part_of_outer_cfg() -> None:
    fn = func(
        """func f(wg *sync.WaitGroup) {
	defer outerDone()
	go func() {
		defer wg.Done()
		inner()
		return
	}()
	cb := func() { panic(1) }
	after(cb)
}"""
    )
    g = build_cfg(fn)
    check_invariants(g)
    texts = [text(n) for b in g.blocks for n in b.nodes]
    assert "inner()" not in texts and "return" not in texts
    assert [text(d) for d in g.defers] == ["defer outerDone()"]
    assert reaches_exit(g, "after(cb)")
    lits = [n for n in walk(fn) if n.type == "func_literal"]
    inner = build_cfg(lits[0])
    check_invariants(inner)
    assert inner.func == lits[0]
    assert [text(d) for d in inner.defers] == ["defer wg.Done()"]
    assert blk(inner, "return").succs == [inner.exit]
    assert has(inner.entry, "inner()")
    assert blk(build_cfg(lits[1]), "panic(1)").terminator == "panic"


def test_defers_in_source_order_including_nested_blocks() -> None:
    g = cfg(
        """func f(c bool) {
	defer a()
	if c {
		defer b()
	}
	for {
		defer c2()
		break
	}
	return
	defer dead()
}"""
    )
    assert [text(d) for d in g.defers] == ["defer a()", "defer b()", "defer c2()", "defer dead()"]


def test_block_of_and_block_at() -> None:
    g = cfg(
        """func f(x int) {
	a()
	if x > 0 {
		b()
	}
	for i := range x {
		c(i)
	}
}"""
    )
    if_stmt = func_stmt(g, "if_statement")
    assert g.block_at(if_stmt) is g.entry
    assert g.block_of(if_stmt) is None
    assert g.block_at(node(g, "b()")) is blk(g, "b()")
    for_stmt = func_stmt(g, "for_statement")
    rng = g.block_at(for_stmt)
    assert rng is not None and rng.kind == "if.done"
    assert rng.succs[0].kind == "range.head"
    assert g.block_of(g.func) is None


def test_reachable_is_reverse_postorder() -> None:
    g = cfg(
        """func f(c bool) {
	for i := 0; i < 3; i++ {
		if c { break }
		x()
	}
	return
	dead()
}"""
    )
    order = g.reachable()
    assert order[0] is g.entry
    assert {b.index for b in order} == {b.index for b in g.blocks if b.live}
    pos = {b.index: i for i, b in enumerate(order)}
    # in reverse postorder every edge goes forward except loop back edges (to the for.head)
    for b in order:
        for s in b.succs:
            assert pos[s.index] > pos[b.index] or s.kind == "for.head"


def test_every_statement_node_appears_exactly_once() -> None:
    fn = func(
        """func f(ch chan int, xs []int, v any) (err error) {
	// leading comment
	var a, b = 1, 2
	const k = 3
	type T int
	x := 0
	x += a + b
	if y := x; y > 0 { // trailing
		x++
	} else if x < -1 {
		x--
	} else {
		;
	}
	for i := 0; i < k; i++ {
		if i == 2 { continue }
		go func() { ch <- i }()
	}
	for x < 10 { x++ }
	for _, e := range xs {
		defer use(e)
	}
	switch z := x; z {
	case 1, 2:
		fallthrough
	case 3:
		break
	default:
		/* block comment */
	}
	switch t := v.(type) {
	case int:
		use(t)
	default:
	}
L:
	select {
	case n := <-ch:
		use(n)
		break L
	case ch <- 1:
	default:
	}
	{
		nested()
	}
	goto L2
L2:
	return nil
}"""
    )
    g = build_cfg(fn)
    check_invariants(g)
    expected: set[int] = set()
    body = fn.child_by_field_name("body")
    assert body is not None
    for n in walk(body, closures=False):
        t = n.type
        parent = n.parent
        if parent is None or n.is_extra or not n.is_named:
            continue
        if parent.type in ("statement_list", "labeled_statement") and t not in COMPOUND:
            expected.add(n.id)
        fields = {
            "if_statement": ("initializer", "condition"),
            "for_clause": ("initializer", "condition", "update"),
            "expression_switch_statement": ("initializer", "value"),
            "type_switch_statement": ("initializer", "value"),
            "expression_case": ("value",),
            "communication_case": ("communication",),
        }.get(t, ())
        for f in fields:
            c = n.child_by_field_name(f)
            if c is not None:
                expected.add(c.id)
        if t == "range_clause":
            expected.add(n.id)
        if t == "for_statement":
            cond = [c for c in n.named_children if c.type not in ("block", "for_clause")]
            expected.update(c.id for c in cond if c.type != "comment")
    got = Counter(n.id for b in g.blocks for n in b.nodes)
    by_id = {n.id: n for n in walk(body)}
    assert sorted(text(by_id[i]) for i in set(got) ^ expected) == []
    assert all(c == 1 for c in got.values())
    assert not any(n.type == "comment" for b in g.blocks for n in b.nodes)
    assert g.exit.live


# --- robustness ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("opening", "closing"),
    [
        ("{", "}"),
        ("if c {", "}"),
        ("for {", "break\n}"),
        ("switch { case c:", "}"),
        ("select { case <-ch:", "}"),
        ("for i := 0; i < 9; i++ {", "continue\n}"),
    ],
)
def test_deep_nesting_has_no_recursion_limit(opening: str, closing: str) -> None:
    depth = 3000
    assert depth > sys.getrecursionlimit() // 2
    body = (opening + "\n") * depth + "inner()\n" + (closing + "\n") * depth
    fn = func("func f(c bool, ch chan int) {\n" + body + "}")
    assert not fn.has_error
    g = build_cfg(fn)
    check_invariants(g)
    b = blk(g, "inner()")
    assert b.live and g.exit.live
    if opening == "{":
        assert b is g.entry  # nested blocks add no CFG blocks
    else:
        assert len(g.reachable()) > depth


def test_long_else_if_chain() -> None:
    n = 3000
    src = "func f(x int) {\n\tif x == 0 {\n\t\ta()\n\t}"
    src += "".join(f" else if x == {i} {{\n\t\ta{i}()\n\t}}" for i in range(1, n))
    src += "\n\tafter()\n}"
    fn = func(src)
    assert not fn.has_error
    g = build_cfg(fn)
    check_invariants(g)
    assert blk(g, f"a{n - 1}()").live and reaches_exit(g, f"a{n - 1}()")


def test_syntax_errors_do_not_break_the_build() -> None:
    fn = func("func f() {\n\tx := new(uint64(1))\n\tgo\n\tfor { break }\n\tafter()\n}")
    g = build_cfg(fn)
    check_invariants(g)
    assert reaches_exit(g, "after()")


def test_ill_formed_branches_are_dead_ends() -> None:
    g = cfg("func f() {\n\tbreak\n\tcontinue\n\tbreak nowhere\n\tfallthrough\n}")
    for kind in ("break", "continue", "break nowhere", "fallthrough"):
        assert blk(g, kind).succs == []


def test_repr_and_format() -> None:
    g = cfg("func f() {\n\tif c { return }\n\tx()\n}")
    assert "if.then" in g.format() and "return_statement" in g.format()
    assert repr(g.entry).startswith("<Block 0 entry")
    assert repr(g).startswith("<CFG function_declaration")


def test_methods_are_supported() -> None:
    g = cfg("func (s *S) m() {\n\ts.mu.Lock()\n\tdefer s.mu.Unlock()\n}", name="m")
    assert g.func.type == "method_declaration"
    assert [text(d) for d in g.defers] == ["defer s.mu.Unlock()"]

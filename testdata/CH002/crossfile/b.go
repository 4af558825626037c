package crossfile

type Result struct{ Rows int }

func run(q string) Result { return Result{Rows: len(q)} }

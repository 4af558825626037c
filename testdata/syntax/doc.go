// Package syntax holds, file by file, the language changes of each Go release from 1.18
// on: goconc must read all of it with no syntax notification (tests/test_syntax.py).
package syntax

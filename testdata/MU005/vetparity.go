package mu005

import (
	"sync"
	. "unsafe"
	unsafe1 "unsafe"
)

// Cases in the spirit of go vet's copylocks testdata.

func calledThroughTable(table []func(any)) {
	var mu sync.Mutex
	table[0](mu) // want "MU005: call of table\[0\] passes mu by value: sync.Mutex"
}

func sizes2() {
	var mu sync.Mutex
	_ = Sizeof(mu)
	_ = unsafe1.Sizeof(mu)
	unsafe := struct{ Sizeof func(any) uintptr }{}
	_ = unsafe.Sizeof(mu) // want "MU005: call of unsafe.Sizeof passes mu by value"
}

func arraysOfSlices() {
	var a [5][][5]sync.Mutex
	b := a // slices share their elements: not a copy of a lock
	a = b
	var mm [3][3]sync.Once
	nn := mm // want "MU005: array of array of sync.Once"
	_ = &nn
}

func derefPointerToPointer(pp **Registry) {
	p := *pp // a pointer
	_ = p
}

package go121

// Current is assigned by the range loop in loops.go.
var Current int

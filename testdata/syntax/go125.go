package syntax

// Go 1.25 changed no syntax (the specification dropped core types); operations on type
// parameters whose type sets differ in shape are written as before.

type Bytes interface{ ~[]byte | ~string }

func FirstByte[T Bytes](s T) byte {
	if len(s) == 0 {
		return 0
	}
	return s[0]
}

func Use125() (byte, byte) { return FirstByte("go"), FirstByte([]byte{1}) }

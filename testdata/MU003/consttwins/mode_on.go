//go:build goconc_verbose

package consttwins

const verbose = true

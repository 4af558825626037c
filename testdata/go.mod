module goconc.test/testdata

go 1.24

module goconc.test/gr001

go 1.21

module goconc.test/syntax

go 1.27

module goconc.test/cx002

go 1.22

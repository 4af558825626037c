module godebug

go 1.22

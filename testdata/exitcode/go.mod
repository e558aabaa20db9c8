module exitcode

go 1.19

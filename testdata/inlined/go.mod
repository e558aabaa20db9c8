module inlined

go 1.19

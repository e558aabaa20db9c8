module locations

go 1.19

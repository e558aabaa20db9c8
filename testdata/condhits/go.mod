module condhits

go 1.19

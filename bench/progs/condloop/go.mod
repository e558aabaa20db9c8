module condloop

go 1.19

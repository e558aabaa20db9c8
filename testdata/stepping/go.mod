module stepping

go 1.19

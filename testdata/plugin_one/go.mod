module plugin_one

go 1.19

module plugin_two

go 1.19

module plugin_host

go 1.19

module goparseprobe

go 1.27

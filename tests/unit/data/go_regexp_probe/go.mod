module rxprobe

go 1.22

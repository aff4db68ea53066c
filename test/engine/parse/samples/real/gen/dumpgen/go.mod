module example.com/dumpgen

go 1.19

module leakeval/hangs

go 1.19

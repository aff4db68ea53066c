module example.com/racesample

go 1.21

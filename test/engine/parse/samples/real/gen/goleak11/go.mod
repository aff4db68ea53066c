module example.com/goleak

go 1.21

require go.uber.org/goleak v1.1.12

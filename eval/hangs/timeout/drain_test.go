package timeout

import "testing"

func TestDrain(t *testing.T) {
	Drain(4)
}

package bench_test

import (
	"net/url"
	"strconv"
	"testing"
)

func portOf(t *testing.T, s string) int {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	p, err := strconv.Atoi(u.Port())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

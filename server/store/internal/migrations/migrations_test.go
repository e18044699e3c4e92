package migrations

import (
	"testing"
	"testing/fstest"
)

func TestList(t *testing.T) {
	fsys := fstest.MapFS{
		"m/0002_two.sql":   {Data: []byte("B")},
		"m/0010_ten.sql":   {Data: []byte("C")},
		"m/0001_one.sql":   {Data: []byte("A")},
		"m/notes.txt":      {Data: []byte("ignored")},
		"other/0003_x.sql": {Data: []byte("elsewhere")},
	}
	ms, err := List(fsys, "m")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range ms {
		got = append(got, m.Name+"="+m.SQL)
	}
	want := []string{"0001_one.sql=A", "0002_two.sql=B", "0010_ten.sql=C"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	for name, fsys := range map[string]fstest.MapFS{
		"no version":   {"m/init.sql": {}},
		"bad version":  {"m/x1_init.sql": {}},
		"zero":         {"m/0000_init.sql": {}},
		"same version": {"m/0001_a.sql": {}, "m/1_b.sql": {}},
	} {
		if _, err := List(fsys, "m"); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

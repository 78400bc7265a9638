package accord

import (
	"errors"
	"slices"
	"testing"
)

// fakeRows are rows of positions 1..n.
type fakeRows struct{ i, n int }

func (r *fakeRows) Next() bool { r.i++; return r.i <= r.n }
func (r *fakeRows) Scan(dest ...any) error {
	*dest[0].(*int64) = int64(r.i)
	return nil
}

func TestReadPage(t *testing.T) {
	read := func(r PageRows) (int64, int64, error) {
		var pos int64
		err := r.Scan(&pos)
		return pos, pos * 10, err
	}
	for _, tt := range []struct {
		rows, limit int
		want        []int64
		next        string
	}{
		{0, 3, []int64{}, ""},
		{3, 3, []int64{10, 20, 30}, ""},
		{4, 3, []int64{10, 20, 30}, EncodeCursor(3)}, // the fourth row only says there is more
	} {
		got, next, err := ReadPage(&fakeRows{n: tt.rows}, tt.limit, read)
		if err != nil || !slices.Equal(got, tt.want) || got == nil || next != tt.next {
			t.Errorf("%d rows, limit %d: %v %q %v, want %v %q", tt.rows, tt.limit, got, next, err, tt.want, tt.next)
		}
	}
	boom := errors.New("boom")
	if _, _, err := ReadPage(&fakeRows{n: 2}, 3, func(PageRows) (int64, int, error) { return 0, 0, boom }); err != boom {
		t.Errorf("read error: %v", err)
	}
}

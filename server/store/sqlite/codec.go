package sqlite

import (
	"database/sql"
	"time"

	"github.com/parleychat/parley/server/chat"
	"github.com/parleychat/parley/server/store/internal/codec"
)

// ns is the stored form of a time: Unix nanoseconds, NULL for the zero time.
func ns(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixNano()
}

// fromNS is the inverse of ns.
func fromNS(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.Unix(0, v.Int64).UTC()
}

// laterNS returns the later of a stored time and t, in stored form.
func laterNS(stored sql.NullInt64, t time.Time) any {
	if t.IsZero() || (stored.Valid && stored.Int64 >= t.UnixNano()) {
		if !stored.Valid {
			return nil
		}
		return stored.Int64
	}
	return t.UnixNano()
}

// encodePage and decodePage adapt codec's page to a nullable column.
func encodePage(p *chat.Page) (any, error) {
	s, err := codec.EncodePage(p)
	if err != nil || s == nil {
		return nil, err
	}
	return *s, nil
}

func decodePage(s sql.NullString) (*chat.Page, error) {
	if !s.Valid {
		return nil, nil
	}
	return codec.DecodePage(&s.String)
}

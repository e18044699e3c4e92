package codec

// Rows is a result set of either driver: database/sql's *sql.Rows and
// pgx's pgx.Rows. The caller closes it.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// GroupStrings reads rows of two text columns, a key and a value, into
// the values of each key in row order (the tags of many threads).
func GroupStrings(rows Rows) (map[string][]string, error) {
	out := map[string][]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		out[k] = append(out[k], v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

package codec

// Rows is a result set of either driver: database/sql's *sql.Rows and
// pgx's pgx.Rows. The caller closes it.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// GroupTags reads rows of three text columns, a chat, a thread and a
// tag, into each chat's threads' tags in row order.
func GroupTags(rows Rows) (map[string]map[string][]string, error) {
	out := map[string]map[string][]string{}
	for rows.Next() {
		var c, th, tag string
		if err := rows.Scan(&c, &th, &tag); err != nil {
			return nil, err
		}
		if out[c] == nil {
			out[c] = map[string][]string{}
		}
		out[c][th] = append(out[c][th], tag)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

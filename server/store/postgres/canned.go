package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/parleychat/parley/server/chat"
)

// PutCannedResponse creates (ID 0) or replaces a canned response.
func (s *Store) PutCannedResponse(ctx context.Context, r chat.CannedResponse) (_ chat.CannedResponse, err error) {
	defer wrap(&err, "put canned response %d of license %d", r.ID, r.LicenseID)
	if r.ID == 0 {
		err = s.pool.QueryRow(ctx, `INSERT INTO canned_responses (license_id, shortcut, text, created_by, updated_at)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`, r.LicenseID, r.Shortcut, r.Text, r.CreatedBy, ns(r.UpdatedAt)).Scan(&r.ID)
	} else {
		err = s.pool.QueryRow(ctx, `UPDATE canned_responses SET shortcut = $1, text = $2, updated_at = $3
			WHERE license_id = $4 AND id = $5 RETURNING created_by`,
			r.Shortcut, r.Text, ns(r.UpdatedAt), r.LicenseID, r.ID).Scan(&r.CreatedBy)
	}
	if err != nil {
		return chat.CannedResponse{}, mapErr(notFound(err, ""))
	}
	return r, nil
}

// CannedResponses returns a license's canned responses ordered by shortcut.
func (s *Store) CannedResponses(ctx context.Context, licenseID int) (_ []chat.CannedResponse, err error) {
	defer wrap(&err, "canned responses of license %d", licenseID)
	rows, err := s.pool.Query(ctx, `SELECT license_id, id, shortcut, text, created_by, updated_at FROM canned_responses
		WHERE license_id = $1 ORDER BY shortcut`, licenseID)
	if err != nil {
		return nil, err
	}
	rs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (chat.CannedResponse, error) {
		var (
			r  chat.CannedResponse
			at *int64
		)
		err := row.Scan(&r.LicenseID, &r.ID, &r.Shortcut, &r.Text, &r.CreatedBy, &at)
		r.UpdatedAt = fromNS(at)
		return r, err
	})
	if err != nil {
		return nil, err
	}
	return nonNil(rs), nil
}

// DeleteCannedResponse removes a canned response.
func (s *Store) DeleteCannedResponse(ctx context.Context, licenseID, id int) (err error) {
	defer wrap(&err, "delete canned response %d of license %d", id, licenseID)
	return s.deleteRow(ctx, `DELETE FROM canned_responses WHERE license_id = $1 AND id = $2`, licenseID, id)
}

package sqlite

import (
	"context"
	"database/sql"

	"github.com/parleychat/parley/server/chat"
)

// PutCannedResponse creates (ID 0) or replaces a canned response.
func (s *Store) PutCannedResponse(ctx context.Context, r chat.CannedResponse) (_ chat.CannedResponse, err error) {
	defer wrap(&err, "put canned response %d of license %d", r.ID, r.LicenseID)
	err = s.write(ctx, func(tx *txn) error {
		if r.ID == 0 {
			res, err := tx.ExecContext(ctx, `INSERT INTO canned_responses (license_id, shortcut, text, created_by, updated_at)
				VALUES (?, ?, ?, ?, ?)`, r.LicenseID, r.Shortcut, r.Text, r.CreatedBy, ns(r.UpdatedAt))
			if err != nil {
				return err
			}
			id, err := res.LastInsertId()
			r.ID = int(id)
			return err
		}
		var createdBy string
		err := tx.QueryRowContext(ctx, `UPDATE canned_responses SET shortcut = ?, text = ?, updated_at = ?
			WHERE license_id = ? AND id = ? RETURNING created_by`,
			r.Shortcut, r.Text, ns(r.UpdatedAt), r.LicenseID, r.ID).Scan(&createdBy)
		r.CreatedBy = createdBy
		return notFound(err, "")
	})
	if err != nil {
		return chat.CannedResponse{}, err
	}
	return r, nil
}

// CannedResponses returns a license's canned responses ordered by shortcut.
func (s *Store) CannedResponses(ctx context.Context, licenseID int) (_ []chat.CannedResponse, err error) {
	defer wrap(&err, "canned responses of license %d", licenseID)
	return queryAll(ctx, s.rStmts, func(row scanner) (chat.CannedResponse, error) {
		var (
			r  chat.CannedResponse
			at sql.NullInt64
		)
		err := row.Scan(&r.LicenseID, &r.ID, &r.Shortcut, &r.Text, &r.CreatedBy, &at)
		r.UpdatedAt = fromNS(at)
		return r, err
	}, `SELECT license_id, id, shortcut, text, created_by, updated_at FROM canned_responses
		WHERE license_id = ? ORDER BY shortcut`, licenseID)
}

// DeleteCannedResponse removes a canned response.
func (s *Store) DeleteCannedResponse(ctx context.Context, licenseID, id int) (err error) {
	defer wrap(&err, "delete canned response %d of license %d", id, licenseID)
	return s.deleteRow(ctx, `DELETE FROM canned_responses WHERE license_id = ? AND id = ?`, licenseID, id)
}

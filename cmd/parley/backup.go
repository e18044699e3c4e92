package main

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/parleychat/parley/server/store/sqlite"
)

// A backup is one tar.gz file:
//
//	parley.db               the SQLite database, copied in one read transaction
//	token.key               the key that signs tokens (sessions survive a restore)
//	demo-agent-password     when the server made it
//	files/<license>/<id>/file   the uploads
//
// The database is copied first, then the uploads: an upload is on disk
// before its file event is stored, so every file the copied database
// refers to is in the backup (uploads made later may be too, unreferenced).

// backupSecrets are the files of a data directory a backup keeps besides
// the database and the uploads.
var backupSecrets = []string{"token.key", "demo-agent-password"}

const (
	backupDB    = "parley.db"
	backupFiles = "files"
)

// errPostgresBackup is the answer to a backup or restore of PostgreSQL.
var errPostgresBackup = errors.New("with --database-url the database is PostgreSQL's: back it up with pg_dump and restore it with pg_restore " +
	"(see docs/deploy.md, Backups); copy the uploads directory (--files-dir) with it")

type backupCmd struct {
	To          string `required:"" type:"path" help:"File to write (a tar.gz); it must not exist."`
	DataDir     string `default:"parley-data" env:"PARLEY_DATA_DIR" help:"Data directory of the server (it may be running)."`
	FilesDir    string `env:"PARLEY_FILES_DIR" help:"Directory of uploaded files (default: files in the data directory)."`
	DatabaseURL string `env:"PARLEY_DATABASE_URL" help:"Refused: a PostgreSQL database is backed up with pg_dump."`
}

func (c *backupCmd) Run() error {
	if c.DatabaseURL != "" {
		return errPostgresBackup
	}
	db := filepath.Join(c.DataDir, backupDB)
	if _, err := os.Stat(db); err != nil {
		return fmt.Errorf("no database in %s (is --data-dir right?): %w", c.DataDir, err)
	}
	if _, err := os.Stat(c.To); err == nil {
		return fmt.Errorf("%s exists", c.To)
	}
	filesDir := c.FilesDir
	if filesDir == "" {
		filesDir = filepath.Join(c.DataDir, backupFiles)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(c.To), ".parley-backup-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	snapshot := filepath.Join(tmp, backupDB)
	if err := sqlite.Backup(context.Background(), db, snapshot); err != nil {
		return err
	}
	partial := filepath.Join(tmp, "backup.tar.gz")
	n, err := writeBackup(partial, snapshot, c.DataDir, filesDir)
	if err != nil {
		return err
	}
	// Not before it is complete: a backup that exists is whole.
	if err := os.Link(partial, c.To); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backed up %s and %d uploaded files to %s\n", c.DataDir, n, c.To)
	return nil
}

// writeBackup writes the archive to name and syncs it; it returns the
// number of uploaded files in it.
func writeBackup(name, snapshot, dataDir, filesDir string) (files int, err error) {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return 0, err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	zw := gzip.NewWriter(f)
	tw := tar.NewWriter(zw)
	if err := addFile(tw, snapshot, backupDB); err != nil {
		return 0, err
	}
	for _, s := range backupSecrets {
		if err := addFile(tw, filepath.Join(dataDir, s), s); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return 0, err
		}
	}
	err = filepath.WalkDir(filesDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // no uploads yet, or one removed while walking
			}
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(filesDir, p)
		if err != nil {
			return err
		}
		err = addFile(tw, p, path.Join(backupFiles, filepath.ToSlash(rel)))
		if errors.Is(err, fs.ErrNotExist) {
			return nil // a failed upload, removed
		}
		if err == nil {
			files++
		}
		return err
	})
	if err != nil {
		return 0, err
	}
	if err := tw.Close(); err != nil {
		return 0, err
	}
	if err := zw.Close(); err != nil {
		return 0, err
	}
	return files, f.Sync()
}

// addFile adds the regular file at p to the archive as name, with the size
// it has when opened (an upload still being written may grow later).
func addFile(tw *tar.Writer, p, name string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Size: st.Size(), Mode: 0o600, ModTime: st.ModTime()}); err != nil {
		return err
	}
	if _, err := io.CopyN(tw, f, st.Size()); err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	return nil
}

type restoreCmd struct {
	From        string `required:"" type:"existingfile" help:"Backup to restore (a tar.gz written by parley backup)."`
	DataDir     string `required:"" env:"PARLEY_DATA_DIR" help:"Data directory to restore into; it must be empty or missing, unless --force. Stop the server first."`
	FilesDir    string `env:"PARLEY_FILES_DIR" help:"Directory to restore the uploaded files into (default: files in the data directory)."`
	Force       bool   `help:"Restore into a data directory that is not empty: its database, key files and uploads are replaced."`
	DatabaseURL string `env:"PARLEY_DATABASE_URL" help:"Refused: a PostgreSQL database is restored with pg_restore."`
}

func (c *restoreCmd) Run() (err error) {
	if c.DatabaseURL != "" {
		return errPostgresBackup
	}
	filesDir := c.FilesDir
	if filesDir == "" {
		filesDir = filepath.Join(c.DataDir, backupFiles)
	}
	for _, d := range []string{c.DataDir, c.FilesDir} {
		if d == "" || c.Force {
			continue
		}
		entries, err := os.ReadDir(d)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		if len(entries) > 0 {
			return fmt.Errorf("%s is not empty: restore into a new directory, or give --force to replace its database, keys and uploads", d)
		}
	}
	// Unpack next to the data directory, check, then move into place.
	if _, serr := os.Stat(c.DataDir); errors.Is(serr, fs.ErrNotExist) {
		if err := os.MkdirAll(c.DataDir, 0o750); err != nil {
			return err
		}
		defer func() {
			if err != nil {
				os.RemoveAll(c.DataDir)
			}
		}()
	}
	tmp, err := os.MkdirTemp(c.DataDir, ".parley-restore-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	n, err := unpackBackup(c.From, tmp)
	if err != nil {
		return fmt.Errorf("%s: %w", c.From, err)
	}
	if err := sqlite.Check(context.Background(), filepath.Join(tmp, backupDB)); err != nil {
		return fmt.Errorf("%s: %w", c.From, err)
	}
	// The database with its write-ahead log, whatever was there.
	for _, name := range []string{backupDB + "-wal", backupDB + "-shm", backupDB} {
		if err := os.Remove(filepath.Join(c.DataDir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	for _, name := range append([]string{backupDB}, backupSecrets...) {
		err := os.Rename(filepath.Join(tmp, name), filepath.Join(c.DataDir, name))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	if err := os.RemoveAll(filesDir); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(filesDir), 0o750); err != nil {
		return err
	}
	if err := moveDir(filepath.Join(tmp, backupFiles), filesDir); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "restored %s and %d uploaded files into %s\n", c.From, n, c.DataDir)
	return nil
}

// moveDir moves the directory from to the missing to, across file systems
// if need be; a missing from makes an empty to.
func moveDir(from, to string) error {
	if _, err := os.Stat(from); errors.Is(err, fs.ErrNotExist) {
		return os.MkdirAll(to, 0o750)
	}
	if err := os.Rename(from, to); err == nil {
		return nil
	}
	return filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		dst := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o750)
		}
		return copyFile(p, dst)
	})
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// unpackBackup unpacks the archive into dir and returns the number of
// uploaded files. It takes only regular files under the names a backup
// has, and refuses an archive without a database.
func unpackBackup(name, dir string) (files int, err error) {
	f, err := os.Open(name)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return 0, fmt.Errorf("not a parley backup: %w", err)
	}
	tr := tar.NewReader(zr)
	hasDB := false
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, fmt.Errorf("not a parley backup: %w", err)
		}
		clean := path.Clean(h.Name)
		known := clean == backupDB || strings.HasPrefix(clean, backupFiles+"/")
		for _, s := range backupSecrets {
			known = known || clean == s
		}
		if h.Typeflag != tar.TypeReg || !known || !fs.ValidPath(clean) {
			return 0, fmt.Errorf("not a parley backup: unexpected entry %q", h.Name)
		}
		dst := filepath.Join(dir, filepath.FromSlash(clean))
		if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
			return 0, err
		}
		mode := os.FileMode(0o600)
		if strings.HasPrefix(clean, backupFiles+"/") {
			mode = 0o640
			files++
		}
		out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
		if err != nil {
			return 0, err
		}
		_, err = io.Copy(out, tr)
		if err == nil {
			err = out.Sync()
		}
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return 0, err
		}
		hasDB = hasDB || clean == backupDB
	}
	if !hasDB {
		return 0, fmt.Errorf("not a parley backup: no %s in it", backupDB)
	}
	return files, nil
}

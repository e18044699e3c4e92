package httpapi

import "os"

// synced, when set (by tests), is told of every path synced to disk.
var synced func(path string)

// syncFile flushes f to stable storage.
func syncFile(f *os.File) error {
	if err := f.Sync(); err != nil {
		return err
	}
	if synced != nil {
		synced(f.Name())
	}
	return nil
}

// syncDirs flushes each directory to stable storage, so that the entries
// made in them (a new file, a new subdirectory) survive a power loss.
func syncDirs(dirs ...string) error {
	for _, dir := range dirs {
		d, err := os.Open(dir)
		if err != nil {
			return err
		}
		err = d.Sync()
		if cerr := d.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		if synced != nil {
			synced(dir)
		}
	}
	return nil
}

//go:build unix

package mirror

import (
	"os"
	"path/filepath"
	"syscall"

	"github.com/polex-org/polex/internal/errs"
)

// lockDir takes an exclusive lock on dir (its file .lock) against other
// processes exporting, checking or uploading there, and returns its release.
func lockDir(dir string) (func(), error) {
	f, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, errs.E("mirror.lockDir", errs.Invalid, "cannot lock "+dir, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, errs.E("mirror.lockDir", errs.Internal, err)
	}
	return func() { f.Close() }, nil
}

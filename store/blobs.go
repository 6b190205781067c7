package store

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Blobs keeps the original files of documents, content-addressed, so that
// they can be served, re-extracted and recovered: the same bytes are stored
// once, under their SHA-256 in <dir>/originals/ab/cdef....
type Blobs struct {
	root string // <dir>/originals
}

const (
	blobsDir = "originals"
	tmpDir   = "tmp"
	// staleTemp is how old a temp file must be before OpenBlobs removes it:
	// well past any Put still running.
	staleTemp = time.Hour
)

// OpenBlobs opens (creating if needed) the originals store under dir and
// removes temp files left by Puts that died more than an hour ago.
func OpenBlobs(dir string) (*Blobs, error) {
	b := &Blobs{root: filepath.Join(dir, blobsDir)}
	if err := os.MkdirAll(filepath.Join(b.root, tmpDir), 0o750); err != nil {
		return nil, fmt.Errorf("open originals store: %w", err)
	}
	if err := b.removeStaleTemps(time.Now().Add(-staleTemp)); err != nil {
		return nil, fmt.Errorf("open originals store: %w", err)
	}
	return b, nil
}

func (b *Blobs) removeStaleTemps(before time.Time) error {
	entries, err := os.ReadDir(filepath.Join(b.root, tmpDir))
	if err != nil {
		return err
	}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || !info.ModTime().Before(before) {
			continue
		}
		if err := os.Remove(filepath.Join(b.root, tmpDir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}

// Put stores everything r yields and returns its SHA-256 (lowercase hex)
// and size. The bytes are written to a temp file, synced, then renamed into
// place, so a blob is either whole or absent. Bytes already stored are kept
// as they are (the temp copy is dropped). Bound r (io.LimitReader) to cap
// upload sizes.
func (b *Blobs) Put(r io.Reader) (string, int64, error) {
	tmp, err := os.CreateTemp(filepath.Join(b.root, tmpDir), "put-*")
	if err != nil {
		return "", 0, fmt.Errorf("store original: %w", err)
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName) // a no-op once renamed

	h := sha256.New()
	size, err := io.Copy(io.MultiWriter(tmp, h), r)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", 0, fmt.Errorf("store original: %w", err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	dst := b.Path(sum)
	if _, err := os.Stat(dst); err == nil {
		return sum, size, nil // deduplicated
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return "", 0, fmt.Errorf("store original: %w", err)
	}
	if err := os.Rename(tmpName, dst); err != nil {
		return "", 0, fmt.Errorf("store original: %w", err)
	}
	// The rename is durable only once its folder is synced.
	if err := syncDir(filepath.Dir(dst)); err != nil {
		return "", 0, fmt.Errorf("store original: %w", err)
	}
	return sum, size, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	// Some systems (Windows) cannot sync a folder; the data is synced anyway.
	if errors.Is(err, fs.ErrPermission) || errors.Is(err, fs.ErrInvalid) {
		return nil
	}
	return err
}

// Path is where the blob sha would be stored. sha is not checked: use it
// with hashes that Put returned.
func (b *Blobs) Path(sha string) string {
	if len(sha) < 3 {
		return filepath.Join(b.root, sha)
	}
	return filepath.Join(b.root, sha[:2], sha[2:])
}

// checkSHA refuses anything but 64 lowercase hex digits, which also keeps
// paths inside the store.
func checkSHA(sha string) error {
	if len(sha) != 64 || strings.Trim(sha, "0123456789abcdef") != "" {
		return fmt.Errorf("%q is not a SHA-256 in lowercase hex: %w", sha, ErrInvalid)
	}
	return nil
}

// Open opens the blob sha for reading. An unknown sha gives an error
// wrapping ErrNotFound (and fs.ErrNotExist).
func (b *Blobs) Open(sha string) (*os.File, error) {
	if err := checkSHA(sha); err != nil {
		return nil, err
	}
	f, err := os.Open(b.Path(sha))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("original %s: %w (%w)", sha, ErrNotFound, err)
	}
	if err != nil {
		return nil, fmt.Errorf("open original: %w", err)
	}
	return f, nil
}

// Remove deletes the blob sha. An unknown sha gives an error wrapping
// ErrNotFound. Deciding that no document still uses it is the caller's job.
func (b *Blobs) Remove(sha string) error {
	if err := checkSHA(sha); err != nil {
		return err
	}
	err := os.Remove(b.Path(sha))
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("original %s: %w (%w)", sha, ErrNotFound, err)
	}
	if err != nil {
		return fmt.Errorf("remove original: %w", err)
	}
	// Drop the fan-out folder when it is empty; failure just leaves it.
	_ = os.Remove(filepath.Dir(b.Path(sha)))
	return nil
}

// List returns the hashes of all stored blobs, sorted, for garbage
// collection. Files that are not blobs (temp files, strays) are skipped.
func (b *Blobs) List() ([]string, error) {
	var out []string
	fans, err := os.ReadDir(b.root)
	if err != nil {
		return nil, fmt.Errorf("list originals: %w", err)
	}
	for _, fan := range fans {
		if !fan.IsDir() || len(fan.Name()) != 2 {
			continue
		}
		entries, err := os.ReadDir(filepath.Join(b.root, fan.Name()))
		if err != nil {
			return nil, fmt.Errorf("list originals: %w", err)
		}
		for _, e := range entries {
			sha := fan.Name() + e.Name()
			if e.Type().IsRegular() && checkSHA(sha) == nil {
				out = append(out, sha)
			}
		}
	}
	slices.Sort(out)
	return out, nil
}

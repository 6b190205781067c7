package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// LockFile is the name of the lock file in a data folder.
const LockFile = "quire.lock"

// processStart approximates when this process started: package
// initialisation runs before main.
var processStart = time.Now()

// Owner describes the process that holds a data folder, as written in its
// lock file.
type Owner struct {
	PID      int       `json:"pid"`
	Hostname string    `json:"hostname"`
	Command  string    `json:"command"` // short form, e.g. "quire serve"
	Args     []string  `json:"args"`    // the full command line
	Started  time.Time `json:"started"`
	Addr     string    `json:"addr,omitempty"` // where it serves, e.g. "http://127.0.0.1:8080"
}

// LockedError is returned by LockDir when another process holds the data
// folder. It wraps ErrLocked; Owner is zero when the lock file could not be
// read (the owner may be writing it at that moment).
type LockedError struct {
	Dir   string
	Owner Owner
}

func (e *LockedError) Error() string {
	o := e.Owner
	if o.PID == 0 {
		return fmt.Sprintf("data folder %s is in use by another process (owner unknown); stop it and try again", e.Dir)
	}
	cmd := o.Command
	if cmd == "" {
		cmd = "another process"
	}
	where := ""
	if host, _ := os.Hostname(); o.Hostname != "" && o.Hostname != host {
		where = " on " + o.Hostname
	}
	started := ""
	if !o.Started.IsZero() {
		started = ", started " + o.Started.UTC().Format("2006-01-02 15:04:05 UTC")
	}
	msg := fmt.Sprintf("data folder %s is in use by %s (pid %d%s%s)", e.Dir, cmd, o.PID, where, started)
	if o.Addr != "" {
		return msg + "; stop it or use --server " + o.Addr
	}
	return msg + "; stop it and try again"
}

func (e *LockedError) Unwrap() error { return ErrLocked }

// DirLock is an exclusive hold on a data folder, released by Close or by
// the process's death (the operating system drops the lock), so a lock
// file left by a crashed process is simply taken over.
type DirLock struct {
	dir string
	f   *os.File

	mu    sync.Mutex
	owner Owner
}

// LockDir creates dir if missing and takes the exclusive, non-blocking lock
// on dir/quire.lock, recording this process as the owner. If another process
// holds it, the error is a *LockedError (wrapping ErrLocked) naming it.
func LockDir(dir string) (*DirLock, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create data folder: %w", err)
	}
	path := filepath.Join(dir, LockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	locked, err := tryLock(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock data folder %s: %w", dir, err)
	}
	if !locked {
		f.Close()
		return nil, &LockedError{Dir: dir, Owner: readOwner(path)}
	}
	l := &DirLock{dir: dir, f: f, owner: currentOwner()}
	if err := l.write(); err != nil {
		l.Close()
		return nil, err
	}
	return l, nil
}

func currentOwner() Owner {
	host, _ := os.Hostname()
	cmd := filepath.Base(os.Args[0])
	if len(os.Args) > 1 && !strings.HasPrefix(os.Args[1], "-") {
		cmd += " " + os.Args[1]
	}
	return Owner{
		PID:      os.Getpid(),
		Hostname: host,
		Command:  cmd,
		Args:     os.Args,
		Started:  processStart.UTC().Truncate(time.Second),
	}
}

// readOwner reads a lock file; a missing, empty or half-written file gives
// the zero Owner.
func readOwner(path string) Owner {
	var o Owner
	b, err := os.ReadFile(path)
	if err != nil || json.Unmarshal(b, &o) != nil {
		return Owner{}
	}
	return o
}

// SetAddr records where this process serves, so that a second process can
// suggest --server addr.
func (l *DirLock) SetAddr(addr string) error {
	l.mu.Lock()
	l.owner.Addr = addr
	l.mu.Unlock()
	return l.write()
}

// Owner is what this lock records about its process.
func (l *DirLock) Owner() Owner {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.owner
}

// Dir is the locked data folder.
func (l *DirLock) Dir() string { return l.dir }

func (l *DirLock) write() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return errors.New("data folder lock is closed")
	}
	b, err := json.MarshalIndent(l.owner, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if err := l.f.Truncate(0); err != nil {
		return fmt.Errorf("write lock file: %w", err)
	}
	if _, err := l.f.WriteAt(b, 0); err != nil {
		return fmt.Errorf("write lock file: %w", err)
	}
	return nil
}

// Close empties the lock file and releases the lock. The file itself stays:
// removing it would let a third process lock a new file while a second
// still waits on the old one.
func (l *DirLock) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	terr := l.f.Truncate(0)
	uerr := unlock(l.f)
	cerr := l.f.Close()
	l.f = nil
	if err := errors.Join(terr, uerr, cerr); err != nil {
		return fmt.Errorf("release data folder %s: %w", l.dir, err)
	}
	return nil
}

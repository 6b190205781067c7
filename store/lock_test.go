package store

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// envLockChild makes the test binary a lock holder: it locks the folder,
// records an address, prints "ready" and holds on until stdin closes.
const envLockChild = "QUIRE_STORE_LOCK_CHILD"

func TestMain(m *testing.M) {
	if dir := os.Getenv(envLockChild); dir != "" {
		os.Exit(lockChild(dir))
	}
	os.Exit(m.Run())
}

func lockChild(dir string) int {
	l, err := LockDir(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer l.Close()
	if err := l.SetAddr("http://127.0.0.1:8080"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println("ready")
	_, _ = io.Copy(io.Discard, os.Stdin)
	return 0
}

type lockHolder struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
}

func startLockHolder(t *testing.T, dir string) *lockHolder {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envLockChild+"="+dir)
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err, "lock holder did not start")
	require.Equal(t, "ready\n", line)
	return &lockHolder{cmd: cmd, stdin: stdin}
}

func TestLockDirOtherProcess(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	h := startLockHolder(t, dir)

	_, err := LockDir(dir)
	require.ErrorIs(t, err, ErrLocked)
	var le *LockedError
	require.True(t, errors.As(err, &le))
	require.Equal(t, h.cmd.Process.Pid, le.Owner.PID)
	require.Equal(t, "http://127.0.0.1:8080", le.Owner.Addr)
	require.NotEmpty(t, le.Owner.Args)
	require.False(t, le.Owner.Started.IsZero())
	host, _ := os.Hostname()
	require.Equal(t, host, le.Owner.Hostname)

	msg := err.Error()
	require.Contains(t, msg, "data folder "+dir+" is in use by "+filepath.Base(os.Args[0]))
	require.Contains(t, msg, "(pid "+strconv.Itoa(h.cmd.Process.Pid)+", started ")
	require.Contains(t, msg, "; stop it or use --server http://127.0.0.1:8080")

	// Once the holder exits cleanly, the folder is free.
	require.NoError(t, h.stdin.Close())
	require.NoError(t, h.cmd.Wait())
	l, err := LockDir(dir)
	require.NoError(t, err)
	require.Equal(t, os.Getpid(), l.Owner().PID)
	require.NoError(t, l.Close())
}

// TestLockDirStale: a holder killed with SIGKILL leaves its record behind,
// but not its lock; the next LockDir takes over and rewrites the record.
func TestLockDirStale(t *testing.T) {
	dir := t.TempDir()
	h := startLockHolder(t, dir)
	require.NoError(t, h.cmd.Process.Kill())
	require.Error(t, h.cmd.Wait())
	require.Equal(t, h.cmd.Process.Pid, readOwner(filepath.Join(dir, LockFile)).PID, "the dead holder's record is still there")

	l, err := LockDir(dir)
	require.NoError(t, err)
	defer l.Close()
	o := readOwner(filepath.Join(dir, LockFile))
	require.Equal(t, os.Getpid(), o.PID)
	require.Empty(t, o.Addr, "nothing of the old record remains")
}

func TestLockDirSameProcess(t *testing.T) {
	dir := t.TempDir()
	l, err := LockDir(dir)
	require.NoError(t, err)

	// A second lock, even from this process, is refused.
	_, err = LockDir(dir)
	require.ErrorIs(t, err, ErrLocked)
	require.NotContains(t, err.Error(), "--server", "no address was set")
	require.Contains(t, err.Error(), "stop it and try again")

	require.NoError(t, l.SetAddr("http://127.0.0.1:9999"))
	_, err = LockDir(dir)
	require.ErrorContains(t, err, "--server http://127.0.0.1:9999")

	require.NoError(t, l.Close())
	require.NoError(t, l.Close(), "Close twice is fine")
	require.Error(t, l.SetAddr("x"), "a closed lock cannot be updated")
	b, err := os.ReadFile(filepath.Join(dir, LockFile))
	require.NoError(t, err)
	require.Empty(t, b, "Close empties the record")

	l2, err := LockDir(dir)
	require.NoError(t, err)
	require.NoError(t, l2.Close())
}

func TestLockDirCreatesFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b", "data")
	l, err := LockDir(dir)
	require.NoError(t, err)
	defer l.Close()
	require.Equal(t, dir, l.Dir())
	st, err := os.Stat(filepath.Join(dir, LockFile))
	require.NoError(t, err)
	require.True(t, st.Mode().IsRegular())
}

func TestLockDirBadPath(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(file, []byte("x"), 0o600))
	_, err := LockDir(file)
	require.ErrorContains(t, err, "create data folder")
	require.NotErrorIs(t, err, ErrLocked)
}

func TestLockedErrorMessage(t *testing.T) {
	host, _ := os.Hostname()
	tests := []struct {
		name string
		err  LockedError
		want string
	}{
		{"unknown owner", LockedError{Dir: "./data"},
			"data folder ./data is in use by another process (owner unknown); stop it and try again"},
		{"serve with address", LockedError{Dir: "./data", Owner: Owner{PID: 1234, Hostname: host, Command: "quire serve",
			Started: mustTime("2026-11-26T19:49:19Z"), Addr: "http://127.0.0.1:8080"}},
			"data folder ./data is in use by quire serve (pid 1234, started 2026-11-26 19:49:19 UTC); stop it or use --server http://127.0.0.1:8080"},
		{"other host", LockedError{Dir: "/srv/q", Owner: Owner{PID: 7, Hostname: "elsewhere-" + host, Command: "quire ingest"}},
			"data folder /srv/q is in use by quire ingest (pid 7 on elsewhere-" + host + "); stop it and try again"},
	}
	for _, tc := range tests {
		require.Equal(t, tc.want, tc.err.Error(), tc.name)
		require.ErrorIs(t, &tc.err, ErrLocked, tc.name)
	}
}

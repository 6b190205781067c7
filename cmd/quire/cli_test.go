package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/quirehq/quire/llm/synth"
)

var quireBin string

// TestMain builds the real binary once; the tests run it as a user would.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "quire-cli")
	if err != nil {
		panic(err)
	}
	quireBin = filepath.Join(dir, "quire")
	out, err := exec.Command("go", "build", "-o", quireBin, ".").CombinedOutput()
	if err != nil {
		os.Stderr.Write(out)
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type run struct {
	stdout, stderr string
	code           int
}

func quire(t *testing.T, dataDir string, args ...string) run {
	t.Helper()
	cmd := exec.Command(quireBin, args...)
	cmd.Env = append(os.Environ(), "QUIRE_DATA_DIR="+dataDir)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return run{out.String(), errb.String(), code}
}

// cliNotes has two sections, each long enough to be its own chunk.
var cliNotes = "# Operations\n\n## Backups\n\n" +
	"Backups run every night at two o'clock and keep fourteen snapshots on the NAS. " +
	strings.Repeat("The backup window is quiet and the storage team watches the disks closely. ", 25) +
	"\n\n## Certificates\n\n" +
	"TLS certificates are renewed by the acme job thirty days before they expire. " +
	strings.Repeat("Renewal mail goes to the operations list and the web team checks the chain. ", 25) + "\n"

func writeTree(t *testing.T, files map[string]string) string {
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	}
	return dir
}

func TestIngestExitCodes(t *testing.T) {
	data := t.TempDir()
	good := writeTree(t, map[string]string{"ops/notes.md": cliNotes, "readme.txt": "A plain text file about nothing in particular, long enough to index."})
	r := quire(t, data, "ingest", "--quiet", good)
	require.Equal(t, 0, r.code, r.stdout+r.stderr)
	require.Contains(t, r.stdout, "ok    ops/notes.md")
	require.Contains(t, r.stdout, "2 files: 2 ingested or unchanged, 0 failed")

	r = quire(t, data, "ingest", "--quiet", good)
	require.Equal(t, 0, r.code)
	require.Contains(t, r.stdout, "same  ops/notes.md (unchanged)")

	mixed := writeTree(t, map[string]string{"fine.md": cliNotes, "empty.md": "", "fake.pdf": "%PDF-1.5\ngarbage"})
	r = quire(t, data, "ingest", "--quiet", mixed)
	require.Equal(t, 1, r.code, "some files failed")
	require.Contains(t, r.stdout, "FAIL  empty.md")
	require.Contains(t, r.stdout, "FAIL  fake.pdf")
	require.Contains(t, r.stdout, "ok    fine.md")

	r = quire(t, data, "ingest")
	require.Equal(t, 2, r.code, "no paths is a usage error")
	r = quire(t, data, "ingest", "--no-such-flag", good)
	require.Equal(t, 2, r.code)
}

func TestSearchJSONShape(t *testing.T) {
	data := t.TempDir()
	src := writeTree(t, map[string]string{"ops/notes.md": cliNotes})
	require.Equal(t, 0, quire(t, data, "ingest", "--quiet", src).code)

	r := quire(t, data, "search", "--k", "2", "--json", "how many snapshots do backups keep")
	require.Equal(t, 0, r.code, r.stderr)
	var raw struct {
		Results []map[string]json.RawMessage `json:"results"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &raw))
	require.NotEmpty(t, raw.Results)
	top := raw.Results[0]
	keys := []string{}
	for k := range top {
		keys = append(keys, k)
	}
	require.ElementsMatch(t, []string{"doc_id", "doc_name", "path", "page", "page_end", "section", "chunk_id", "text", "score"}, keys)
	require.JSONEq(t, `"notes.md"`, string(top["doc_name"]))
	require.JSONEq(t, `"ops/notes.md"`, string(top["path"]))
	require.JSONEq(t, `null`, string(top["page"]))
	require.JSONEq(t, `"Operations > Backups"`, string(top["section"]))

	r = quire(t, data, "search", "--k", "0", "x")
	require.Equal(t, 2, r.code)
	r = quire(t, data, "search")
	require.Equal(t, 2, r.code)
}

func TestAskDocsReindex(t *testing.T) {
	data := t.TempDir()
	src := writeTree(t, map[string]string{"ops/notes.md": cliNotes})
	require.Equal(t, 0, quire(t, data, "ingest", "--quiet", src).code)

	r := quire(t, data, "ask", "When are TLS certificates renewed?")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "thirty days before they expire")
	require.Contains(t, r.stdout, "[1] ops/notes.md > Operations > Certificates")

	r = quire(t, data, "docs", "list", "--json")
	require.Equal(t, 0, r.code, r.stderr)
	var list struct {
		Documents []struct{ ID, Name, Status string }
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &list))
	require.Len(t, list.Documents, 1)
	require.Equal(t, "ready", list.Documents[0].Status)

	r = quire(t, data, "reindex")
	require.Equal(t, 0, r.code, r.stderr)

	r = quire(t, data, "docs", "rm", "no-such-id")
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stderr, "no document with id")
	r = quire(t, data, "docs", "rm", list.Documents[0].ID)
	require.Equal(t, 0, r.code, r.stderr)
	r = quire(t, data, "docs", "list")
	require.Contains(t, r.stdout, "no documents")

	r = quire(t, data, "ask", "When are TLS certificates renewed?")
	require.Equal(t, 0, r.code)
	require.Contains(t, r.stdout, "could not find")
}

func TestUnknownCommandIsUsageError(t *testing.T) {
	r := quire(t, t.TempDir(), "frobnicate")
	require.Equal(t, 2, r.code)
	require.Contains(t, r.stderr, "unknown command")
	r = quire(t, t.TempDir(), "help")
	require.Equal(t, 0, r.code)
	require.True(t, strings.Contains(r.stderr, "ingest") && strings.Contains(r.stderr, "serve"))
}

func TestAskWithModelEndToEnd(t *testing.T) {
	data := t.TempDir()
	src := writeTree(t, map[string]string{"ops/notes.md": cliNotes})
	require.Equal(t, 0, quire(t, data, "ingest", "--quiet", src).code)
	model := filepath.Join(t.TempDir(), "scripted.gguf")
	const script = "TLS certificates are renewed thirty days before they expire [1]."
	require.NoError(t, synth.WriteScripted(model, synth.Config{Name: "tiny", Dim: 64, Layers: 1, Heads: 2, KVHeads: 1, FFN: 128, CtxLen: 4096, Seed: 9}, script))

	r := quire(t, data, "ask", "--model", model, "When are TLS certificates renewed?")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, script)
	require.Contains(t, r.stdout, "[1] ops/notes.md > Operations > Certificates")
	require.Contains(t, r.stdout, "tiny-scripted: first token after")

	r = quire(t, data, "ask", "--model", model, "--json", "When are TLS certificates renewed?")
	require.Equal(t, 0, r.code, r.stderr)
	var ans struct {
		Answer, Provenance string
		Sources            []json.RawMessage
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &ans))
	require.Equal(t, "generated", ans.Provenance)
	require.NotEmpty(t, ans.Sources)

	// a missing model file is a clear error
	r = quire(t, data, "ask", "--model", filepath.Join(t.TempDir(), "nope.gguf"), "anything")
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stderr, "--model")
}

// startServer runs `quire serve` on a free port and returns its URL.
func startServer(t *testing.T, dataDir string) string {
	t.Helper()
	cmd := exec.Command(quireBin, "serve", "--addr", "127.0.0.1:0", "--data-dir", dataDir)
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	})
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if _, rest, ok := strings.Cut(sc.Text(), "Quire is serving "); ok {
			go io.Copy(io.Discard, stderr)
			return strings.Fields(rest)[0]
		}
	}
	t.Fatal("quire serve did not start")
	return ""
}

func TestCLIThroughARunningServer(t *testing.T) {
	data := t.TempDir()
	url := startServer(t, data)

	// the data folder is owned: a local command says by whom and what to do
	r := quire(t, data, "docs", "list")
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stderr, "in use by")
	require.Contains(t, r.stderr, "--server "+url)

	src := writeTree(t, map[string]string{"ops/notes.md": cliNotes, "bad.md": ""})
	r = quire(t, data, "ingest", "--quiet", "--server", url, src)
	require.Equal(t, 1, r.code, r.stdout+r.stderr)
	require.Contains(t, r.stdout, "ok    ops/notes.md")
	require.Contains(t, r.stdout, "FAIL  bad.md")

	r = quire(t, data, "search", "--server", url, "--json", "how many snapshots do backups keep")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, `"path": "ops/notes.md"`, "the relative name survives the upload")

	r = quire(t, data, "ask", "--server", url, "When are TLS certificates renewed?")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "thirty days before they expire")
	require.Contains(t, r.stdout, "[1] ops/notes.md")

	r = quire(t, data, "docs", "list", "--server", url, "--json")
	require.Equal(t, 0, r.code, r.stderr)
	var list struct{ Documents []struct{ ID, Name string } }
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &list))
	names := []string{}
	for _, d := range list.Documents {
		names = append(names, d.Name)
	}
	require.Contains(t, names, "ops/notes.md")
	r = quire(t, data, "docs", "rm", "--server", url, "no-such-id")
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stderr, "no document with id")
}

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestExtractCommand(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, data, 0o644))
		return p
	}
	md := write("notes.md", []byte("---\ntitle: Notes\n---\n# A\n\nIntro.\n\n## B\n\nBody text.\n"))
	txt := write("plain.txt", []byte("Just text.\n\nTwo paragraphs."))
	png := write("photo.md", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00"))
	empty := write("empty.txt", nil)

	t.Run("markdown", func(t *testing.T) {
		r := quire(t, dir, "extract", md)
		require.Equal(t, 0, r.code, r.stderr)
		var got struct {
			Type     string `json:"type"`
			Title    string `json:"title"`
			Sections []struct {
				HeadingPath []string `json:"heading_path"`
				Text        string   `json:"text"`
			} `json:"sections"`
		}
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &got))
		require.Equal(t, "markdown", got.Type)
		require.Equal(t, "Notes", got.Title)
		require.Len(t, got.Sections, 2)
		require.Equal(t, []string{"A", "B"}, got.Sections[1].HeadingPath)
		require.Equal(t, "Body text.", got.Sections[1].Text)
	})
	t.Run("text", func(t *testing.T) {
		r := quire(t, dir, "extract", txt)
		require.Equal(t, 0, r.code, r.stderr)
		require.JSONEq(t, `{"type":"text","sections":[{"heading_path":[],"text":"Just text.\n\nTwo paragraphs."}]}`, r.stdout)
	})
	t.Run("chunks", func(t *testing.T) {
		r := quire(t, dir, "extract", "-chunks", md)
		require.Equal(t, 0, r.code, r.stderr)
		var chunks []struct {
			Text        string   `json:"text"`
			HeadingPath []string `json:"heading_path"`
		}
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &chunks))
		require.NotEmpty(t, chunks)
		require.Equal(t, []string{"A"}, chunks[0].HeadingPath)
	})
	t.Run("image named .md", func(t *testing.T) {
		r := quire(t, dir, "extract", png)
		require.Equal(t, 1, r.code)
		require.Contains(t, r.stderr, "looks like a PNG image, not a PDF, Markdown or text file")
		require.Empty(t, r.stdout)
	})
	t.Run("empty", func(t *testing.T) {
		r := quire(t, dir, "extract", empty)
		require.Equal(t, 1, r.code)
		require.Contains(t, r.stderr, "empty file")
	})
	t.Run("missing", func(t *testing.T) {
		r := quire(t, dir, "extract", filepath.Join(dir, "nope.pdf"))
		require.Equal(t, 1, r.code)
		require.Contains(t, r.stderr, "no such file")
	})
	t.Run("usage", func(t *testing.T) {
		require.Equal(t, 2, quire(t, dir, "extract").code)
		require.Equal(t, 2, quire(t, dir, "extract", "a", "b").code)
		require.Equal(t, 2, quire(t, dir, "extract", "-bogus", md).code)
	})
}

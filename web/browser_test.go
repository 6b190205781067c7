package web

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// chromiumPath finds Debian's chromium; the test fails (never skips) without
// it, since `make test` installs it.
func chromiumPath(t *testing.T) string {
	for _, p := range []string{os.Getenv("QUIRE_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	t.Fatal("chromium is not installed: run `make test-deps` (apt-get install chromium)")
	return ""
}

// TestBrowserUploadAskAndOpenCitation drives the real UI in headless
// Chromium: upload a PDF and a Markdown file, wait until both are ready,
// ask, watch the streamed answer, and open a citation.
func TestBrowserUploadAskAndOpenCitation(t *testing.T) {
	e := newEnv(t, Config{})
	dir := t.TempDir()
	pdfPath := filepath.Join(dir, "manual.pdf")
	mdPath := filepath.Join(dir, "guide.md")
	require.NoError(t, os.WriteFile(pdfPath, makePDF(manualPage1, manualPage2), 0o644))
	require.NoError(t, os.WriteFile(mdPath, []byte(guideMD), 0o644))

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.NoSandbox, // CI runs as root
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(allocCtx)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	defer cancelTimeout()

	poll := func(expr string, timeout time.Duration) {
		t.Helper()
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(timeout)))
		require.NoError(t, err, "waiting for %s", expr)
	}
	text := func(sel chromedp.CSS) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(sel))
		require.NoError(t, err)
		return s
	}
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(e.ts.URL+"/"),
		chromedp.WaitVisible(chromedp.ID("drop")),
		chromedp.WaitVisible(chromedp.ID("docs-empty")), // the empty state
		chromedp.SetUploadFiles(chromedp.ID("file"), []string{pdfPath, mdPath}),
	))
	poll(`document.querySelectorAll('.uploads li.ready').length === 2`, 30*time.Second)
	poll(`document.querySelectorAll('.docs li[data-status="ready"]').length === 2`, 30*time.Second)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("question"), "How many snapshots does the backup daemon keep?"),
		chromedp.Click(chromedp.ID("ask-btn")),
	))
	poll(`document.querySelector('.turn:last-child .answer-meta').textContent.includes('Quoted')`, 20*time.Second)
	answer := text(".turn:last-child .answer-text")
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(".turn:last-child .answer-text .cite"))))
	poll(`!document.getElementById('panel').hidden && document.querySelector('#panel-body mark') !== null`, 10*time.Second)
	mark := text("#panel-body mark")
	panelTitle := text("#panel-title")
	attr, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.ID("panel-open"), "href"))
	require.NoError(t, err)
	href := attr.Value
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err)

	// a follow-up stays in the conversation; the conversation can be reopened
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("question"), "And which port does the proxy listen on?"),
		chromedp.Click(chromedp.ID("ask-btn")),
	))
	poll(`document.querySelectorAll('.turn').length === 2 && document.querySelector('.turn:last-child .answer-meta').textContent !== ''`, 20*time.Second)
	require.Contains(t, text(".turn:last-child .answer-text"), "3128")
	poll(`document.querySelectorAll('.convs li').length === 1`, 10*time.Second)
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.ID("new-conv"))))
	poll(`document.querySelectorAll('.turn').length === 0`, 5*time.Second)
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(".convs .open-conv"))))
	poll(`document.querySelectorAll('.turn').length === 2`, 10*time.Second)
	require.Contains(t, text("#thread-title"), "How many snapshots")
	require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(390, 844)))
	narrow, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err)

	require.Contains(t, answer, "fourteen snapshots")
	require.Contains(t, answer, "[1]")
	require.Contains(t, mark, "fourteen snapshots", "the cited sentence is highlighted in the source")
	require.Contains(t, panelTitle, "manual.pdf")
	require.True(t, strings.HasSuffix(href, "/file#page=1"), href)

	out := os.Getenv("QUIRE_SCREENSHOT_DIR")
	if out == "" {
		out = os.TempDir()
	}
	wide := filepath.Join(out, "quire-ui.png")
	small := filepath.Join(out, "quire-ui-narrow.png")
	require.NoError(t, os.WriteFile(wide, shot, 0o644))
	require.NoError(t, os.WriteFile(small, narrow, 0o644))
	fmt.Printf("screenshots of the main page: %s and %s\n", wide, small)
	t.Logf("screenshots: %s, %s", wide, small)
}

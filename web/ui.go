package web

import (
	"embed"
	"io/fs"
	"net/http"

	"github.com/labstack/echo/v4"
)

// The UI is plain HTML, CSS and JavaScript embedded in the binary: nothing
// to build with Node at run time.
//
//go:embed ui
var uiFiles embed.FS

func registerUI(e *echo.Echo) {
	static, _ := fs.Sub(uiFiles, "ui")
	index, _ := fs.ReadFile(static, "index.html")
	e.GET("/", func(c echo.Context) error {
		c.Response().Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-src 'self'; object-src 'none'; base-uri 'none'")
		return c.HTMLBlob(http.StatusOK, index)
	})
	e.GET("/static/*", echo.WrapHandler(http.StripPrefix("/static/", http.FileServer(http.FS(static)))))
}

package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"time"

	"github.com/polex-org/polex/internal/errs"
)

//go:embed static
var staticFS embed.FS

// asset is one embedded file, served with a strong ETag.
type asset struct {
	body  []byte
	etag  string
	ctype string
}

// assets are the embedded static files, by name.
type assets struct {
	byName map[string]asset
}

// loadAssets reads the embedded static files.
func loadAssets() (*assets, error) {
	a := &assets{byName: map[string]asset{}}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		ct := mime.TypeByExtension(path.Ext(p))
		if ct == "" {
			return fmt.Errorf("no media type for %s", p)
		}
		a.byName[path.Base(p)] = asset{body: b, etag: hex.EncodeToString(sum[:8]), ctype: ct}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("web: static files: %w", err)
	}
	return a, nil
}

// url returns the URL of the asset named name, versioned by its content so
// that browsers may cache it for long.
func (a *assets) url(name string) (string, error) {
	f, ok := a.byName[name]
	if !ok {
		return "", fmt.Errorf("web: no static file %q", name)
	}
	return "/static/" + name + "?v=" + f.etag, nil
}

// asset serves an embedded static file.
func (s *Server) asset(w http.ResponseWriter, r *http.Request, _ *request) error {
	return s.serveAsset(w, r, r.PathValue("name"))
}

// favicon serves the icon at the path browsers ask for by themselves.
func (s *Server) favicon(w http.ResponseWriter, r *http.Request, _ *request) error {
	return s.serveAsset(w, r, "favicon.svg")
}

func (s *Server) serveAsset(w http.ResponseWriter, r *http.Request, name string) error {
	f, ok := s.static.byName[name]
	if !ok {
		return errs.E("web.asset", errs.NotFound)
	}
	h := w.Header()
	h.Set("Content-Type", f.ctype)
	h.Set("ETag", `"`+f.etag+`"`)
	if r.URL.Query().Get("v") == f.etag {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(f.body))
	return nil
}

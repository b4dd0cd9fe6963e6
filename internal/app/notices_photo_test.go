package app_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// pngOf returns a w×h PNG image.
func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		for y := range h {
			img.Set(x, y, color.RGBA{R: uint8(x * 7), G: uint8(y * 5), B: 90, A: 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// upload posts a multipart form to path: the CSRF token first (unless
// csrf is false), then the file "photo" holding data (none when data is
// nil).
func (u webUser) upload(path string, data []byte, csrf bool) (int, string) {
	u.t.Helper()
	_, page := u.get("/login")
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if m := csrfRE.FindStringSubmatch(page); m != nil && csrf {
		mw.WriteField("csrf", m[1])
	}
	if data != nil {
		fw, _ := mw.CreateFormFile("photo", "face.png")
		fw.Write(data)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", u.base+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", u.base)
	resp, err := u.c.Do(req)
	if err != nil {
		u.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

var noticeIDRE = regexp.MustCompile(`id="notice-id">(ntc_[^<]+)<`)

// TestNoticePhotoPages checks that a notice's page is one audited read,
// then uploads photos through its form: the owner adds a PNG to its draft and reads it back; a GIF, a tiny PNG, a
// damaged PNG and an empty upload are refused with a precise message in
// the reader's language, leaving the notice as it was; a form without its
// CSRF token is refused; another country gets "not found".
func TestNoticePhotoPages(t *testing.T) {
	a, srv := demoServer(t)
	fr, ke := signIn(t, srv.URL, "fr.officer"), signIn(t, srv.URL, "ke.officer")

	st, page := fr.post("/notices", url.Values{"type": {"red"}, "offence": {"Fraud"}, "legal_basis": {"Code pénal 313-1"},
		"warrant_ref": {"MA-2026-88"}, "judicial_authority": {"Tribunal de Lyon"}, "penalty": {"5 ans"}, "name_full": {"Jean Photo"},
		"classification": {"0"}})
	m := noticeIDRE.FindStringSubmatch(page)
	if st != 200 || m == nil {
		t.Fatalf("create: %d", st)
	}
	id := m[1]
	if !strings.Contains(page, `id="photo-form"`) || !strings.Contains(page, `enctype="multipart/form-data"`) {
		t.Fatal("the owner's draft has no photo form")
	}
	if _, page := ke.get("/notices/" + id); strings.Contains(page, `id="photo-form"`) {
		t.Fatal("another country sees the photo form")
	}
	photos := func() int {
		var body string
		if err := a.DB.SQL.QueryRow(`SELECT body FROM notices WHERE id = $1`, id).Scan(&body); err != nil {
			t.Fatal(err)
		}
		return strings.Count(body, `"sha256"`)
	}

	// The page is one audited read, findings and versions included. The
	// log's Size first moves the entries in its journal into the table.
	audited := func() (n int) {
		if _, err := a.Audit.Size(context.Background()); err != nil {
			t.Fatal(err)
		}
		a.DB.SQL.QueryRow(`SELECT count(*) FROM audit_entries WHERE target = $1`, "notice:"+id).Scan(&n)
		return n
	}
	before := audited()
	if st, _ := fr.get("/notices/" + id); st != 200 {
		t.Fatalf("notice page: %d", st)
	}
	var action string
	a.DB.SQL.QueryRow(`SELECT action FROM audit_entries WHERE target = $1 ORDER BY seq DESC LIMIT 1`, "notice:"+id).Scan(&action)
	if n := audited() - before; n != 1 || action != "notice.read" {
		t.Fatalf("a page view wrote %d audit entries (last %q), want one notice.read", n, action)
	}

	good := pngOf(t, 32, 40)
	sum := sha256.Sum256(good)
	sha := hex.EncodeToString(sum[:])
	if st, page := fr.upload("/notices/"+id+"/photos", good, true); st != 200 || !strings.Contains(page, "/notices/"+id+"/photos/"+sha) {
		t.Fatalf("upload: %d", st)
	}
	resp, err := fr.c.Get(srv.URL + "/notices/" + id + "/photos/" + sha)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" || !bytes.Equal(got, good) {
		t.Fatalf("photo read back: %d %s, same bytes %v", resp.StatusCode, resp.Header.Get("Content-Type"), bytes.Equal(got, good))
	}
	if n := photos(); n != 1 {
		t.Fatalf("%d photos stored, want 1", n)
	}

	// A PNG signature over a header that does not parse.
	damaged := append([]byte("\x89PNG\r\n\x1a\n"), good[20:60]...)
	cases := []struct {
		name string
		data []byte
		lang string
		want string
	}{
		{"gif", []byte("GIF89a\x10\x00\x10\x00......"), "fr", "Une photographie doit être une image JPEG ou PNG."},
		{"gif", []byte("GIF89a\x10\x00\x10\x00......"), "en", "A photograph must be a JPEG or PNG image."},
		{"tiny", pngOf(t, 4, 4), "es", "Una fotografía mide de 16 a 8000 píxeles por lado."},
		{"tiny", pngOf(t, 4, 4), "ar", "يتراوح كل ضلع من الصورة بين 16 و8000 بكسل."},
		{"damaged", damaged, "en", "The file is damaged: it does not read as a JPEG or PNG image."},
		{"empty", []byte{}, "fr", "Choisissez une photographie à envoyer."},
		{"no file part", nil, "en", "Choose a photograph to upload."},
		{"too big", append(pngOf(t, 16, 16), make([]byte, 5<<20)...), "en", "A photograph is at most 5 MB."},
	}
	u, _ := url.Parse(srv.URL)
	for _, c := range cases {
		fr.c.Jar.SetCookies(u, []*http.Cookie{{Name: "polex_lang", Value: c.lang, Path: "/"}})
		st, page := fr.upload("/notices/"+id+"/photos", c.data, true)
		if st != 400 || !strings.Contains(page, `id="photo-error"`) || !strings.Contains(page, c.want) || !strings.Contains(page, `aria-invalid="true"`) {
			t.Errorf("%s (%s): %d, message shown: %v", c.name, c.lang, st, strings.Contains(page, c.want))
		}
	}
	fr.c.Jar.SetCookies(u, []*http.Cookie{{Name: "polex_lang", Value: "fr", Path: "/"}})
	if st, _ := fr.upload("/notices/"+id+"/photos", good, false); st != 403 {
		t.Fatalf("upload without CSRF token: %d", st)
	}
	_, missing := ke.get("/notices/ntc_doesnotexist")
	if st, page := ke.upload("/notices/"+id+"/photos", pngOf(t, 20, 20), true); st != 404 || page != missing {
		t.Fatalf("KE uploads to FR's draft: %d (same page as a missing notice: %v)", st, page == missing)
	}
	if n := photos(); n != 1 {
		t.Fatalf("%d photos stored after the refusals, want 1", n)
	}
	// On a published notice the photo joins an update that awaits review;
	// the published version stays as it was.
	var published string
	a.DB.SQL.QueryRow(`SELECT id FROM notices WHERE ref = 'FR-DEMO-RED-1'`).Scan(&published)
	if st, page := fr.get("/notices/" + published); st != 200 || !strings.Contains(page, `id="photo-form"`) {
		t.Fatalf("published notice page: %d, no photo form", st)
	}
	st, page = fr.upload("/notices/"+published+"/photos", good, true)
	if st != 200 || !strings.Contains(page, `id="pending-photos"`) || strings.Contains(page, `id="photo-form"`) {
		t.Fatalf("photo of a published notice: %d", st)
	}
	if _, page := ke.get("/notices/" + published); strings.Contains(page, sha) {
		t.Fatal("another country sees the photo before review")
	}
	// A notice type without a person has no photo form.
	var purple string
	a.DB.SQL.QueryRow(`SELECT id FROM notices WHERE ref = 'FR-DEMO-PUR-1'`).Scan(&purple)
	if st, page := fr.get("/notices/" + purple); st != 200 || strings.Contains(page, `id="photo-form"`) {
		t.Fatalf("purple notice page: %d, photo form shown", st)
	}
	if st, page := fr.upload("/notices/"+purple+"/photos", good, true); st != 400 || !strings.Contains(page, "Ce type de notice ne décrit aucune personne") {
		t.Fatalf("photo of a purple notice: %d", st)
	}
}

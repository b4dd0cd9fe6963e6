package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/polex-org/polex/internal/cli"
	"github.com/polex-org/polex/internal/identity"
)

// TestMirrorEndToEnd: a serving Polex; a Kenyan border post's mirror is
// exported with the CLI on the server, checked with no network, and its
// queued hit uploaded to the server, which tells France, whose officer
// confirms it; the post's system then sees the hit confirmed.
func TestMirrorEndToEnd(t *testing.T) {
	eachServed(t, func(t *testing.T, s *served) {
		_, frTok, _ := rsUser(t, s.App, "fr.off", "ncb-fr", identity.Officer, "read", "write", "check")
		_, keTok, _ := rsUser(t, s.App, "ke.border", "ncb-ke", identity.BorderSystem, "read", "check")
		fr, ke := client{t, s.base, frTok}, client{t, s.base, keTok}
		st, m, _ := fr.do("POST", "/api/v1/documents", map[string]any{"ref": "FR-SLTD-77", "data": map[string]any{
			"type": "passport", "number": "21FR77777", "issuing_country": "FR", "status": "stolen"}})
		if st != 201 {
			t.Fatalf("create: %d %v", st, m)
		}
		doc := m["id"].(string)

		stateDir := t.TempDir()
		polex := func(stdin string, args ...string) (int, string, string) {
			t.Helper()
			var out, errb bytes.Buffer
			// The post keeps the newest mirror it checked with here.
			env := map[string]string{"POLEX_MIRROR_STATE": filepath.Join(stateDir, "mirror-state.json")}
			if s.App.Config.DatabaseURL != "" {
				env["POLEX_DATABASE"] = s.App.Config.DatabaseURL
			}
			code := cli.Run(context.Background(), append([]string{"--data", s.App.Config.DataDir}, args...), strings.NewReader(stdin), &out, &errb,
				func(k string) string { return env[k] })
			return code, out.String(), errb.String()
		}
		dir := filepath.Join(t.TempDir(), "namanga")
		if code, out, stderr := polex("", "mirror", "export", "--as", "ke.border", "--out", dir, "--purpose", "mirror for Namanga"); code != 0 {
			t.Fatalf("export = %d %q %q", code, out, stderr)
		}
		code, out, stderr := polex("", "check", "--mirror", dir, "--purpose", "entry control", "document", "FR", "21FR77777")
		var res struct {
			Result string `json:"result"`
			Hits   []struct {
				RecordID string `json:"record_id"`
			} `json:"hits"`
		}
		if code != 0 || json.Unmarshal([]byte(out), &res) != nil || res.Result != "hit" || len(res.Hits) != 1 || res.Hits[0].RecordID != doc {
			t.Fatalf("offline check = %d %q %q", code, out, stderr)
		}
		if code, out, stderr := polex(keTok+"\n", "mirror", "upload", "--server", s.base, "--token", "-", dir); code != 0 || !strings.HasPrefix(out, "1 hits uploaded") {
			t.Fatalf("upload = %d %q %q", code, out, stderr)
		}
		st, m, _ = fr.do("GET", "/api/v1/hits?status=pending", nil)
		hs := m["hits"].([]any)
		if st != 200 || len(hs) != 1 {
			t.Fatalf("France's pending hits: %d %v", st, m)
		}
		h := hs[0].(map[string]any)
		if h["record_id"] != doc || h["offline"] != true || h["searcher_country"] != "KE" || h["purpose"] != "entry control" {
			t.Fatalf("offline hit: %v", h)
		}
		id := h["id"].(string)
		if st, m, _ := fr.do("POST", "/api/v1/hits/"+id+"/confirm", map[string]any{"reason": "reported stolen in Paris"}); st != 200 {
			t.Fatalf("confirm: %d %v", st, m)
		}
		if st, m, _ := ke.do("GET", "/api/v1/hits/"+id, nil); st != 200 || m["status"] != "confirmed" {
			t.Fatalf("the post sees: %d %v", st, m)
		}
		// A second upload sends nothing again.
		if code, out, _ := polex(keTok+"\n", "mirror", "upload", "--server", s.base, "--token", "-", dir); code != 0 || !strings.HasPrefix(out, "0 hits uploaded") {
			t.Fatalf("second upload = %d %q", code, out)
		}
	})
}

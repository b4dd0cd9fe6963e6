package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/screen"
)

// TestLeanAnswersAsHuma writes the same results and problems through huma
// (a test operation) and through the lean handlers' writer: the bytes and
// headers must be identical.
func TestLeanAnswersAsHuma(t *testing.T) {
	a := New(Deps{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Version: "test", MaxBody: 1 << 20})
	deadline := time.Date(2026, 11, 30, 3, 4, 5, 123456789, time.UTC)
	match := screen.Match{Kind: "document", RecordID: "doc_1", Owner: "FR", Ref: "FR-<A>&'B'", Score: 1, Match: true, HitID: "hit_1",
		Status: "pending", Deadline: deadline, Explain: []screen.Reason{{Kind: "name", Weight: 0.333333333333, Query: "Ægir \u2028 <b>"}},
		Summary: json.RawMessage(`{ "number" : "18FR00001", "note": "<script>&amp;</script>", "n": 1.50 }`)}
	values := map[string]any{
		"no-hit": screen.Result{CheckID: "chk_1", Kind: "document", Outcome: "no-hit", Matches: []screen.Match{}},
		"hit":    screen.Result{CheckID: "chk_2", Kind: "document", Outcome: "hit", Matches: []screen.Match{match, {Kind: "document"}}},
		"batch": screen.BatchResult{CheckID: "chk_3", Checked: 3, Hits: []screen.BatchItem{
			{Index: 1, Outcome: "hit", Matches: []screen.Match{match}}, {Index: 2, Outcome: "no-hit"}}},
		"invalid":  a.fail(context.Background(), errs.Invalidf("test", "documents[2].number", "a document number is 1 to 40 letters <A-Z>")),
		"internal": a.fail(context.Background(), errs.E("test", errs.Internal, "boom")),
		"huma":     invalid("body.documents[1].number", "expected string", 5),
	}
	for name, v := range values {
		t.Run(name, func(t *testing.T) {
			path := "/test-lean-" + name
			huma.Register(a.api, huma.Operation{OperationID: "test-" + name, Method: http.MethodGet, Path: path},
				func(context.Context, *struct{}) (*struct{ Body any }, error) {
					if err, ok := v.(error); ok {
						return nil, err
					}
					return &struct{ Body any }{v}, nil
				})
			want := httptest.NewRecorder()
			a.mux.ServeHTTP(want, httptest.NewRequest("GET", Prefix+path, nil))

			got := httptest.NewRecorder()
			a.lean(func(w http.ResponseWriter, r *http.Request) error {
				if err, ok := v.(error); ok {
					return err
				}
				return writeJSON(w, http.StatusOK, "application/json", v)
			}).ServeHTTP(got, httptest.NewRequest("GET", Prefix+path, nil))

			if got.Code != want.Code || !bytes.Equal(got.Body.Bytes(), want.Body.Bytes()) {
				t.Fatalf("lean: %d %q\nhuma: %d %q", got.Code, got.Body, want.Code, want.Body)
			}
			if g, w := got.Header(), want.Header(); len(g) != len(w) || g.Get("Content-Type") != w.Get("Content-Type") {
				t.Fatalf("headers: lean %v, huma %v", g, w)
			}
			if !bytes.HasSuffix(got.Body.Bytes(), []byte("}\n")) || (name == "hit" && !bytes.Contains(got.Body.Bytes(), []byte("<script>&amp;"))) {
				t.Fatalf("huma ends its JSON with a newline and does not escape HTML: %q", got.Body)
			}
		})
	}
}

// TestLeanRequests covers what the engines' test (internal/app) cannot
// reach: the service switched off, the exact body limit, content types.
func TestLeanRequests(t *testing.T) {
	const limit = 2048
	h := New(Deps{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Version: "test", MaxBody: limit}).Handler()
	fill := func(n int) string { // a body of n bytes
		return `{"issuing_country":"` + strings.Repeat("A", n-len(`{"issuing_country":""}`)) + `"}`
	}
	for _, c := range []struct {
		name, path, ctype, body string
		status                  int
		detail                  string
	}{
		{"service off", "", "", `{"purpose":"p","number":"X1"}`, 503, "the clearinghouse is not available"},
		{"batch service off", "/batch", "", `{"purpose":"p","documents":[{"number":"X1"}]}`, 503, "the clearinghouse is not available"},
		{"at the limit", "", "", fill(limit), 503, ""},
		{"over the limit", "", "", fill(limit + 1), 413, "request body is too large limit=2048 bytes"},
		{"charset", "", "application/json; charset=utf-8", `{}`, 503, ""},
		{"+json", "", "application/vnd.polex+json", `{}`, 503, ""},
		{"xml", "", "application/xml", `{}`, 415, "validation failed: unknown content type: application/xml"},
		{"malformed", "", "", `{"number": `, 400, "validation failed: unexpected end of JSON input"},
		{"empty", "/batch", "", ``, 400, "request body is required"},
		{"null number", "", "", `{"number":null}`, 503, ""},
		{"case", "", "", `{"Number":"X1"}`, 503, ""},
		{"multibyte at the limit", "", "", `{"number":"` + strings.Repeat("é", 40) + `"}`, 503, ""},
		{"multibyte over", "", "", `{"number":"` + strings.Repeat("é", 41) + `"}`, 422, "validation failed: expected length <= 40"},
		{"batch wrong type", "/batch", "", `{"documents":[{"number":"A1"},{"mrz":5}]}`, 422, "validation failed: expected string"},
		{"batch too large", "/batch", "", `{"documents":[` + strings.Repeat(`{},`, 10000) + `{}]}`, 413, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", Prefix+"/checks/documents"+c.path, strings.NewReader(c.body))
			if c.ctype != "" {
				r.Header.Set("Content-Type", c.ctype)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			var p Problem
			if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil || w.Code != c.status || p.Status != c.status ||
				w.Header().Get("Content-Type") != "application/problem+json" || (c.detail != "" && p.Detail != c.detail) {
				t.Fatalf("%d %q, want %d %q", w.Code, w.Body, c.status, c.detail)
			}
		})
	}
}

// TestParseAsEncodingJSON checks the hand parser against encoding/json:
// every body it takes decodes to the same value with encoding/json, and
// the plain bodies clients send are taken.
func TestParseAsEncodingJSON(t *testing.T) {
	for _, c := range []struct {
		body  string
		batch bool
		plain bool // parse must take it
	}{
		{`{"purpose":"entry control","location":"Namanga","issuing_country":"FR","number":"18FR00001"}`, false, true},
		{" \t\r\n{ \"purpose\" : \"p\" , \"priority\":\"urgent\",\"mrz\":\"P<UTOERIKSSON<<ANNA<MARIA\" } \n", false, true},
		{`{}`, false, true},
		{`{"number":"A","number":"B"}`, false, true},
		{`{"purpose":"contrôle à Niamey, 国境"}`, false, true},
		{`{"purpose":"p","documents":[{"issuing_country":"FR","number":"1"},{},{"mrz":"M"}]}`, true, true},
		{`{"documents":[],"purpose":"p"}`, true, true},
		{`{"purpose":"a\"b"}`, false, false},
		{`{"purpose":"\u00e9"}`, false, false},
		{`{"Number":"A"}`, false, false},
		{`{"number":null}`, false, false},
		{`{"number":5}`, false, false},
		{`{"number":"A"} x`, false, false},
		{`{"number":"A",}`, false, false},
		{`{"number":"A"`, false, false},
		{"{\"number\":\"\xff\"}", false, false},
		{"{\"number\":\"a\tb\"}", false, false},
		{`{"colour":"red"}`, false, false},
		{`{"documents":[{"number":"A","mrz":"M"}],"documents":[{"number":"B"}]}`, true, false},
		{`{"documents":null}`, true, false},
		{`{"documents":[null]}`, true, false},
		{`{"documents":[{"number":"A"}],"number":"B"}`, true, false},
		{`[]`, false, false},
		{``, false, false},
	} {
		took := checkParse(t, c.body, c.batch)
		if c.plain && !took {
			t.Errorf("parse refused the plain body %q", c.body)
		}
		if !c.plain && took {
			t.Errorf("parse took %q", c.body)
		}
	}
}

// FuzzParse: whatever parse takes, encoding/json decodes to the same value.
func FuzzParse(f *testing.F) {
	f.Add(`{"purpose":"p","issuing_country":"FR","number":"18FR00001"}`, false)
	f.Add(`{"purpose":"p","documents":[{"issuing_country":"FR","number":"1"},{"mrz":"M"}]}`, true)
	f.Fuzz(func(t *testing.T, body string, batch bool) { checkParse(t, body, batch) })
}

// checkParse parses body as a document check or a batch, with parse and
// with encoding/json, and fails if parse took it and the two differ. The
// values start with a batch slice of left-overs, as from the pool.
func checkParse(t *testing.T, body string, batch bool) bool {
	t.Helper()
	leftovers := func() []screen.DocumentQuery {
		return make([]screen.DocumentQuery, 0, 4) // zero, as the pool keeps them
	}
	var got, want any = &documentBody{}, &documentBody{}
	if batch {
		got, want = &batchBody{Documents: leftovers()}, &batchBody{Documents: leftovers()}
	}
	if !parse(body, got) {
		return false
	}
	dec := json.NewDecoder(strings.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(want)
	if err == nil && strings.TrimLeft(body[dec.InputOffset():], " \t\r\n") != "" {
		err = errors.New("data after the value")
	}
	if err != nil {
		t.Fatalf("parse took %q, encoding/json refused it: %v", body, err)
	}
	if b, ok := want.(*batchBody); ok && len(b.Documents) == 0 {
		b.Documents = got.(*batchBody).Documents[:0]
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: parse gave %+v, encoding/json %+v", body, got, want)
	}
	return true
}

package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/danielgtaylor/huma/v2"

	"github.com/polex-org/polex/internal/screen"
)

// The two hottest endpoints, a document check and a batch of them, are
// plain net/http handlers rather than huma operations: huma reads a body,
// unmarshals it into any, validates that against the JSON schema, then
// unmarshals it again into the struct and writes the answer through its
// negotiation and transforms, which costs more than the check itself for a
// batch. Here a body is decoded once, straight into the request struct (by
// a small hand parser for the plain JSON clients send, by encoding/json for
// anything else), and only what the schema enforces and the service does
// not (lengths, the priority's values, the batch's size) is checked by
// hand. Clients see the same answers as from huma: the same JSON bytes, and
// the same problems (status, code, field) for bad requests. The operations
// are still in the OpenAPI document, with the schemas of the same types.

// documentBody and batchBody are the bodies of a document check and of a
// batch. They have no names of their own, so that their schemas keep the
// names huma gave them (DocumentCheckInputBody, BatchCheckInputBody).
type (
	documentBody = struct {
		screen.Context
		screen.DocumentQuery
	}
	batchBody = struct {
		screen.Context
		Documents []screen.DocumentQuery `json:"documents" minItems:"1" maxItems:"10000"`
	}
)

// bodyReadTimeout is how long reading a body may take (huma's default).
const bodyReadTimeout = 5 * time.Second

// registerDocumentChecks serves POST /checks/documents and
// /checks/documents/batch, and describes them in the OpenAPI document.
func (a *API) registerDocumentChecks(tags []string, purposeDoc string) {
	a.describeCheck(huma.Operation{OperationID: "check-document", Path: "/checks/documents", Summary: "Check a travel document",
		Description: "By issuing country and number, or by the raw machine-readable zone (TD1, TD2, TD3; every check digit verified)." + purposeDoc, Tags: tags},
		reflect.TypeFor[documentBody](), "DocumentCheckInputBody", reflect.TypeFor[screen.Result]())
	a.describeCheck(huma.Operation{OperationID: "check-documents-batch", Path: "/checks/documents/batch", Summary: "Check a batch of travel documents",
		Description: "Up to 10,000 documents in one audited check; the answer lists the documents that hit." + purposeDoc, Tags: tags},
		reflect.TypeFor[batchBody](), "BatchCheckInputBody", reflect.TypeFor[screen.BatchResult]())

	bodies := new(sync.Pool) // *bytes.Buffer, reused to read bodies
	// *[]screen.DocumentQuery, all zero, reused by batches: growing the
	// slice while decoding was half of a batch's garbage. CheckDocuments
	// keeps no reference to the slice once it has returned.
	batches := new(sync.Pool)
	a.mux.Handle("POST "+Prefix+"/checks/documents", a.lean(func(w http.ResponseWriter, r *http.Request) error {
		var in documentBody
		if err := a.decode(w, r, bodies, &in); err != nil {
			return err
		}
		if p := validateContext(in.Context); p != nil {
			return p
		}
		if p := validateDocument(in.DocumentQuery, func() string { return "body." }); p != nil {
			return p
		}
		p, err := a.checkCaller(r.Context(), "check")
		if err != nil {
			return err
		}
		res, err := a.d.Screen.CheckDocument(r.Context(), p, in.Context, in.DocumentQuery)
		if err != nil {
			return a.fail(r.Context(), err)
		}
		return writeJSON(w, http.StatusOK, "application/json", res)
	}))
	a.mux.Handle("POST "+Prefix+"/checks/documents/batch", a.lean(func(w http.ResponseWriter, r *http.Request) error {
		var in batchBody
		docs, _ := batches.Get().(*[]screen.DocumentQuery)
		if docs == nil {
			docs = new([]screen.DocumentQuery)
		}
		in.Documents = *docs
		defer func() {
			if cap(in.Documents) <= screen.MaxBatch {
				clear(in.Documents) // encoding/json decodes into the elements as they are
				*docs = in.Documents[:0]
				batches.Put(docs)
			}
		}()
		if err := a.decode(w, r, bodies, &in); err != nil {
			return err
		}
		if p := validateContext(in.Context); p != nil {
			return p
		}
		if p := validateDocuments(in.Documents); p != nil {
			return p
		}
		p, err := a.checkCaller(r.Context(), "check")
		if err != nil {
			return err
		}
		res, err := a.d.Screen.CheckDocuments(r.Context(), p, in.Context, in.Documents)
		if err != nil {
			return a.fail(r.Context(), err)
		}
		return writeJSON(w, http.StatusOK, "application/json", res)
	}))
}

// describeCheck adds a POST operation to the OpenAPI document as huma.Register
// would: the request body's schema from in (named hint when in has no
// name), the answer's from out, and the Problem as the default response.
func (a *API) describeCheck(op huma.Operation, in reflect.Type, hint string, out reflect.Type) {
	reg := a.api.OpenAPI().Components.Schemas
	problem := reg.Schema(reflect.TypeFor[Problem](), true, "Error")
	op.Method = http.MethodPost
	op.RequestBody = &huma.RequestBody{Required: true, Content: map[string]*huma.MediaType{
		"application/json": {Schema: reg.Schema(in, true, hint)}}}
	op.Responses = map[string]*huma.Response{
		"200":     {Description: "OK", Content: map[string]*huma.MediaType{"application/json": {Schema: reg.Schema(out, true, "")}}},
		"default": {Description: "Error", Content: map[string]*huma.MediaType{"application/problem+json": {Schema: problem}}},
	}
	a.api.OpenAPI().AddOperation(&op)
}

// lean adapts a handler that returns an error: a *Problem is written as
// it is, any other error as the problem of its kind.
func (a *API) lean(h func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := h(w, r)
		if err == nil {
			return
		}
		var p *Problem
		if !errors.As(err, &p) {
			p = a.problemOf(r.Context(), err)
		}
		_ = writeJSON(w, p.Status, "application/problem+json", p)
	})
}

// writeJSON writes v as huma does: no HTML escaping, a final newline.
func writeJSON(w http.ResponseWriter, status int, ctype string, v any) error {
	w.Header().Set("Content-Type", ctype)
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// decode reads r's JSON body into v, a *documentBody or a *batchBody,
// refusing unknown fields, with a buffer from bodies. The plain bodies
// clients send are parsed by hand (parse); the others are decoded by
// encoding/json. Its problems are huma's: 413 for a body over the limit,
// 400 for an empty or malformed one, 415 for another content type, 422
// naming the field for a value of the wrong type or an unknown field.
func (a *API) decode(w http.ResponseWriter, r *http.Request, bodies *sync.Pool, v any) error {
	buf, _ := bodies.Get().(*bytes.Buffer)
	if buf == nil {
		buf = new(bytes.Buffer)
	}
	defer func() {
		if buf.Cap() <= 1<<20 {
			buf.Reset()
			bodies.Put(buf)
		}
	}()
	if err := a.readBody(w, r, buf); err != nil {
		return err
	}
	body := buf.Bytes()
	if len(body) == 0 {
		return newProblem(http.StatusBadRequest, "request body is required")
	}
	if ct := r.Header.Get("Content-Type"); !isJSON(ct) {
		return newProblem(http.StatusUnsupportedMediaType, "validation failed",
			&huma.ErrorDetail{Location: "body", Message: "unknown content type: " + ct, Value: string(body)})
	}
	if parse(string(body), v) {
		return nil
	}
	// Not in the plain form parse takes: encoding/json decides, into a
	// zero value.
	reset(v)
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && len(bytes.TrimLeft(body[dec.InputOffset():], " \t\r\n")) == 0 {
		return nil
	}
	// The body is refused; find out why, precisely. This path is rare, so it
	// may decode the body again.
	var doc any
	if err := json.Unmarshal(body, &doc); err != nil {
		return newProblem(http.StatusBadRequest, "validation failed",
			&huma.ErrorDetail{Location: "body", Message: err.Error(), Value: string(body)})
	}
	_, batch := v.(*batchBody)
	if p := schemaError(doc, batch); p != nil {
		return p
	}
	if err == nil {
		err = errors.New("unexpected data after the body")
	}
	return invalid("body", err.Error(), nil)
}

// parse parses body into v, a *documentBody or a *batchBody, when it has
// the plain form clients send: an object of the operation's properties,
// spelt exactly, with string values (and for a batch one "documents", an
// array of objects of a document's properties), every string without
// escapes or control characters and valid UTF-8. It reports false for
// anything else (null, escapes, other types, unknown properties, bad
// syntax), leaving v part filled. For a body it takes, it gives what
// encoding/json gives, about ten times faster and with one allocation: the
// strings are parts of body.
func parse(body string, v any) bool {
	p := &parser{s: body}
	ok := false
	switch v := v.(type) {
	default:
		panic(fmt.Sprintf("httpapi: parse into %T", v))
	case *documentBody:
		ok = p.object(func(k string) bool {
			f := contextField(&v.Context, k)
			if f == nil {
				f = documentField(&v.DocumentQuery, k)
			}
			return f != nil && p.str(f)
		})
	case *batchBody:
		seen := false // encoding/json would decode a second array into the first's elements
		ok = p.object(func(k string) bool {
			if k == "documents" && !seen {
				seen = true
				return p.documents(&v.Documents)
			}
			f := contextField(&v.Context, k)
			return f != nil && p.str(f)
		})
	}
	p.space()
	return ok && p.i == len(p.s)
}

// reset zeroes v, a *documentBody or a *batchBody, keeping a batch's slice
// for encoding/json to decode into.
func reset(v any) {
	switch v := v.(type) {
	case *documentBody:
		*v = documentBody{}
	case *batchBody:
		clear(v.Documents)
		*v = batchBody{Documents: v.Documents[:0]}
	}
}

// parser reads the plain JSON parse takes, from s[i:].
type parser struct {
	s string
	i int
}

// space skips JSON white space.
func (p *parser) space() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n' || p.s[p.i] == '\r') {
		p.i++
	}
}

// next skips white space and then c, reporting whether it was there.
func (p *parser) next(c byte) bool {
	p.space()
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

// str reads a plain string into *dst.
func (p *parser) str(dst *string) bool {
	if !p.next('"') {
		return false
	}
	ascii := true
	for j := p.i; j < len(p.s); j++ {
		switch c := p.s[j]; {
		case c == '"':
			v := p.s[p.i:j]
			if !ascii && !utf8.ValidString(v) {
				return false
			}
			*dst, p.i = v, j+1
			return true
		case c == '\\' || c < 0x20:
			return false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return false
}

// object reads an object, calling member after each key to read its value.
func (p *parser) object(member func(key string) bool) bool {
	if !p.next('{') {
		return false
	}
	if p.next('}') {
		return true
	}
	for {
		var k string
		if !p.str(&k) || !p.next(':') || !member(k) {
			return false
		}
		if p.next('}') {
			return true
		}
		if !p.next(',') {
			return false
		}
	}
}

// documents reads an array of documents into *qs, reusing its elements,
// which are zero.
func (p *parser) documents(qs *[]screen.DocumentQuery) bool {
	if !p.next('[') {
		return false
	}
	*qs = (*qs)[:0]
	if p.next(']') {
		return true
	}
	for {
		*qs = append(*qs, screen.DocumentQuery{})
		q := &(*qs)[len(*qs)-1]
		if !p.object(func(k string) bool { f := documentField(q, k); return f != nil && p.str(f) }) {
			return false
		}
		if p.next(']') {
			return true
		}
		if !p.next(',') {
			return false
		}
	}
}

// contextField is c's field of JSON name k, or nil.
func contextField(c *screen.Context, k string) *string {
	switch k {
	case "purpose":
		return &c.Purpose
	case "priority":
		return &c.Priority
	case "location":
		return &c.Location
	}
	return nil
}

// documentField is q's field of JSON name k, or nil.
func documentField(q *screen.DocumentQuery, k string) *string {
	switch k {
	case "issuing_country":
		return &q.IssuingCountry
	case "number":
		return &q.Number
	case "mrz":
		return &q.MRZ
	}
	return nil
}

// readBody reads r's body into buf, at most MaxBody bytes (1 MiB when
// unset, as huma), within bodyReadTimeout.
func (a *API) readBody(w http.ResponseWriter, r *http.Request, buf *bytes.Buffer) error {
	limit := a.d.MaxBody
	if limit <= 0 {
		limit = 1 << 20
	}
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(bodyReadTimeout))
	_, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, limit))
	var tooLarge *http.MaxBytesError
	var netErr net.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &tooLarge):
		return newProblem(http.StatusRequestEntityTooLarge, fmt.Sprintf("request body is too large limit=%d bytes", limit))
	case errors.As(err, &netErr) && netErr.Timeout():
		return newProblem(http.StatusRequestTimeout, "request body read timeout")
	}
	return newProblem(http.StatusInternalServerError, "cannot read request body", err)
}

// isJSON reports whether huma took a body of content type ct for JSON: no
// type, application/json or a +json type, parameters ignored.
func isJSON(ct string) bool {
	start := strings.IndexByte(ct, '+') + 1
	end := strings.IndexByte(ct, ';')
	if end < 0 {
		end = len(ct)
	}
	if end < start {
		return false
	}
	switch ct[start:end] {
	case "", "application/json", "json":
		return true
	}
	return false
}

// validateDocuments checks what the schema says of a batch's documents and
// CheckDocuments does not: their number, and the lengths of their strings.
func validateDocuments(qs []screen.DocumentQuery) *Problem {
	if n := len(qs); n < 1 || n > screen.MaxBatch {
		msg := "expected array length >= 1"
		if n > screen.MaxBatch {
			msg = "expected array length <= " + strconv.Itoa(screen.MaxBatch)
		}
		return invalid("body.documents", msg, nil)
	}
	for i := range qs {
		if p := validateDocument(qs[i], func() string { return "body.documents[" + strconv.Itoa(i) + "]." }); p != nil {
			return p
		}
	}
	return nil
}

// validateContext checks a check's context against its schema. An explicit
// empty priority passes (encoding/json cannot tell it from an absent one)
// and means the default, where huma refused it.
func validateContext(c screen.Context) *Problem {
	if p := maxLength("body.purpose", c.Purpose, 300); p != nil {
		return p
	}
	if p := maxLength("body.location", c.Location, 200); p != nil {
		return p
	}
	if c.Priority != "" && c.Priority != screen.Urgent && c.Priority != screen.Routine {
		return invalid("body.priority", `expected value to be one of "urgent, routine"`, c.Priority)
	}
	return nil
}

// validateDocument checks the lengths of a document's strings (the
// service checks their content); at prefixes the location of its fields
// and is only called on failure, so that a batch builds no string per
// document.
func validateDocument(q screen.DocumentQuery, at func() string) *Problem {
	if tooLong(q.Number, 40) {
		return invalid(at()+"number", "expected length <= 40", q.Number)
	}
	if tooLong(q.MRZ, 200) {
		return invalid(at()+"mrz", "expected length <= 200", q.MRZ)
	}
	return nil
}

// maxLength refuses s, found at location at, when it is tooLong.
func maxLength(at, s string, n int) *Problem {
	if !tooLong(s, n) {
		return nil
	}
	return invalid(at, "expected length <= "+strconv.Itoa(n), s)
}

// tooLong reports whether s has more than n characters, as the schema's
// maxLength counts them.
func tooLong(s string, n int) bool {
	return len(s) > n && utf8.RuneCountInString(s) > n
}

// invalid is huma's 422 problem for one value, at a location like
// body.documents[3].number (the problem's field is documents[3].number).
func invalid(at, msg string, value any) *Problem {
	return newProblem(http.StatusUnprocessableEntity, "validation failed", &huma.ErrorDetail{Location: at, Message: msg, Value: value})
}

// schemaError finds where doc, a body that encoding/json refused to decode
// into the request struct, breaks the schema: a value of the wrong type or
// an unknown property. Properties are matched without regard to case, as
// encoding/json (and huma) do. It returns nil when it finds nothing.
func schemaError(doc any, batch bool) *Problem {
	obj, ok := doc.(map[string]any)
	if !ok {
		return invalid("body", "expected object", doc)
	}
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		at, v := "body."+k, obj[k]
		switch {
		case contextProperty(k) || (!batch && documentProperty(k)):
			if p := wantString(at, v); p != nil {
				return p
			}
		case batch && strings.EqualFold(k, "documents"):
			if v == nil {
				continue
			}
			items, ok := v.([]any)
			if !ok {
				return invalid(at, "expected array", v)
			}
			for i, item := range items {
				if p := documentError(at+"["+strconv.Itoa(i)+"]", item); p != nil {
					return p
				}
			}
		default:
			return invalid(at, "unexpected property", obj)
		}
	}
	return nil
}

// documentError is schemaError for one document of a batch.
func documentError(at string, doc any) *Problem {
	obj, ok := doc.(map[string]any)
	if !ok {
		return invalid(at, "expected object", doc)
	}
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		if !documentProperty(k) {
			return invalid(at+"."+k, "unexpected property", obj)
		}
		if p := wantString(at+"."+k, obj[k]); p != nil {
			return p
		}
	}
	return nil
}

// wantString refuses v unless it is a string or null.
func wantString(at string, v any) *Problem {
	if _, ok := v.(string); ok || v == nil {
		return nil
	}
	return invalid(at, "expected string", v)
}

// contextProperty reports whether k names a property of screen.Context.
func contextProperty(k string) bool {
	return strings.EqualFold(k, "purpose") || strings.EqualFold(k, "priority") || strings.EqualFold(k, "location")
}

// documentProperty reports whether k names a property of
// screen.DocumentQuery.
func documentProperty(k string) bool {
	return strings.EqualFold(k, "issuing_country") || strings.EqualFold(k, "number") || strings.EqualFold(k, "mrz")
}

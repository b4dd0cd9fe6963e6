package httpapi

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/person"
	"github.com/polex-org/polex/internal/policy"
	"github.com/polex-org/polex/internal/property"
	"github.com/polex-org/polex/internal/record"
)

// registerProperty registers the operations on property.
// Without the service the operations are still described (the OpenAPI
// document is the same) and answer 503.
func (a *API) registerProperty() {
	s := a.d.Property
	if s == nil {
		s = property.New(nil, nil)
	}
	registerTable[property.TravelDocument, DocumentQuery](a, s.Documents, "Travel documents", "document", "Documents are searched by number (and issuing country). Only the issuing country adds its documents: data.issuing_country must be the caller's country.")
	registerTable[property.Vehicle, VehicleQuery](a, s.Vehicles, "Motor vehicles", "vehicle", "Vehicles are searched by VIN (number) or plate. The VIN is checked per ISO 3779, including the North American check digit.")
	registerTable[property.Artwork, ArtworkQuery](a, s.Artworks, "Works of art", "artwork", "Works of art are searched by free text (q). They hold no personal data.")
	registerTable[person.Person, PersonQuery](a, s.Persons, "Persons", "person", "Persons are searched by name (q), a simple normalised match.")
	a.registerArtworkImages(s)
	a.registerImports(s)
}

// propertyCaller is caller for the property operations, which answer 503
// when the service is off.
func (a *API) propertyCaller(ctx context.Context, scope string) (identity.Principal, error) {
	if a.d.Property == nil {
		return identity.Principal{}, a.fail(ctx, errs.E("httpapi.property", errs.Unavailable, "the property databases are not available"))
	}
	return a.caller(ctx, scope)
}

// RecordBody is a record as a client sends it: the owner-controlled
// envelope and the content. Owner, IDs and times are set by the server.
type RecordBody[T any] struct {
	Ref            string                  `json:"ref,omitempty" maxLength:"128" doc:"your own reference, unique per owner; defaults to the record ID"`
	Restrictions   policy.Restrictions     `json:"restrictions,omitzero" doc:"who may see the record besides the owner"`
	Handling       policy.Handling         `json:"handling,omitempty" enum:"H0,H1,H2,H3"`
	Classification identity.Classification `json:"classification,omitempty" minimum:"0" maximum:"3" doc:"0 public, 1 official, 2 restricted, 3 confidential"`
	Grading        record.Grading          `json:"grading,omitzero"`
	ReviewAt       time.Time               `json:"review_at,omitzero" doc:"at most five years away; default five years"`
	Version        int                     `json:"version,omitempty" doc:"updates: the version read; refused (409) when the record changed since"`
	Data           T                       `json:"data"`
}

func (b RecordBody[T]) record() property.Record[T] {
	return property.Record[T]{Meta: record.Meta{Ref: b.Ref, Restrictions: b.Restrictions, Handling: b.Handling,
		Classification: b.Classification, Grading: b.Grading, ReviewAt: b.ReviewAt, Version: b.Version}, Data: b.Data}
}

// RecordInput creates a record.
type RecordInput[T any] struct {
	Body RecordBody[T]
}

// UpdateRecordInput replaces a record.
type UpdateRecordInput[T any] struct {
	ID   string `path:"id" maxLength:"64"`
	Body RecordBody[T]
}

// RecordOutput is one record.
type RecordOutput[T any] struct {
	Body property.Record[T]
}

// RecordPath names a record.
type RecordPath struct {
	ID string `path:"id" maxLength:"64"`
}

// ListParams are the parameters of every list, search and export.
type ListParams struct {
	Owner   string `query:"owner" maxLength:"2" doc:"only this owner's records"`
	After   string `query:"after" maxLength:"64" doc:"the next of the previous page"`
	Limit   int    `query:"limit" minimum:"0" maximum:"1000" doc:"at most this many (default 50; exports: ignored)"`
	Purpose string `query:"purpose" maxLength:"1024" doc:"why; required for searches and exports, and recorded"`
}

func (l ListParams) query() property.Query {
	return property.Query{Owner: l.Owner, After: l.After, Limit: l.Limit}
}

// DocumentQuery lists or searches travel documents.
type DocumentQuery struct {
	ListParams
	Number  string `query:"number" maxLength:"40" doc:"the document number (a search)"`
	Country string `query:"country" maxLength:"2" doc:"the issuing country"`
}

func (in *DocumentQuery) query() (property.Query, string) {
	q := in.ListParams.query()
	q.Number, q.Country = in.Number, in.Country
	return q, in.Purpose
}

// VehicleQuery lists or searches motor vehicles.
type VehicleQuery struct {
	ListParams
	Number string `query:"number" maxLength:"40" doc:"the VIN (a search)"`
	Plate  string `query:"plate" maxLength:"20" doc:"the plate (a search)"`
}

func (in *VehicleQuery) query() (property.Query, string) {
	q := in.ListParams.query()
	q.Number, q.Plate = in.Number, in.Plate
	return q, in.Purpose
}

// ArtworkQuery lists or searches works of art.
type ArtworkQuery struct {
	ListParams
	Q string `query:"q" maxLength:"200" doc:"free text: title, artist, period, materials, description (a search)"`
}

func (in *ArtworkQuery) query() (property.Query, string) {
	q := in.ListParams.query()
	q.Text = in.Q
	return q, in.Purpose
}

// PersonQuery lists or searches persons.
type PersonQuery struct {
	ListParams
	Q string `query:"q" maxLength:"200" doc:"a name, in any script (a search)"`
}

func (in *PersonQuery) query() (property.Query, string) {
	q := in.ListParams.query()
	q.Text = in.Q
	return q, in.Purpose
}

// listQuery is the input of the list and export operations of a record
// type: Q is its query struct.
type listQuery[Q any] interface {
	*Q
	query() (property.Query, string)
}

// RecordsOutput is a page of records.
type RecordsOutput[T any] struct {
	Body struct {
		Records []property.Record[T] `json:"records"`
		Next    string               `json:"next,omitempty" doc:"pass as after for the next page"`
	}
}

// HistoryOutput is a record's history.
type HistoryOutput struct {
	Body struct {
		Changes []record.Change `json:"changes"`
	}
}

// registerTable registers create, get, update, delete, list/search,
// export and history for one record type.
func registerTable[T, Q any, PQ listQuery[Q]](a *API, t *property.Table[T], tag, kind, searchDoc string) {
	tags := []string{tag}
	base := "/" + property.Plural(kind)
	huma.Register(a.api, huma.Operation{OperationID: "create-" + kind, Method: http.MethodPost, Path: base,
		Summary: "Add a " + kind, Description: "The record is owned by the caller's country; only the owner changes or deletes it.",
		Tags: tags, DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *RecordInput[T]) (*RecordOutput[T], error) {
			p, err := a.propertyCaller(ctx, "write")
			if err != nil {
				return nil, err
			}
			r, err := t.Create(ctx, p, in.Body.record())
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			return &RecordOutput[T]{Body: r}, nil
		})
	huma.Register(a.api, huma.Operation{OperationID: "get-" + kind, Method: http.MethodGet, Path: base + "/{id}",
		Summary: "Get a " + kind, Tags: tags},
		func(ctx context.Context, in *RecordPath) (*RecordOutput[T], error) {
			p, err := a.propertyCaller(ctx, "read")
			if err != nil {
				return nil, err
			}
			r, err := t.Get(ctx, p, in.ID)
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			return &RecordOutput[T]{Body: r}, nil
		})
	huma.Register(a.api, huma.Operation{OperationID: "update-" + kind, Method: http.MethodPut, Path: base + "/{id}",
		Summary: "Replace a " + kind, Description: "The owner only. A change makes a new version and a history entry.", Tags: tags},
		func(ctx context.Context, in *UpdateRecordInput[T]) (*RecordOutput[T], error) {
			p, err := a.propertyCaller(ctx, "write")
			if err != nil {
				return nil, err
			}
			r, err := t.Update(ctx, p, in.ID, in.Body.record())
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			return &RecordOutput[T]{Body: r}, nil
		})
	huma.Register(a.api, huma.Operation{OperationID: "delete-" + kind, Method: http.MethodDelete, Path: base + "/{id}",
		Summary: "Delete a " + kind, Description: "The owner only.", Tags: tags, DefaultStatus: http.StatusNoContent},
		func(ctx context.Context, in *RecordPath) (*struct{}, error) {
			p, err := a.propertyCaller(ctx, "write")
			if err != nil {
				return nil, err
			}
			if err := t.Delete(ctx, p, in.ID); err != nil {
				return nil, a.fail(ctx, err)
			}
			return nil, nil
		})
	huma.Register(a.api, huma.Operation{OperationID: "list-" + kind + "s", Method: http.MethodGet, Path: base,
		Summary: "List or search " + kind + "s", Description: searchDoc + " A search needs a purpose and is audited; records the caller may not see are left out.",
		Tags: tags},
		func(ctx context.Context, in *Q) (*RecordsOutput[T], error) {
			q, purpose := PQ(in).query()
			scope := "read"
			if q.Number != "" || q.Plate != "" || q.Text != "" {
				scope = "search"
			}
			p, err := a.propertyCaller(ctx, scope)
			if err != nil {
				return nil, err
			}
			rs, next, err := t.List(ctx, p, q, purpose)
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			out := &RecordsOutput[T]{}
			out.Body.Records, out.Body.Next = rs, next
			if out.Body.Records == nil {
				out.Body.Records = []property.Record[T]{}
			}
			return out, nil
		})
	huma.Register(a.api, huma.Operation{OperationID: "export-" + kind + "s", Method: http.MethodGet, Path: base + "/export",
		Summary: "Export " + kind + "s as JSON Lines", Description: "Every matching record the caller may export, one JSON object a line. Needs a purpose; audited.",
		Tags: tags, Responses: map[string]*huma.Response{"200": {Description: "JSON Lines", Content: map[string]*huma.MediaType{
			"application/x-ndjson": {Schema: &huma.Schema{Type: "string"}}}}}},
		func(ctx context.Context, in *Q) (*huma.StreamResponse, error) {
			p, err := a.propertyCaller(ctx, "read")
			if err != nil {
				return nil, err
			}
			q, purpose := PQ(in).query()
			run, err := t.Export(ctx, p, q, purpose)
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			return &huma.StreamResponse{Body: func(hc huma.Context) {
				hc.SetHeader("Content-Type", "application/x-ndjson")
				hc.SetStatus(http.StatusOK)
				w := bufio.NewWriterSize(hc.BodyWriter(), 64<<10)
				enc := json.NewEncoder(w)
				if _, err := run(hc.Context(), func(r property.Record[T]) error { return enc.Encode(r) }); err != nil {
					a.log.WarnContext(ctx, "export interrupted", "kind", kind, "err", err)
				}
				_ = w.Flush()
			}}, nil
		})
	huma.Register(a.api, huma.Operation{OperationID: "history-" + kind, Method: http.MethodGet, Path: base + "/{id}/history",
		Summary: "History of a " + kind, Tags: tags},
		func(ctx context.Context, in *RecordPath) (*HistoryOutput, error) {
			p, err := a.propertyCaller(ctx, "read")
			if err != nil {
				return nil, err
			}
			cs, err := t.History(ctx, p, in.ID)
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			out := &HistoryOutput{}
			out.Body.Changes = cs
			return out, nil
		})
}

// ImageUploadInput adds an image to an artwork.
type ImageUploadInput struct {
	ID      string `path:"id" maxLength:"64"`
	RawBody []byte `contentType:"image/jpeg" doc:"a JPEG or PNG image (checked by its magic bytes), at most the server's body limit"`
}

// ImagePath names an image of an artwork.
type ImagePath struct {
	ID     string `path:"id" maxLength:"64"`
	SHA256 string `path:"sha256" minLength:"64" maxLength:"64" pattern:"^[0-9a-f]{64}$"`
}

func (a *API) registerArtworkImages(s *property.Service) {
	tags := []string{"Works of art"}
	huma.Register(a.api, huma.Operation{OperationID: "add-artwork-image", Method: http.MethodPost, Path: "/artworks/{id}/images",
		Summary: "Add an image to an artwork", Description: "The body is the image itself (JPEG or PNG); it is stored under its SHA-256. The owner only.",
		Tags: tags},
		func(ctx context.Context, in *ImageUploadInput) (*RecordOutput[property.Artwork], error) {
			p, err := a.propertyCaller(ctx, "write")
			if err != nil {
				return nil, err
			}
			r, err := s.AddImage(ctx, p, in.ID, in.RawBody)
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			return &RecordOutput[property.Artwork]{Body: r}, nil
		})
	huma.Register(a.api, huma.Operation{OperationID: "get-artwork-image", Method: http.MethodGet, Path: "/artworks/{id}/images/{sha256}",
		Summary: "Download an image of an artwork", Tags: tags,
		Responses: map[string]*huma.Response{"200": {Description: "the image", Content: map[string]*huma.MediaType{
			"image/jpeg": {}, "image/png": {}}}}},
		func(ctx context.Context, in *ImagePath) (*ImageOutput, error) {
			p, err := a.propertyCaller(ctx, "read")
			if err != nil {
				return nil, err
			}
			im, data, err := s.ImageData(ctx, p, in.ID, in.SHA256)
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			return &ImageOutput{ContentType: im.ContentType, CacheControl: "private, no-store", Body: data}, nil
		})
}

// ImportInput starts an import. The body is streamed: it is read as the
// import goes, never held in memory, and not subject to the API's body
// limit.
type ImportInput struct {
	Kind   string `path:"kind" enum:"documents,vehicles,artworks,persons"`
	Owner  string `query:"owner" maxLength:"2" doc:"the owning country; default the caller's"`
	Format string `query:"format" enum:"jsonl,csv" doc:"default jsonl"`
	File   string `query:"file" maxLength:"200" doc:"a file name for the report"`
	body   io.Reader
}

// Resolve keeps the request body for the handler to stream.
func (in *ImportInput) Resolve(ctx huma.Context) []error {
	in.body = ctx.BodyReader()
	return nil
}

// ImportOutput is an import's report.
type ImportOutput struct {
	Body property.Import
}

// ImportsOutput lists imports.
type ImportsOutput struct {
	Body struct {
		Imports []property.Import `json:"imports"`
	}
}

// ImportPath names an import.
type ImportPath struct {
	ID string `path:"id" maxLength:"64"`
}

const importDoc = "Streams JSON Lines (application/x-ndjson) or CSV (text/csv, a header row naming the fields) of any size: " +
	"the body is read as it is loaded, in batches committed one transaction each. The owner's ref identifies a record: " +
	"re-importing updates (new version) only records whose content changed. Bad lines are skipped and reported with their " +
	"line number, field and message (the first 100 listed, all counted). Travel-document line: " +
	`{"ref":"...","number":"...","type":"passport","issuing_country":"FR","status":"stolen"}; person line: ` +
	`{"ref":"R1","names":["Муаммар Каддафи","Muammar Kaddafi"],"birth_date":"1942-06-07","nationality":"LY","sex":"M"}. ` +
	"Optional on every line: handling, classification (default 1), grading, restrictions. In CSV, list fields (names, " +
	"deny_countries, allow_countries, …) separate items with ';' and grading is grading_source, grading_info."

func (a *API) registerImports(s *property.Service) {
	tags := []string{"Imports"}
	lines := &huma.Schema{Type: "string", Description: "one record a line"}
	huma.Register(a.api, huma.Operation{OperationID: "import-records", Method: http.MethodPost, Path: "/imports/{kind}",
		Summary: "Bulk-load records (streaming)", Description: importDoc, Tags: tags,
		RequestBody: &huma.RequestBody{Required: true, Content: map[string]*huma.MediaType{
			"application/x-ndjson": {Schema: lines}, "text/csv": {Schema: lines}}}},
		func(ctx context.Context, in *ImportInput) (*ImportOutput, error) {
			p, err := a.propertyCaller(ctx, "write")
			if err != nil {
				return nil, err
			}
			req := property.ImportRequest{Kind: in.Kind, Owner: in.Owner, Format: in.Format, File: in.File}
			if req.Owner == "" {
				req.Owner = p.User.Country
			}
			if req.Format == "" {
				req.Format = property.FormatJSONL
			}
			if req.File == "" {
				req.File = fmt.Sprintf("api.%s", req.Format)
			}
			im, err := s.Import(ctx, p, req, in.body, nil)
			if err != nil && im.ID == "" {
				return nil, a.fail(ctx, err)
			}
			// A started import answers its report, also when it failed
			// part way: what it counts is committed.
			return &ImportOutput{Body: im}, nil
		})
	huma.Register(a.api, huma.Operation{OperationID: "list-imports", Method: http.MethodGet, Path: "/imports",
		Summary: "List the imports of the caller's country", Tags: tags},
		func(ctx context.Context, _ *struct{}) (*ImportsOutput, error) {
			p, err := a.propertyCaller(ctx, "read")
			if err != nil {
				return nil, err
			}
			ims, err := s.Imports(ctx, p)
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			out := &ImportsOutput{}
			out.Body.Imports = ims
			if ims == nil {
				out.Body.Imports = []property.Import{}
			}
			return out, nil
		})
	huma.Register(a.api, huma.Operation{OperationID: "get-import", Method: http.MethodGet, Path: "/imports/{id}",
		Summary: "Get an import's report", Tags: tags},
		func(ctx context.Context, in *ImportPath) (*ImportOutput, error) {
			p, err := a.propertyCaller(ctx, "read")
			if err != nil {
				return nil, err
			}
			im, err := s.GetImport(ctx, p, in.ID)
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			return &ImportOutput{Body: im}, nil
		})
}

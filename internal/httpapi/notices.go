package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/notice"
	"github.com/polex-org/polex/internal/person"
)

// NoticeOutput is one notice.
type NoticeOutput struct {
	Body notice.Notice
}

// NoticesOutput lists notices.
type NoticesOutput struct {
	Body struct {
		Notices []notice.Notice `json:"notices"`
	}
}

// NoticePath names a notice.
type NoticePath struct {
	ID string `path:"id" maxLength:"64"`
}

// CreateNoticeInput drafts a notice.
type CreateNoticeInput struct {
	Body notice.Input
}

// UpdateNoticeInput changes a notice.
type UpdateNoticeInput struct {
	ID   string `path:"id" maxLength:"64"`
	Body struct {
		notice.Input
		Version int `json:"version,omitempty" minimum:"0" doc:"the version you read; the update fails with 409 when the notice changed since"`
	}
}

// SearchNoticesInput searches notices.
type SearchNoticesInput struct {
	Purpose string `query:"purpose" maxLength:"500" doc:"why you search (required; audited)"`
	Type    string `query:"type" enum:"red,yellow,blue,black,green,orange,purple,un-special,"`
	Status  string `query:"status" enum:"draft,submitted,published,refused,cancelled,expired,"`
	Owner   string `query:"owner" maxLength:"2" doc:"ISO 3166-1 alpha-2 of the owner country"`
	Name    string `query:"name" maxLength:"300" doc:"part of a name; case, accents and spacing are ignored"`
	Limit   int    `query:"limit" minimum:"0" maximum:"1000"`
}

func (in SearchNoticesInput) filter() notice.Filter {
	return notice.Filter{Type: notice.Type(in.Type), Status: notice.Status(in.Status), Owner: in.Owner, Name: in.Name, Limit: in.Limit}
}

// VersionView is one kept version of a notice.
type VersionView struct {
	Version int             `json:"version"`
	At      time.Time       `json:"at"`
	By      string          `json:"by"`
	Action  string          `json:"action"`
	Note    string          `json:"note,omitempty"`
	Notice  json.RawMessage `json:"notice" doc:"the notice as it was after this change"`
}

// VersionsOutput lists versions.
type VersionsOutput struct {
	Body struct {
		Versions []VersionView `json:"versions"`
	}
}

// FindingsOutput lists the automated checks' findings.
type FindingsOutput struct {
	Body struct {
		Findings []notice.Finding `json:"findings"`
	}
}

// RefuseInput refuses a notice.
type RefuseInput struct {
	ID   string `path:"id" maxLength:"64"`
	Body struct {
		Reasons []string `json:"reasons" minItems:"1" maxItems:"20" doc:"why; the requesting NCB sees them"`
	}
}

// CancelInput cancels a notice.
type CancelInput struct {
	ID   string `path:"id" maxLength:"64"`
	Body struct {
		Reason string `json:"reason" enum:"arrested,located,withdrawn"`
		Note   string `json:"note,omitempty" maxLength:"2000"`
	}
}

// ExportNoticesOutput is a JSON Lines export.
type ExportNoticesOutput struct {
	ContentType string `header:"Content-Type"`
	Body        []byte
}

// PhotoUploadInput adds a photo.
type PhotoUploadInput struct {
	ID      string `path:"id" maxLength:"64"`
	RawBody []byte `contentType:"image/jpeg" doc:"a JPEG or PNG image, at most 5 MB"`
}

// PhotoOutput describes a stored photo.
type PhotoOutput struct {
	Body person.Photo
}

// PhotoPath names a photo of a notice.
type PhotoPath struct {
	ID  string `path:"id" maxLength:"64"`
	SHA string `path:"sha" minLength:"64" maxLength:"64" pattern:"^[0-9a-f]+$"`
}

// ImageOutput is an image.
type ImageOutput struct {
	ContentType  string `header:"Content-Type"`
	CacheControl string `header:"Cache-Control"`
	Body         []byte
}

// PublicSearchInput searches public extracts.
type PublicSearchInput struct {
	Name        string `query:"name" maxLength:"300"`
	Nationality string `query:"nationality" maxLength:"2"`
	Sex         string `query:"sex" enum:"M,F,U,"`
	AgeMin      int    `query:"age_min" minimum:"0" maximum:"150"`
	AgeMax      int    `query:"age_max" minimum:"0" maximum:"150"`
}

// PublicExtractsOutput lists public extracts.
type PublicExtractsOutput struct {
	Body struct {
		Notices []notice.PublicExtract `json:"notices"`
	}
}

// PublicExtractOutput is one public extract.
type PublicExtractOutput struct {
	Body notice.PublicExtract
}

// PublicFilter builds the filter of a public search; an age of 0 means
// unbounded.
func PublicFilter(name, nat, sex string, ageMin, ageMax int, now time.Time) notice.PublicFilter {
	f := notice.PublicFilter{Name: name, Nationality: nat, Sex: person.Sex(sex)}
	lo, hi := -1, -1
	if ageMin > 0 {
		lo = ageMin
	}
	if ageMax > 0 {
		hi = ageMax
	}
	f.AgeFilter(lo, hi, now)
	return f
}

// registerNotices registers the operations on notices. They are
// registered even without a notice service so that the OpenAPI description
// is complete; app.Open always provides the service.
func (a *API) registerNotices() {
	ns := a.d.Notices
	tags := []string{"Notices"}
	one := func(scope string, call func(ctx context.Context, in *NoticePath, p identity.Principal) (notice.Notice, error)) func(context.Context, *NoticePath) (*NoticeOutput, error) {
		return func(ctx context.Context, in *NoticePath) (*NoticeOutput, error) {
			p, err := a.caller(ctx, scope)
			if err != nil {
				return nil, err
			}
			n, err := call(ctx, in, p)
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			return &NoticeOutput{Body: n}, nil
		}
	}
	huma.Register(a.api, huma.Operation{OperationID: "create-notice", Method: http.MethodPost, Path: "/notices",
		Summary: "Draft a notice", Description: "The caller's country owns the notice. Each type has its required fields; errors name the field.",
		Tags: tags, DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *CreateNoticeInput) (*NoticeOutput, error) {
			p, err := a.caller(ctx, "write")
			if err != nil {
				return nil, err
			}
			n, err := ns.Create(ctx, p, in.Body)
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			return &NoticeOutput{Body: n}, nil
		})
	huma.Register(a.api, huma.Operation{OperationID: "search-notices", Method: http.MethodGet, Path: "/notices",
		Summary: "Search notices", Description: "Only notices the caller may see are returned. The purpose is required and audited.", Tags: tags},
		func(ctx context.Context, in *SearchNoticesInput) (*NoticesOutput, error) {
			p, err := a.caller(ctx, "search")
			if err != nil {
				return nil, err
			}
			rows, err := ns.Search(ctx, p, in.filter(), in.Purpose)
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			out := &NoticesOutput{}
			out.Body.Notices = append([]notice.Notice{}, rows...)
			return out, nil
		})
	huma.Register(a.api, huma.Operation{OperationID: "notice-review-queue", Method: http.MethodGet, Path: "/review/notices",
		Summary: "The reviewers' queue", Description: "Notices and updates awaiting review, with their automated findings. General Secretariat reviewers only.", Tags: tags},
		func(ctx context.Context, _ *struct{}) (*NoticesOutput, error) {
			p, err := a.caller(ctx, "read")
			if err != nil {
				return nil, err
			}
			rows, err := ns.Queue(ctx, p)
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			out := &NoticesOutput{}
			out.Body.Notices = append([]notice.Notice{}, rows...)
			for i := range out.Body.Notices {
				n := &out.Body.Notices[i]
				n.Findings = ns.FilterFindings(ctx, p, n.Findings)
				if n.Pending != nil {
					n.Pending.Findings = ns.FilterFindings(ctx, p, n.Pending.Findings)
				}
			}
			return out, nil
		})
	huma.Register(a.api, huma.Operation{OperationID: "export-notices", Method: http.MethodGet, Path: "/notices-export",
		Summary: "Export notices as JSON Lines", Description: "One notice per line, only those the caller may export (handling codes apply). The purpose is required and audited.", Tags: tags},
		func(ctx context.Context, in *SearchNoticesInput) (*ExportNoticesOutput, error) {
			p, err := a.caller(ctx, "read")
			if err != nil {
				return nil, err
			}
			var b bytes.Buffer
			enc := json.NewEncoder(&b)
			if err := ns.Export(ctx, p, in.filter(), in.Purpose, func(n notice.Notice) error { return enc.Encode(n) }); err != nil {
				return nil, a.fail(ctx, err)
			}
			return &ExportNoticesOutput{ContentType: "application/jsonl", Body: b.Bytes()}, nil
		})
	huma.Register(a.api, huma.Operation{OperationID: "get-notice", Method: http.MethodGet, Path: "/notices/{id}",
		Summary: "Get a notice", Tags: tags},
		one("read", func(ctx context.Context, in *NoticePath, p identity.Principal) (notice.Notice, error) {
			return ns.Get(ctx, p, in.ID)
		}))
	huma.Register(a.api, huma.Operation{OperationID: "update-notice", Method: http.MethodPut, Path: "/notices/{id}",
		Summary: "Change a notice", Description: "A draft or refused notice changes in place; an update of a published notice is reviewed again while the published version stays visible.", Tags: tags},
		func(ctx context.Context, in *UpdateNoticeInput) (*NoticeOutput, error) {
			p, err := a.caller(ctx, "write")
			if err != nil {
				return nil, err
			}
			n, err := ns.Update(ctx, p, in.ID, in.Body.Version, in.Body.Input)
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			return &NoticeOutput{Body: n}, nil
		})
	for _, op := range []struct {
		id, path, summary, desc string
		call                    func(ctx context.Context, p identity.Principal, id string) (notice.Notice, error)
	}{
		{"submit-notice", "/notices/{id}/submit", "Submit a notice for review", "The automated checks run and are stored with the notice.", ns.Submit},
		{"publish-notice", "/notices/{id}/publish", "Publish a notice awaiting review", "General Secretariat reviewers only.", ns.Publish},
		{"renew-notice", "/notices/{id}/renew", "Renew a published notice", "Valid five more years from now. The owner only.", ns.Renew},
	} {
		call := op.call
		huma.Register(a.api, huma.Operation{OperationID: op.id, Method: http.MethodPost, Path: op.path, Summary: op.summary, Description: op.desc, Tags: tags},
			one("write", func(ctx context.Context, in *NoticePath, p identity.Principal) (notice.Notice, error) {
				return call(ctx, p, in.ID)
			}))
	}
	huma.Register(a.api, huma.Operation{OperationID: "refuse-notice", Method: http.MethodPost, Path: "/notices/{id}/refuse",
		Summary: "Refuse a notice awaiting review", Description: "General Secretariat reviewers only; the reasons are required and the owner sees them.", Tags: tags},
		func(ctx context.Context, in *RefuseInput) (*NoticeOutput, error) {
			p, err := a.caller(ctx, "write")
			if err != nil {
				return nil, err
			}
			n, err := ns.Refuse(ctx, p, in.ID, in.Body.Reasons)
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			return &NoticeOutput{Body: n}, nil
		})
	huma.Register(a.api, huma.Operation{OperationID: "cancel-notice", Method: http.MethodPost, Path: "/notices/{id}/cancel",
		Summary: "Cancel a notice", Description: "The owner only: the person was arrested or located, or the request is withdrawn.", Tags: tags},
		func(ctx context.Context, in *CancelInput) (*NoticeOutput, error) {
			p, err := a.caller(ctx, "write")
			if err != nil {
				return nil, err
			}
			n, err := ns.Cancel(ctx, p, in.ID, in.Body.Reason, in.Body.Note)
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			return &NoticeOutput{Body: n}, nil
		})
	huma.Register(a.api, huma.Operation{OperationID: "list-notice-versions", Method: http.MethodGet, Path: "/notices/{id}/versions",
		Summary: "The kept versions of a notice", Description: "The owner, reviewers and auditors get every version; other readers the published ones.", Tags: tags},
		func(ctx context.Context, in *NoticePath) (*VersionsOutput, error) {
			p, err := a.caller(ctx, "read")
			if err != nil {
				return nil, err
			}
			vs, err := ns.Versions(ctx, p, in.ID)
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			out := &VersionsOutput{}
			out.Body.Versions = []VersionView{}
			for _, v := range vs {
				out.Body.Versions = append(out.Body.Versions, VersionView{Version: v.Version, At: v.At, By: v.By, Action: v.Action, Note: v.Note, Notice: v.Body})
			}
			return out, nil
		})
	huma.Register(a.api, huma.Operation{OperationID: "list-notice-findings", Method: http.MethodGet, Path: "/notices/{id}/findings",
		Summary: "The automated checks of a notice", Description: "The owner and reviewers only.", Tags: tags},
		func(ctx context.Context, in *NoticePath) (*FindingsOutput, error) {
			p, err := a.caller(ctx, "read")
			if err != nil {
				return nil, err
			}
			fs, err := ns.Findings(ctx, p, in.ID)
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			out := &FindingsOutput{}
			out.Body.Findings = append([]notice.Finding{}, fs...)
			return out, nil
		})
	huma.Register(a.api, huma.Operation{OperationID: "upload-notice-photo", Method: http.MethodPost, Path: "/notices/{id}/photos",
		Summary: "Add a photo of the notice's person", Description: "A JPEG or PNG image (checked by its bytes and decoded), at most 5 MB. Follows the rules of an update.",
		Tags: tags, DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *PhotoUploadInput) (*PhotoOutput, error) {
			p, err := a.caller(ctx, "write")
			if err != nil {
				return nil, err
			}
			ph, err := ns.SetPhoto(ctx, p, in.ID, in.RawBody)
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			return &PhotoOutput{Body: ph}, nil
		})
	huma.Register(a.api, huma.Operation{OperationID: "get-notice-photo", Method: http.MethodGet, Path: "/notices/{id}/photos/{sha}",
		Summary: "Get a photo of the notice's person", Description: "To those who may read the notice; audited.", Tags: tags},
		func(ctx context.Context, in *PhotoPath) (*ImageOutput, error) {
			p, err := a.caller(ctx, "read")
			if err != nil {
				return nil, err
			}
			ph, err := ns.Photo(ctx, p, in.ID, in.SHA)
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			return &ImageOutput{ContentType: ph.ContentType, CacheControl: "private, no-store", Body: ph.Data}, nil
		})
	a.registerPublicNotices(tags)
}

// public marks an operation as needing no credentials.
var public = []map[string][]string{{}}

// registerPublicNotices registers the public extracts, served without
// credentials.
func (a *API) registerPublicNotices(tags []string) {
	ns := a.d.Notices
	huma.Register(a.api, huma.Operation{OperationID: "search-public-notices", Method: http.MethodGet, Path: "/public/notices",
		Summary: "Search public extracts", Description: "No credentials. Only notices whose owner agreed to a public extract, with only the fields it agreed to.",
		Tags: tags, Security: public},
		func(ctx context.Context, in *PublicSearchInput) (*PublicExtractsOutput, error) {
			xs, err := ns.PublicSearch(ctx, PublicFilter(in.Name, in.Nationality, in.Sex, in.AgeMin, in.AgeMax, time.Now().UTC()))
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			out := &PublicExtractsOutput{}
			out.Body.Notices = append([]notice.PublicExtract{}, xs...)
			return out, nil
		})
	huma.Register(a.api, huma.Operation{OperationID: "get-public-notice", Method: http.MethodGet, Path: "/public/notices/{id}",
		Summary: "Get a public extract", Tags: tags, Security: public},
		func(ctx context.Context, in *NoticePath) (*PublicExtractOutput, error) {
			x, err := ns.PublicGet(ctx, in.ID)
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			return &PublicExtractOutput{Body: x}, nil
		})
	huma.Register(a.api, huma.Operation{OperationID: "get-public-notice-photo", Method: http.MethodGet, Path: "/public/notices/{id}/photo",
		Summary: "Get the photo of a public extract", Description: "Only when the owner agreed to publish it.", Tags: tags, Security: public},
		func(ctx context.Context, in *NoticePath) (*ImageOutput, error) {
			ph, err := ns.PublicPhoto(ctx, in.ID)
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			return &ImageOutput{ContentType: ph.ContentType, CacheControl: "public, max-age=300", Body: ph.Data}, nil
		})
}

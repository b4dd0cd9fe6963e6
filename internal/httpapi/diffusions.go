package httpapi

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/polex-org/polex/internal/diffusion"
	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/member"
	"github.com/polex-org/polex/internal/person"
	"github.com/polex-org/polex/internal/policy"
	"github.com/polex-org/polex/internal/record"
	"github.com/polex-org/polex/internal/reqid"
)

// SendDiffusionInput sends a diffusion.
type SendDiffusionInput struct {
	Body struct {
		Kind           diffusion.Kind          `json:"kind" enum:"wanted,missing,information"`
		Urgency        diffusion.Urgency       `json:"urgency,omitempty" enum:"urgent,routine" doc:"routine when absent"`
		Countries      []string                `json:"countries,omitempty" maxItems:"196" doc:"ISO 3166-1 alpha-2 codes of recipient countries"`
		Regions        []member.Region         `json:"regions,omitempty" maxItems:"5" doc:"regions whose member countries receive it (resolved when sent)"`
		Subject        string                  `json:"subject" maxLength:"200" doc:"a one-line summary"`
		Text           string                  `json:"text" maxLength:"20000" doc:"the request"`
		LegalBasis     string                  `json:"legal_basis,omitempty" maxLength:"2000" doc:"required for wanted: the arrest warrant or judgment"`
		Person         *person.Person          `json:"person,omitempty"`
		Ref            string                  `json:"ref,omitempty" maxLength:"128" doc:"the sender's own reference"`
		Restrictions   policy.Restrictions     `json:"restrictions,omitempty" doc:"deny lists only: a denied country never receives it; the allow list is the recipients"`
		Handling       policy.Handling         `json:"handling,omitempty" enum:"H0,H1,H2,H3"`
		Classification identity.Classification `json:"classification" minimum:"0" maximum:"3" doc:"0 public, 1 official, 2 restricted, 3 confidential"`
		Grading        record.Grading          `json:"grading,omitempty"`
	}
}

// DiffusionOutput is one diffusion.
type DiffusionOutput struct {
	Body diffusion.Diffusion
}

// DiffusionPath names a diffusion.
type DiffusionPath struct {
	ID string `path:"id" maxLength:"64"`
}

// DiffusionPage pages through a list, newest first.
type DiffusionPage struct {
	Before string `query:"before" maxLength:"64" doc:"only diffusions older than this one (the last ID of the previous page)"`
	Limit  int    `query:"limit" minimum:"0" maximum:"1000" doc:"at most this many (default 100)"`
}

// DiffusionsOutput lists diffusions.
type DiffusionsOutput struct {
	Body struct {
		Diffusions []diffusion.Diffusion `json:"diffusions"`
	}
}

// ReceivedOutput lists the diffusions received by the caller's country.
type ReceivedOutput struct {
	Body struct {
		Received []diffusion.Inbound `json:"received" doc:"withdrawn ones carry only their withdrawal notice"`
	}
}

// WithdrawalOutput is a withdrawal notice.
type WithdrawalOutput struct {
	Body diffusion.WithdrawalNotice
}

// CopyOutput is the caller's country's copy.
type CopyOutput struct {
	Body diffusion.Copy
}

// ReviewDiffusionInput is a reviewer's decision.
type ReviewDiffusionInput struct {
	ID   string `path:"id" maxLength:"64"`
	Body struct {
		Decision string `json:"decision" enum:"compliant,non-compliant"`
		Reasons  string `json:"reasons,omitempty" maxLength:"2000" doc:"required when non-compliant; shown to the sender and every recipient"`
	}
}

// WithdrawDiffusionInput withdraws the caller's country's diffusion.
type WithdrawDiffusionInput struct {
	ID   string `path:"id" maxLength:"64"`
	Body struct {
		Reason string `json:"reason" maxLength:"2000" doc:"shown to every recipient"`
	}
}

// ExportDiffusionsInput exports diffusions.
type ExportDiffusionsInput struct {
	Purpose string `query:"purpose" maxLength:"1024" doc:"why; required and recorded"`
}

func (a *API) registerDiffusions() {
	// Registered even without the service, so that the description is
	// complete; the application always provides it.
	svc := a.d.Diffusions
	tags := []string{"Diffusions"}
	huma.Register(a.api, huma.Operation{OperationID: "send-diffusion", Method: http.MethodPost, Path: "/diffusions",
		Summary: "Send a diffusion", Description: "Delivered at once to every recipient country (regions resolved now, the sender and denied countries excluded); reviewed afterwards by the General Secretariat.",
		Tags: tags, DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *SendDiffusionInput) (*DiffusionOutput, error) {
			p, err := a.caller(ctx, "write")
			if err != nil {
				return nil, err
			}
			b := in.Body
			d, err := svc.Send(ctx, p, diffusion.Draft{
				Meta: record.Meta{Ref: b.Ref, Restrictions: b.Restrictions, Handling: b.Handling, Classification: b.Classification, Grading: b.Grading},
				Kind: b.Kind, Urgency: b.Urgency, Countries: b.Countries, Regions: b.Regions,
				Content: diffusion.Content{Subject: b.Subject, Text: b.Text, LegalBasis: b.LegalBasis, Person: b.Person}})
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			return &DiffusionOutput{Body: d}, nil
		})
	huma.Register(a.api, huma.Operation{OperationID: "list-sent-diffusions", Method: http.MethodGet, Path: "/diffusions/sent",
		Summary: "List the diffusions sent by the caller's country", Description: "With each recipient's delivery and acknowledgement.", Tags: tags},
		func(ctx context.Context, in *DiffusionPage) (*DiffusionsOutput, error) {
			p, err := a.caller(ctx, "read")
			if err != nil {
				return nil, err
			}
			ds, err := svc.Sent(ctx, p, in.Before, in.Limit)
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			out := &DiffusionsOutput{}
			out.Body.Diffusions = difList(ds)
			return out, nil
		})
	huma.Register(a.api, huma.Operation{OperationID: "list-received-diffusions", Method: http.MethodGet, Path: "/diffusions/received",
		Summary: "List the diffusions received by the caller's country", Tags: tags},
		func(ctx context.Context, in *DiffusionPage) (*ReceivedOutput, error) {
			p, err := a.caller(ctx, "read")
			if err != nil {
				return nil, err
			}
			rs, err := svc.Received(ctx, p, in.Before, in.Limit)
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			out := &ReceivedOutput{}
			out.Body.Received = difList(rs)
			return out, nil
		})
	huma.Register(a.api, huma.Operation{OperationID: "list-diffusion-review-queue", Method: http.MethodGet, Path: "/diffusions/review-queue",
		Summary: "List the diffusions awaiting the General Secretariat's review", Tags: tags},
		func(ctx context.Context, in *DiffusionPage) (*DiffusionsOutput, error) {
			p, err := a.caller(ctx, "read")
			if err != nil {
				return nil, err
			}
			ds, err := svc.ReviewQueue(ctx, p, in.Before, in.Limit)
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			out := &DiffusionsOutput{}
			out.Body.Diffusions = difList(ds)
			return out, nil
		})
	huma.Register(a.api, huma.Operation{OperationID: "export-diffusions", Method: http.MethodGet, Path: "/diffusions/export",
		Summary: "Export diffusions as JSON Lines", Description: "One diffusion per line: those the caller's country sent or received, all for the oversight body. The purpose is required and recorded.",
		Tags: tags, Responses: map[string]*huma.Response{"200": {Description: "One JSON diffusion per line.",
			Content: map[string]*huma.MediaType{"application/jsonl": {Schema: &huma.Schema{Type: "string"}}}}}},
		func(ctx context.Context, in *ExportDiffusionsInput) (*huma.StreamResponse, error) {
			p, err := a.caller(ctx, "read")
			if err != nil {
				return nil, err
			}
			seq, err := svc.Export(ctx, p, in.Purpose)
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			return &huma.StreamResponse{Body: func(hc huma.Context) {
				hc.SetHeader("Content-Type", "application/jsonl")
				hc.SetStatus(http.StatusOK)
				enc := json.NewEncoder(hc.BodyWriter())
				for d, err := range seq {
					if err != nil {
						// The status is sent; end with a line that says the export is incomplete.
						a.log.Error("httpapi: diffusion export", "err", err.Error(), "request_id", reqid.From(ctx))
						_ = enc.Encode(map[string]string{"error": "export interrupted; it is incomplete", "request_id": reqid.From(ctx)})
						return
					}
					if enc.Encode(d) != nil {
						return
					}
				}
			}}, nil
		})
	huma.Register(a.api, huma.Operation{OperationID: "get-diffusion", Method: http.MethodGet, Path: "/diffusions/{id}",
		Summary: "Get a diffusion", Description: "For its sender's country, its recipients (their own copy only), reviewers and the oversight body; not found for anyone else, and for recipients once it is withdrawn.", Tags: tags},
		func(ctx context.Context, in *DiffusionPath) (*DiffusionOutput, error) {
			p, err := a.caller(ctx, "read")
			if err != nil {
				return nil, err
			}
			d, err := svc.Get(ctx, p, in.ID)
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			return &DiffusionOutput{Body: d}, nil
		})
	huma.Register(a.api, huma.Operation{OperationID: "get-diffusion-withdrawal", Method: http.MethodGet, Path: "/diffusions/{id}/withdrawal",
		Summary: "Get the withdrawal notice of a withdrawn diffusion", Tags: tags},
		func(ctx context.Context, in *DiffusionPath) (*WithdrawalOutput, error) {
			p, err := a.caller(ctx, "read")
			if err != nil {
				return nil, err
			}
			n, err := svc.Withdrawal(ctx, p, in.ID)
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			return &WithdrawalOutput{Body: n}, nil
		})
	huma.Register(a.api, huma.Operation{OperationID: "acknowledge-diffusion", Method: http.MethodPost, Path: "/diffusions/{id}/acknowledge",
		Summary: "Acknowledge a received diffusion", Description: "Marks the caller's country's copy acknowledged and tells the sender.", Tags: tags},
		func(ctx context.Context, in *DiffusionPath) (*CopyOutput, error) {
			p, err := a.caller(ctx, "write")
			if err != nil {
				return nil, err
			}
			c, err := svc.Acknowledge(ctx, p, in.ID)
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			return &CopyOutput{Body: c}, nil
		})
	huma.Register(a.api, huma.Operation{OperationID: "review-diffusion", Method: http.MethodPost, Path: "/diffusions/{id}/review",
		Summary: "Record the General Secretariat's review of a diffusion", Description: "A non-compliant diffusion is withdrawn at once: every recipient's copy is purged and replaced by a withdrawal notice.", Tags: tags},
		func(ctx context.Context, in *ReviewDiffusionInput) (*DiffusionOutput, error) {
			p, err := a.caller(ctx, "write")
			if err != nil {
				return nil, err
			}
			d, err := svc.Review(ctx, p, in.ID, diffusion.Decision{Compliant: in.Body.Decision == "compliant", Reasons: in.Body.Reasons})
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			return &DiffusionOutput{Body: d}, nil
		})
	huma.Register(a.api, huma.Operation{OperationID: "withdraw-diffusion", Method: http.MethodPost, Path: "/diffusions/{id}/withdraw",
		Summary: "Withdraw a diffusion the caller's country sent", Description: "Every recipient's copy is purged and replaced by a withdrawal notice. Webhook deliveries already made cannot be recalled.", Tags: tags},
		func(ctx context.Context, in *WithdrawDiffusionInput) (*DiffusionOutput, error) {
			p, err := a.caller(ctx, "write")
			if err != nil {
				return nil, err
			}
			d, err := svc.Withdraw(ctx, p, in.ID, in.Body.Reason)
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			return &DiffusionOutput{Body: d}, nil
		})
}

// difList returns s, or an empty slice for nil, so that lists encode as [].
func difList[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

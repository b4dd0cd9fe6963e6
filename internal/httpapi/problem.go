package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/reqid"
)

// Problem is an RFC 9457 problem details body, with Polex's stable error
// code. It is the only error body the API writes.
type Problem struct {
	Type      string              `json:"type" doc:"A URI reference naming the problem type: urn:polex:problem:CODE."`
	Title     string              `json:"title" doc:"A short summary of the problem type."`
	Status    int                 `json:"status" doc:"The HTTP status code."`
	Detail    string              `json:"detail,omitempty" doc:"What went wrong in this occurrence."`
	Instance  string              `json:"instance,omitempty" doc:"The request path."`
	Code      string              `json:"code" doc:"Stable machine-readable error code." enum:"invalid,not_found,permission,conflict,unavailable,internal,unauthenticated,too_many,bad_request,unsupported_media_type,payload_too_large,method_not_allowed"`
	Field     string              `json:"field,omitempty" doc:"The input field at fault, for invalid input."`
	RequestID string              `json:"request_id,omitempty" doc:"The request's ID, also in the X-Request-ID header."`
	Errors    []*huma.ErrorDetail `json:"errors,omitempty" doc:"Individual validation errors."`
}

// Error returns the detail.
func (p *Problem) Error() string { return p.Detail }

// GetStatus returns the HTTP status.
func (p *Problem) GetStatus() int { return p.Status }

// ContentType makes JSON bodies application/problem+json.
func (p *Problem) ContentType(ct string) string {
	if ct == "application/json" {
		return "application/problem+json"
	}
	return ct
}

// statusOf maps an error kind to its HTTP status. Private is answered exactly
// like NotFound, so a caller cannot tell the two apart.
func statusOf(k errs.Kind) (int, string) {
	switch k {
	case errs.Invalid:
		return http.StatusUnprocessableEntity, "invalid"
	case errs.NotFound, errs.Private:
		return http.StatusNotFound, "not_found"
	case errs.Permission:
		return http.StatusForbidden, "permission"
	case errs.Conflict:
		return http.StatusConflict, "conflict"
	case errs.Unavailable:
		return http.StatusServiceUnavailable, "unavailable"
	case errs.Unauthenticated:
		return http.StatusUnauthorized, "unauthenticated"
	case errs.TooMany:
		return http.StatusTooManyRequests, "too_many"
	}
	return http.StatusInternalServerError, "internal"
}

// codeOfStatus gives a stable code to errors raised by the framework itself
// (request validation, unknown routes).
func codeOfStatus(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "bad_request"
	case http.StatusUnprocessableEntity:
		return "invalid"
	case http.StatusNotFound:
		return "not_found"
	case http.StatusUnauthorized:
		return "unauthenticated"
	case http.StatusForbidden:
		return "permission"
	case http.StatusConflict:
		return "conflict"
	case http.StatusUnsupportedMediaType:
		return "unsupported_media_type"
	case http.StatusRequestEntityTooLarge:
		return "payload_too_large"
	case http.StatusMethodNotAllowed:
		return "method_not_allowed"
	case http.StatusTooManyRequests:
		return "too_many"
	case http.StatusServiceUnavailable:
		return "unavailable"
	}
	if status >= 500 {
		return "internal"
	}
	return "bad_request"
}

// newProblem builds a Problem for a status raised by the framework.
func newProblem(status int, msg string, details ...error) *Problem {
	p := &Problem{Status: status, Title: http.StatusText(status), Detail: msg, Code: codeOfStatus(status)}
	p.Type = "urn:polex:problem:" + p.Code
	for _, d := range details {
		if d == nil {
			continue
		}
		if ed, ok := d.(huma.ErrorDetailer); ok {
			det := ed.ErrorDetail()
			p.Errors = append(p.Errors, det)
			if p.Field == "" {
				p.Field = strings.TrimPrefix(strings.TrimPrefix(det.Location, "body."), "query.")
			}
		} else {
			p.Errors = append(p.Errors, &huma.ErrorDetail{Message: d.Error()})
		}
	}
	if len(p.Errors) == 1 && p.Errors[0].Message != "" {
		p.Detail = msg + ": " + p.Errors[0].Message
	}
	return p
}

// problemOf turns a service error into a Problem, logging internal ones.
// Users never see internal error text.
func (a *API) problemOf(ctx context.Context, err error) *Problem {
	k := errs.KindOf(err)
	status, code := statusOf(k)
	p := &Problem{Type: "urn:polex:problem:" + code, Title: http.StatusText(status), Status: status,
		Detail: errs.Message(err), Code: code, RequestID: reqid.From(ctx)}
	switch k {
	case errs.Invalid:
		p.Field = errs.FieldOf(err)
	case errs.NotFound, errs.Private:
		// One answer for both, so that nothing tells them apart.
		p.Detail = "not found"
	case errs.Internal, errs.Other:
		p.Detail = "internal error; quote the request ID when reporting it"
	}
	if status >= 500 {
		a.log.ErrorContext(ctx, "request failed", slog.String("err", err.Error()), slog.String("request_id", p.RequestID))
	}
	return p
}

package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/notify"
	"github.com/polex-org/polex/internal/notify/sse"
)

// InboxQuery selects inbox events.
type InboxQuery struct {
	Since  int64 `query:"since" minimum:"0" doc:"Events after this seq, oldest first; without it, newest first"`
	Before int64 `query:"before" minimum:"0" doc:"Newest-first pages: events before this seq (the previous page's next)"`
	Limit  int   `query:"limit" minimum:"0" maximum:"500" doc:"At most this many (default 100)"`
}

// InboxOutput is a page of the caller's organisation's inbox.
type InboxOutput struct {
	Body notify.Page
}

// UnreadOutput is the number of unread events.
type UnreadOutput struct {
	Body struct {
		Unread int `json:"unread"`
	}
}

// EventPath names an event.
type EventPath struct {
	ID string `path:"id" maxLength:"64"`
}

// MarkedOutput says how many events were marked read.
type MarkedOutput struct {
	Body struct {
		Marked int `json:"marked"`
	}
}

// StreamInput resumes a stream.
type StreamInput struct {
	LastEventID string `header:"Last-Event-ID" maxLength:"20" doc:"The seq of the last event received; the stream replays what followed"`
	Since       string `query:"since" maxLength:"20" doc:"Same as Last-Event-ID, for clients that cannot set headers"`
}

// WebhookInput registers a webhook.
type WebhookInput struct {
	Body struct {
		Org   string   `json:"org,omitempty" maxLength:"64" doc:"The organisation; the caller's when absent"`
		URL   string   `json:"url" maxLength:"2048" example:"https://ncb.example/polex/events"`
		Types []string `json:"types,omitempty" maxItems:"32" doc:"Event types to deliver; all when absent"`
	}
}

// CreatedWebhookOutput is a new webhook with its signing secret.
type CreatedWebhookOutput struct {
	Body struct {
		Webhook notify.Webhook `json:"webhook"`
		Secret  string         `json:"secret" doc:"HMAC-SHA256 key of the Polex-Signature header; shown this once"`
	}
}

// WebhooksQuery names an organisation.
type WebhooksQuery struct {
	Org string `query:"org" maxLength:"64" doc:"The organisation; the caller's when absent"`
}

// WebhooksOutput lists webhooks.
type WebhooksOutput struct {
	Body struct {
		Webhooks []notify.Webhook `json:"webhooks"`
	}
}

// DeliveriesInput names a webhook's delivery log.
type DeliveriesInput struct {
	ID    string `path:"id" maxLength:"64"`
	Limit int    `query:"limit" minimum:"0" maximum:"500" doc:"At most this many (default 100)"`
}

// DeliveriesOutput is a delivery log, newest first.
type DeliveriesOutput struct {
	Body struct {
		Deliveries []notify.Delivery `json:"deliveries"`
	}
}

// registerInbox registers the operations on inbox.
func (a *API) registerInbox() {
	tags := []string{"Inbox"}
	huma.Register(a.api, huma.Operation{OperationID: "list-inbox", Method: http.MethodGet, Path: "/inbox",
		Summary: "Read your organisation's inbox", Description: "Newest first, or oldest first after since. The read is audited.", Tags: tags},
		func(ctx context.Context, in *InboxQuery) (*InboxOutput, error) {
			p, err := a.caller(ctx, "read")
			if err != nil {
				return nil, err
			}
			pg, err := a.d.Notify.Inbox(ctx, p, notify.Query{Since: in.Since, Before: in.Before, Limit: in.Limit})
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			return &InboxOutput{Body: pg}, nil
		})
	huma.Register(a.api, huma.Operation{OperationID: "count-unread", Method: http.MethodGet, Path: "/inbox/unread",
		Summary: "Count your organisation's unread events", Tags: tags},
		func(ctx context.Context, _ *struct{}) (*UnreadOutput, error) {
			p, err := a.caller(ctx, "read")
			if err != nil {
				return nil, err
			}
			n, err := a.d.Notify.Unread(ctx, p)
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			out := &UnreadOutput{}
			out.Body.Unread = n
			return out, nil
		})
	huma.Register(a.api, huma.Operation{OperationID: "mark-event-read", Method: http.MethodPost, Path: "/inbox/{id}/read",
		Summary: "Mark an event read", Description: "An event of another organisation is not found.", Tags: tags, DefaultStatus: http.StatusNoContent},
		func(ctx context.Context, in *EventPath) (*struct{}, error) {
			p, err := a.caller(ctx, "read")
			if err != nil {
				return nil, err
			}
			if err := a.d.Notify.MarkRead(ctx, p, in.ID); err != nil {
				return nil, a.fail(ctx, err)
			}
			return nil, nil
		})
	huma.Register(a.api, huma.Operation{OperationID: "mark-inbox-read", Method: http.MethodPost, Path: "/inbox/read",
		Summary: "Mark every event of the inbox read", Tags: tags},
		func(ctx context.Context, _ *struct{}) (*MarkedOutput, error) {
			p, err := a.caller(ctx, "read")
			if err != nil {
				return nil, err
			}
			n, err := a.d.Notify.MarkAllRead(ctx, p)
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			out := &MarkedOutput{}
			out.Body.Marked = n
			return out, nil
		})
	huma.Register(a.api, huma.Operation{OperationID: "stream-inbox", Method: http.MethodGet, Path: "/inbox/stream",
		Summary: "Stream your organisation's events live (Server-Sent Events)",
		Description: "text/event-stream: each event's id is its seq and its data the event as JSON. Reconnect with " +
			"Last-Event-ID (or since) to replay what you missed, without loss or duplicates. Comment lines are heartbeats.",
		Tags: tags,
		Responses: map[string]*huma.Response{"200": {Description: "An endless stream of events",
			Content: map[string]*huma.MediaType{"text/event-stream": {Schema: &huma.Schema{Type: "string"}}}}}},
		func(ctx context.Context, in *StreamInput) (*huma.StreamResponse, error) {
			p, err := a.caller(ctx, "read")
			if err != nil {
				return nil, err
			}
			last := in.LastEventID
			if last == "" {
				last = in.Since
			}
			after, ok := notify.ParseLastEventID(last)
			if !ok {
				return nil, a.fail(ctx, errs.Invalidf("httpapi.stream", "last_event_id", "Last-Event-ID must be the seq of an event"))
			}
			return &huma.StreamResponse{Body: func(hctx huma.Context) {
				r, w := humago.Unwrap(hctx)
				started, err := sse.Serve(w, func(emit func(notify.Event) error, beat func() error) error {
					return a.d.Notify.Stream(ctx, p, after, emit, beat)
				})
				if err != nil && !started {
					writeProblem(w, r, a.problemOf(ctx, err))
				}
			}}, nil
		})
	a.registerWebhooks()
}

func (a *API) registerWebhooks() {
	tags := []string{"Webhooks"}
	huma.Register(a.api, huma.Operation{OperationID: "create-webhook", Method: http.MethodPost, Path: "/webhooks",
		Summary: "Register a webhook", Description: "NCB administrators for their country's organisations, General Secretariat system " +
			"administrators for the Secretariat's. Every event of the organisation is POSTed as JSON with the headers " +
			"Polex-Event-Id, Polex-Event-Type and Polex-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, t + \".\" + body)>; " +
			"failures are retried with exponential backoff.", Tags: tags, DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *WebhookInput) (*CreatedWebhookOutput, error) {
			p, err := a.caller(ctx, "admin")
			if err != nil {
				return nil, err
			}
			w, err := a.d.Notify.CreateWebhook(ctx, p, notify.NewWebhook{Org: in.Body.Org, URL: in.Body.URL, Types: in.Body.Types})
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			out := &CreatedWebhookOutput{}
			out.Body.Webhook, out.Body.Secret = w, w.Secret
			return out, nil
		})
	huma.Register(a.api, huma.Operation{OperationID: "list-webhooks", Method: http.MethodGet, Path: "/webhooks",
		Summary: "List an organisation's webhooks", Tags: tags},
		func(ctx context.Context, in *WebhooksQuery) (*WebhooksOutput, error) {
			p, err := a.caller(ctx, "admin")
			if err != nil {
				return nil, err
			}
			ws, err := a.d.Notify.Webhooks(ctx, p, in.Org)
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			out := &WebhooksOutput{}
			out.Body.Webhooks = ws
			if ws == nil {
				out.Body.Webhooks = []notify.Webhook{}
			}
			return out, nil
		})
	huma.Register(a.api, huma.Operation{OperationID: "delete-webhook", Method: http.MethodDelete, Path: "/webhooks/{id}",
		Summary: "Delete a webhook", Description: "Its pending deliveries are dropped.", Tags: tags, DefaultStatus: http.StatusNoContent},
		func(ctx context.Context, in *EventPath) (*struct{}, error) {
			p, err := a.caller(ctx, "admin")
			if err != nil {
				return nil, err
			}
			if err := a.d.Notify.DeleteWebhook(ctx, p, in.ID); err != nil {
				return nil, a.fail(ctx, err)
			}
			return nil, nil
		})
	huma.Register(a.api, huma.Operation{OperationID: "list-webhook-deliveries", Method: http.MethodGet, Path: "/webhooks/{id}/deliveries",
		Summary: "Read a webhook's delivery log", Description: "Every attempt: status code, error, duration. Newest first.", Tags: tags},
		func(ctx context.Context, in *DeliveriesInput) (*DeliveriesOutput, error) {
			p, err := a.caller(ctx, "admin")
			if err != nil {
				return nil, err
			}
			ds, err := a.d.Notify.Deliveries(ctx, p, in.ID, in.Limit)
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			out := &DeliveriesOutput{}
			out.Body.Deliveries = ds
			if ds == nil {
				out.Body.Deliveries = []notify.Delivery{}
			}
			return out, nil
		})
}

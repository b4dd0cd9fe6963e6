package web

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/notify"
	"github.com/polex-org/polex/internal/notify/sse"
)

// inboxData is the content of the inbox page.
type inboxData struct {
	Events   []inboxRow
	Unread   int
	Last     int64 // the highest seq shown: the live stream resumes after it
	Admin    bool  // the reader administers the organisation's webhooks
	Webhooks []webhookRow
	Types    []typeChoice
	TypeJSON string // type → translated name, for the live script
	Secret   string // a new webhook's secret, shown once
	URL      string // the URL typed, kept after an error
	Error    string
}

type inboxRow struct {
	notify.Event
	Unread   bool
	When     string
	TypeText string // translated
}

type webhookRow struct {
	notify.Webhook
	TypeTexts  []string // translated
	Deliveries []deliveryRow
}

type deliveryRow struct {
	notify.Delivery
	OutcomeText string // translated
}

type typeChoice struct{ Type, Text string }

// eventTypeKey returns the catalogue key naming event type typ.
func eventTypeKey(typ string) string {
	key := map[string]string{
		notify.NoticeSubmitted:    "inbox.type.notice.submitted",
		notify.NoticePublished:    "inbox.type.notice.published",
		notify.NoticeRefused:      "inbox.type.notice.refused",
		notify.NoticeCancelled:    "inbox.type.notice.cancelled",
		notify.NoticeExpired:      "inbox.type.notice.expired",
		notify.NoticeReminder:     "inbox.type.notice.reminder",
		notify.DiffusionReceived:  "inbox.type.diffusion.received",
		notify.DiffusionWithdrawn: "inbox.type.diffusion.withdrawn",
		notify.DiffusionAcked:     "inbox.type.diffusion.acknowledged",
		notify.RecordExpired:      "inbox.type.record.expired",
		notify.RecordReminder:     "inbox.type.record.reminder",
	}[typ]
	return key
}

// typeText returns the name of event type typ in lang, or typ itself for
// a type this version does not know.
func (s *Server) typeText(lang, typ string) string {
	if k := eventTypeKey(typ); k != "" {
		return s.cat.T(lang, k)
	}
	return typ
}

// outcomeText returns the name of a delivery outcome in lang.
func (s *Server) outcomeText(lang, outcome string) string {
	switch outcome {
	case notify.DeliveryOK:
		return s.cat.T(lang, "inbox.outcome.ok")
	case notify.DeliveryRetry:
		return s.cat.T(lang, "inbox.outcome.retry")
	}
	return s.cat.T(lang, "inbox.outcome.failed")
}

// inboxRoutes are the inbox pages.
func (s *Server) inboxRoutes() []route {
	off := s.d.Notify == nil
	return []route{
		{pattern: "GET /inbox", auth: true, off: off, h: s.inbox},
		{pattern: "GET /inbox/stream", auth: true, off: off, h: s.inboxStream},
		{pattern: "POST /inbox/read", auth: true, off: off, h: s.inboxMarkAll},
		{pattern: "POST /inbox/{id}/read", auth: true, off: off, h: s.inboxMark},
		{pattern: "POST /inbox/webhooks", auth: true, off: off, h: s.webhookCreate},
		{pattern: "POST /inbox/webhooks/{id}/delete", auth: true, off: off, h: s.webhookDelete},
	}
}

// inbox shows the organisation's newest events, and to its administrators
// the webhooks with their latest deliveries.
func (s *Server) inbox(w http.ResponseWriter, r *http.Request, rq *request) error {
	return s.renderInbox(w, r, rq, http.StatusOK, inboxData{})
}

func (s *Server) renderInbox(w http.ResponseWriter, r *http.Request, rq *request, status int, d inboxData) error {
	ctx := r.Context()
	pg, err := s.d.Notify.Inbox(ctx, *rq.p, notify.Query{Limit: 100})
	if err != nil {
		return err
	}
	d.Unread = pg.Unread
	for _, e := range pg.Events {
		d.Events = append(d.Events, inboxRow{Event: e, Unread: e.ReadAt.IsZero(), When: e.Time.Format(time.DateTime) + " UTC",
			TypeText: s.typeText(rq.lang, e.Type)})
		d.Last = max(d.Last, e.Seq)
	}
	names := map[string]string{}
	for _, typ := range notify.Types() {
		names[typ] = s.typeText(rq.lang, typ)
		d.Types = append(d.Types, typeChoice{Type: typ, Text: names[typ]})
	}
	if b, err := json.Marshal(names); err == nil {
		d.TypeJSON = string(b)
	}
	if d.Admin = s.d.Notify.CanAdminister(ctx, *rq.p); d.Admin {
		ws, err := s.d.Notify.Webhooks(ctx, *rq.p, "")
		if err != nil {
			return err
		}
		for _, wh := range ws {
			ds, err := s.d.Notify.Deliveries(ctx, *rq.p, wh.ID, 10)
			if err != nil {
				return err
			}
			row := webhookRow{Webhook: wh}
			for _, typ := range wh.Types {
				row.TypeTexts = append(row.TypeTexts, s.typeText(rq.lang, typ))
			}
			for _, dl := range ds {
				row.Deliveries = append(row.Deliveries, deliveryRow{Delivery: dl, OutcomeText: s.outcomeText(rq.lang, dl.Outcome)})
			}
			d.Webhooks = append(d.Webhooks, row)
		}
	}
	v := s.newView(r, rq, "inbox.title", d)
	v.Path = "/inbox"
	return s.render(w, status, "inbox", v)
}

// inboxMark marks one event read.
func (s *Server) inboxMark(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := s.d.Notify.MarkRead(r.Context(), *rq.p, r.PathValue("id")); err != nil {
		return err
	}
	http.Redirect(w, r, "/inbox", http.StatusSeeOther)
	return nil
}

// inboxMarkAll marks every event read.
func (s *Server) inboxMarkAll(w http.ResponseWriter, r *http.Request, rq *request) error {
	if _, err := s.d.Notify.MarkAllRead(r.Context(), *rq.p); err != nil {
		return err
	}
	http.Redirect(w, r, "/inbox", http.StatusSeeOther)
	return nil
}

// webhookCreate registers a webhook and shows its secret once.
func (s *Server) webhookCreate(w http.ResponseWriter, r *http.Request, rq *request) error {
	url := strings.TrimSpace(r.PostFormValue("url"))
	wh, err := s.d.Notify.CreateWebhook(r.Context(), *rq.p, notify.NewWebhook{URL: url, Types: r.PostForm["types"]})
	if errs.Is(errs.Invalid, err) {
		msg := s.errText(rq.lang, err)
		if errs.FieldOf(err) == "url" {
			msg = s.cat.T(rq.lang, "inbox.webhook.err_url")
		}
		return s.renderInbox(w, r, rq, http.StatusBadRequest, inboxData{Error: msg, URL: url})
	}
	if err != nil {
		return err
	}
	return s.renderInbox(w, r, rq, http.StatusOK, inboxData{Secret: wh.Secret})
}

// webhookDelete removes a webhook.
func (s *Server) webhookDelete(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := s.d.Notify.DeleteWebhook(r.Context(), *rq.p, r.PathValue("id")); err != nil {
		return err
	}
	http.Redirect(w, r, "/inbox", http.StatusSeeOther)
	return nil
}

// inboxStream is the live stream of the signed-in user's organisation for
// the inbox page's script (EventSource, which sends the session cookie and
// Last-Event-ID when it reconnects).
func (s *Server) inboxStream(w http.ResponseWriter, r *http.Request, rq *request) error {
	last := r.Header.Get("Last-Event-ID")
	if last == "" {
		last = r.URL.Query().Get("since")
	}
	after, ok := notify.ParseLastEventID(last)
	if !ok {
		return errs.Invalidf("web.inboxStream", "since", "since must be the seq of an event")
	}
	started, err := sse.Serve(w, func(emit func(notify.Event) error, beat func() error) error {
		return s.d.Notify.Stream(r.Context(), *rq.p, after, emit, beat)
	})
	if !started {
		return err
	}
	return nil
}

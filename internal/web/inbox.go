package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/notify"
)

// inboxData is the content of the inbox page.
type inboxData struct {
	Events   []inboxRow
	Unread   int
	Last     int64 // the highest seq shown: the live stream resumes after it
	Admin    bool  // the reader administers the organisation's webhooks
	Webhooks []webhookRow
	Types    []string
	Secret   string // a new webhook's secret, shown once
	URL      string // the URL typed, kept after an error
	Error    string
}

type inboxRow struct {
	notify.Event
	Unread bool
	When   string
}

type webhookRow struct {
	notify.Webhook
	Deliveries []notify.Delivery
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
		d.Events = append(d.Events, inboxRow{Event: e, Unread: e.ReadAt.IsZero(), When: e.Time.Format(time.DateTime) + " UTC"})
		d.Last = max(d.Last, e.Seq)
	}
	if d.Admin = s.d.Notify.CanAdminister(ctx, *rq.p); d.Admin {
		d.Types = notify.Types()
		ws, err := s.d.Notify.Webhooks(ctx, *rq.p, "")
		if err != nil {
			return err
		}
		for _, wh := range ws {
			ds, err := s.d.Notify.Deliveries(ctx, *rq.p, wh.ID, 10)
			if err != nil {
				return err
			}
			d.Webhooks = append(d.Webhooks, webhookRow{Webhook: wh, Deliveries: ds})
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
	rc := http.NewResponseController(w)
	started := false
	start := func() {
		if !started {
			started = true
			w.Header().Set("Content-Type", "text/event-stream")
			w.Header().Set("Cache-Control", "no-store")
			w.WriteHeader(http.StatusOK)
		}
	}
	err := s.d.Notify.Stream(r.Context(), *rq.p, after, func(e notify.Event) error {
		start()
		if err := notify.WriteSSE(w, e); err != nil {
			return err
		}
		return rc.Flush()
	}, func() error {
		start()
		_ = rc.SetWriteDeadline(time.Now().Add(time.Minute))
		if err := notify.WriteSSEHeartbeat(w); err != nil {
			return err
		}
		return rc.Flush()
	})
	if !started {
		return err
	}
	return nil
}

package notify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"time"

	"github.com/polex-org/polex/internal/audit"
	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/member"
	"github.com/polex-org/polex/internal/policy"
	"github.com/polex-org/polex/internal/record"
	"github.com/polex-org/polex/internal/reqid"
)

// Store keeps inboxes, webhooks and the delivery log. Methods return an
// errs.NotFound error for a missing item.
type Store interface {
	Source
	// Inbox returns org's events newest first, with seq < before when
	// before > 0, at most limit.
	Inbox(ctx context.Context, org string, before int64, limit int) ([]Event, error)
	// Event returns the event with id.
	Event(ctx context.Context, id string) (Event, error)
	// Unread counts org's unread events.
	Unread(ctx context.Context, org string) (int, error)
	// MarkRead marks org's event id read at t (NotFound when org has no
	// such event); MarkAllRead marks every unread event of org.
	MarkRead(ctx context.Context, org, id string, t time.Time) error
	MarkAllRead(ctx context.Context, org string, t time.Time) (int, error)

	CreateWebhook(ctx context.Context, w Webhook) error
	Webhook(ctx context.Context, id string) (Webhook, error)
	Webhooks(ctx context.Context, org string) ([]Webhook, error)
	DeleteWebhook(ctx context.Context, org, id string) error
	AddDelivery(ctx context.Context, d Delivery) error
	// Deliveries returns the delivery log of org's webhook (of every
	// webhook of org when webhook is ""), newest first, at most limit.
	Deliveries(ctx context.Context, org, webhook string, limit int) ([]Delivery, error)
}

// Orgs finds organisations (member.Store has this method).
type Orgs interface {
	Org(ctx context.Context, id string) (member.Org, error)
}

// Options tune the service; zero fields take the defaults of
// DefaultOptions. Set them before the process serves.
type Options struct {
	AllowLoopbackHTTP bool          // accept http:// webhook URLs to loopback addresses (tests, demonstrations)
	Heartbeat         time.Duration // SSE comment sent after this much silence
	LivePoll          time.Duration // how often the live hub reads the events table without a wake-up
	Poll              time.Duration // how often the webhook dispatcher and workers look for work without a wake-up
	GapWait           time.Duration // how long the hub waits for an out-of-order commit
	MaxAttempts       int           // webhook delivery attempts before it is marked failed
	RetryBase         time.Duration // first retry delay; doubled at every attempt, with jitter
	RetryMax          time.Duration // longest retry delay
	Timeout           time.Duration // one webhook request
	RetentionEvery    time.Duration // the retention job's period
	RetentionLease    time.Duration // how long a process holds the retention lease without renewing it
}

// DefaultOptions are the production settings.
func DefaultOptions() Options {
	return Options{Heartbeat: 15 * time.Second, LivePoll: 10 * time.Millisecond, Poll: 100 * time.Millisecond, GapWait: 500 * time.Millisecond,
		MaxAttempts: 8, RetryBase: 10 * time.Second, RetryMax: time.Hour, Timeout: 10 * time.Second,
		RetentionEvery: time.Hour, RetentionLease: 30 * time.Minute}
}

// Service reads inboxes, streams events live and manages webhooks. The
// webhook deliveries themselves are background jobs (package
// notify/jobs).
type Service struct {
	store Store
	orgs  Orgs
	audit record.Auditor
	log   *slog.Logger
	hub   *Hub
	// Opts are the service's settings; set them before serving.
	Opts Options
}

// New returns the service over store. opts' zero fields take defaults.
func New(store Store, orgs Orgs, auditor record.Auditor, log *slog.Logger, opts Options) *Service {
	d := DefaultOptions()
	opts.Heartbeat = or(opts.Heartbeat, d.Heartbeat)
	opts.Poll = or(opts.Poll, d.Poll)
	opts.LivePoll = or(opts.LivePoll, d.LivePoll)
	opts.GapWait = or(opts.GapWait, d.GapWait)
	opts.MaxAttempts = or(opts.MaxAttempts, d.MaxAttempts)
	opts.RetryBase = or(opts.RetryBase, d.RetryBase)
	opts.RetryMax = or(opts.RetryMax, d.RetryMax)
	opts.Timeout = or(opts.Timeout, d.Timeout)
	opts.RetentionEvery = or(opts.RetentionEvery, d.RetentionEvery)
	opts.RetentionLease = or(opts.RetentionLease, d.RetentionLease)
	s := &Service{store: store, orgs: orgs, audit: auditor, log: log, Opts: opts}
	s.hub = NewHub(store, log)
	return s
}

func or[T comparable](v, d T) T {
	var zero T
	if v == zero {
		return d
	}
	return v
}

// Hub returns the service's live hub; the serving process runs it.
func (s *Service) Hub() *Hub { return s.hub }

// Store returns the service's store, for the background jobs.
func (s *Service) Store() Store { return s.store }

// MaxPage is the largest inbox page.
const MaxPage = 500

// Page is a page of an inbox.
type Page struct {
	Events []Event `json:"events"`
	Unread int     `json:"unread" doc:"unread events in the whole inbox"`
	Next   int64   `json:"next,omitempty" doc:"with newest-first pages: pass as before for the next page"`
}

// Query selects inbox events: after Since in seq order when Since > 0,
// otherwise newest first below Before (all when 0).
type Query struct {
	Since  int64
	Before int64
	Limit  int
}

// Inbox returns a page of the inbox of p's organisation; the read is
// audited (inbox.read). Users read only their own organisation's inbox.
func (s *Service) Inbox(ctx context.Context, p identity.Principal, q Query) (Page, error) {
	const op = "notify.Inbox"
	if q.Since < 0 || q.Before < 0 {
		return Page{}, errs.Invalidf(op, "since", "since and before must not be negative")
	}
	if q.Limit <= 0 || q.Limit > MaxPage {
		q.Limit = 100
	}
	org := p.User.Org
	if err := s.record(ctx, p, "inbox.read", "inbox:"+org, fmt.Sprintf("since=%d before=%d limit=%d", q.Since, q.Before, q.Limit)); err != nil {
		return Page{}, errs.E(op, err)
	}
	var pg Page
	var err error
	if q.Since > 0 {
		pg.Events, err = s.store.EventsAfter(ctx, org, q.Since, q.Limit)
	} else {
		pg.Events, err = s.store.Inbox(ctx, org, q.Before, q.Limit)
		if err == nil && len(pg.Events) == q.Limit {
			pg.Next = pg.Events[len(pg.Events)-1].Seq
		}
	}
	if err != nil {
		return Page{}, errs.E(op, err)
	}
	if pg.Events == nil {
		pg.Events = []Event{}
	}
	if pg.Unread, err = s.store.Unread(ctx, org); err != nil {
		return Page{}, errs.E(op, err)
	}
	return pg, nil
}

// Unread counts the unread events of p's organisation, without auditing:
// a count says nothing about any record.
func (s *Service) Unread(ctx context.Context, p identity.Principal) (int, error) {
	return s.store.Unread(ctx, p.User.Org)
}

// MarkRead marks event id of p's organisation read; an event of another
// organisation is "not found" (errs.NotFound).
func (s *Service) MarkRead(ctx context.Context, p identity.Principal, id string) error {
	const op = "notify.MarkRead"
	if err := s.store.MarkRead(ctx, p.User.Org, id, time.Now().UTC()); err != nil {
		return errs.E(op, err)
	}
	return s.record(ctx, p, "inbox.mark", "event:"+id, "")
}

// MarkAllRead marks every unread event of p's organisation read and
// returns how many.
func (s *Service) MarkAllRead(ctx context.Context, p identity.Principal) (int, error) {
	const op = "notify.MarkAllRead"
	n, err := s.store.MarkAllRead(ctx, p.User.Org, time.Now().UTC())
	if err != nil {
		return 0, errs.E(op, err)
	}
	return n, s.record(ctx, p, "inbox.mark", "inbox:"+p.User.Org, fmt.Sprintf("all (%d)", n))
}

// record writes an allowed audit entry of p.
func (s *Service) record(ctx context.Context, p identity.Principal, action, target, detail string) error {
	_, err := s.audit.Append(ctx, audit.Entry{Time: time.Now().UTC(), Actor: p.User.ID, ActorOrg: p.User.Org, Action: action,
		Target: target, RequestID: reqid.From(ctx), Outcome: audit.OutcomeAllow, Detail: detail})
	return err
}

// Stream sends the events of p's organisation with seq > after to emit, in
// seq order — the stored ones first, then each new one as it is committed
// by any process — without duplicates, until ctx ends, the server shuts
// down or the client falls too far behind (it then reconnects with the
// last seq it got). heartbeat is called after Opts.Heartbeat of silence.
// The opening of the stream is audited (inbox.read). It returns an
// errs.Unavailable error when live events are not served, and emit's or
// heartbeat's error (the client went away).
func (s *Service) Stream(ctx context.Context, p identity.Principal, after int64, emit func(Event) error, heartbeat func() error) error {
	const op = "notify.Stream"
	if after < 0 {
		return errs.Invalidf(op, "last_event_id", "the last event ID must be a seq, 0 or more")
	}
	org := p.User.Org
	sub, err := s.hub.Subscribe(org)
	if err != nil {
		return err
	}
	defer sub.Close()
	if err := s.record(ctx, p, "inbox.read", "inbox:"+org, fmt.Sprintf("stream after=%d", after)); err != nil {
		return errs.E(op, err)
	}
	replayed := map[string]bool{}
	for {
		evs, err := s.store.EventsAfter(ctx, org, after, MaxPage)
		if err != nil {
			return errs.E(op, err)
		}
		for _, e := range evs {
			if err := emit(e); err != nil {
				return err
			}
			if sub.mayComeLive(e.Seq) {
				replayed[e.ID] = true
			}
			after = e.Seq
		}
		if len(evs) < MaxPage {
			break
		}
	}
	if err := heartbeat(); err != nil {
		return err
	}
	t := time.NewTicker(s.Opts.Heartbeat)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case e, ok := <-sub.C:
			if !ok {
				return nil
			}
			if replayed[e.ID] {
				delete(replayed, e.ID)
				continue
			}
			if err := emit(e); err != nil {
				return err
			}
			t.Reset(s.Opts.Heartbeat)
		case <-t.C:
			if err := heartbeat(); err != nil {
				return err
			}
		}
	}
}

// NewWebhook registers a webhook.
type NewWebhook struct {
	Org   string   // the organisation; p's when empty
	URL   string   // https://
	Types []string // event types; all when empty
}

// authorizeOrg decides whether p administers org's webhooks: the NCB
// administrators of org's country, and General Secretariat system
// administrators for the Secretariat's organisations. It is audited.
func (s *Service) authorizeOrg(ctx context.Context, op string, p identity.Principal, org, action, target string) error {
	o, err := s.orgs.Org(ctx, org)
	if errs.Is(errs.NotFound, err) {
		return errs.Invalidf(op, "org", "no organisation %q", org)
	}
	if err != nil {
		return errs.E(op, err)
	}
	return record.Authorize(ctx, s.audit, p, record.Access{Op: op, Action: policy.ActionAdminister, Audit: action, Target: target,
		Resource: policy.Resource{Kind: policy.KindOrg, Owner: o.Country}})
}

// CreateWebhook registers a webhook and returns it with its secret, shown
// this once. It returns an errs.Invalid error naming url or types[i], and
// the policy's error when p may not administer the organisation.
func (s *Service) CreateWebhook(ctx context.Context, p identity.Principal, nw NewWebhook) (Webhook, error) {
	const op = "notify.CreateWebhook"
	if nw.Org == "" {
		nw.Org = p.User.Org
	}
	if err := s.authorizeOrg(ctx, op, p, nw.Org, "webhook.create", "org:"+nw.Org); err != nil {
		return Webhook{}, err
	}
	if err := validateURL(op, nw.URL, s.Opts.AllowLoopbackHTTP); err != nil {
		return Webhook{}, err
	}
	if err := validateTypes(op, nw.Types); err != nil {
		return Webhook{}, err
	}
	id, err := identity.NewID("whk")
	if err != nil {
		return Webhook{}, err
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return Webhook{}, errs.E(op, errs.Internal, err)
	}
	w := Webhook{ID: id, Org: nw.Org, URL: nw.URL, Types: nw.Types, Secret: "whsec_" + hex.EncodeToString(b[:]),
		CreatedBy: p.User.ID, CreatedAt: time.Now().UTC().Truncate(time.Microsecond)}
	if err := s.store.CreateWebhook(ctx, w); err != nil {
		return Webhook{}, errs.E(op, err)
	}
	return w, nil
}

// Webhooks lists org's webhooks (p's organisation when org is "").
func (s *Service) Webhooks(ctx context.Context, p identity.Principal, org string) ([]Webhook, error) {
	const op = "notify.Webhooks"
	if org == "" {
		org = p.User.Org
	}
	if err := s.authorizeOrg(ctx, op, p, org, "webhook.list", "org:"+org); err != nil {
		return nil, err
	}
	ws, err := s.store.Webhooks(ctx, org)
	if err != nil {
		return nil, errs.E(op, err)
	}
	return ws, nil
}

// webhookOf returns webhook id after authorising action on its
// organisation; a webhook p may not administer is "not found".
func (s *Service) webhookOf(ctx context.Context, op string, p identity.Principal, id, action string) (Webhook, error) {
	w, err := s.store.Webhook(ctx, id)
	if errs.Is(errs.NotFound, err) {
		return Webhook{}, errs.E(op, errs.NotFound, "no such webhook")
	}
	if err != nil {
		return Webhook{}, errs.E(op, err)
	}
	if err := s.authorizeOrg(ctx, op, p, w.Org, action, "webhook:"+id); err != nil {
		if errs.Is(errs.Permission, err) || errs.Is(errs.Private, err) {
			return Webhook{}, errs.E(op, errs.NotFound, "no such webhook")
		}
		return Webhook{}, err
	}
	return w, nil
}

// DeleteWebhook removes a webhook; its pending deliveries are dropped.
func (s *Service) DeleteWebhook(ctx context.Context, p identity.Principal, id string) error {
	const op = "notify.DeleteWebhook"
	w, err := s.webhookOf(ctx, op, p, id, "webhook.delete")
	if err != nil {
		return err
	}
	return s.store.DeleteWebhook(ctx, w.Org, w.ID)
}

// Deliveries returns the delivery log of webhook id, newest first.
func (s *Service) Deliveries(ctx context.Context, p identity.Principal, id string, limit int) ([]Delivery, error) {
	const op = "notify.Deliveries"
	if limit <= 0 || limit > MaxPage {
		limit = 100
	}
	w, err := s.webhookOf(ctx, op, p, id, "webhook.read")
	if err != nil {
		return nil, err
	}
	ds, err := s.store.Deliveries(ctx, w.Org, w.ID, limit)
	if err != nil {
		return nil, errs.E(op, err)
	}
	return ds, nil
}

// CanAdminister reports, without auditing, whether p administers the
// webhooks of its own organisation (pages use it to show the section).
func (s *Service) CanAdminister(ctx context.Context, p identity.Principal) bool {
	o, err := s.orgs.Org(ctx, p.User.Org)
	if err != nil {
		return false
	}
	return record.Visible(p, policy.ActionAdminister, policy.Resource{Kind: policy.KindOrg, Owner: o.Country})
}

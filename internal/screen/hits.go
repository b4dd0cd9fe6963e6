package screen

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/polex-org/polex/internal/audit"
	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/member"
	"github.com/polex-org/polex/internal/notify"
	"github.com/polex-org/polex/internal/policy"
	"github.com/polex-org/polex/internal/record"
)

// resource is the policy resource of a hit: owned by the record's owner,
// who alone confirms or rejects it, and seen besides by the searching
// country, unless it is silent.
func (h HitRecord) resource() policy.Resource {
	r := policy.Resource{Kind: policy.KindHit, Owner: h.Owner, OwnerOrg: h.OwnerOrg}
	if h.Status == StatusSilent || h.SearcherCountry == "" {
		r.Restrictions.AllowCountries = []string{h.Owner}
	} else {
		r.Restrictions.AllowCountries = []string{h.SearcherCountry}
	}
	return r
}

// ownerOrgs are the organisations told of a hit: the one that entered the
// record and the owner's National Central Bureau.
func (h HitRecord) ownerOrgs() []string {
	ncb := member.NCBID(h.Owner)
	if h.OwnerOrg == "" || h.OwnerOrg == ncb {
		return []string{ncb}
	}
	return []string{h.OwnerOrg, ncb}
}

// hitEvent is the data of a hit's events: who searched, from where, when,
// why and what matched.
type hitEvent struct {
	Hit             string          `json:"hit"`
	Kind            string          `json:"kind"`
	Record          string          `json:"record"`
	Ref             string          `json:"ref,omitempty"`
	Status          string          `json:"status"`
	Priority        string          `json:"priority"`
	Deadline        time.Time       `json:"deadline,omitzero"`
	Searcher        string          `json:"searcher"`
	SearcherOrg     string          `json:"searcher_org"`
	SearcherCountry string          `json:"searcher_country"`
	Location        string          `json:"location,omitempty"`
	Purpose         string          `json:"purpose"`
	CheckedAt       time.Time       `json:"checked_at"`
	Matched         json.RawMessage `json:"matched,omitempty"`
	Score           float64         `json:"score"`
	Offline         bool            `json:"offline,omitempty"`
	Reason          string          `json:"reason,omitempty"`
}

func (h HitRecord) event(at time.Time, typ, org, title string) notify.Event {
	data, _ := json.Marshal(hitEvent{Hit: h.ID, Kind: h.Kind, Record: h.RecordID, Ref: h.Ref, Status: h.Status, Priority: h.Priority,
		Deadline: h.Deadline, Searcher: h.Searcher, SearcherOrg: h.SearcherOrg, SearcherCountry: h.SearcherCountry,
		Location: h.Location, Purpose: h.Purpose, CheckedAt: h.CheckedAt, Matched: h.Matched, Score: h.Score,
		Offline: h.Offline, Reason: h.Reason})
	return notify.Event{Org: org, Type: typ, Subject: "hit:" + h.ID, Title: title, Data: data, Time: at}
}

// hitEvents are the owner's notifications of new hits.
func hitEvents(hs []HitRecord) []notify.Event {
	var evs []notify.Event
	for _, h := range hs {
		from := h.SearcherCountry
		if from == "" {
			from = h.SearcherOrg
		}
		title := fmt.Sprintf("%s hit on your %s %s: checked by %s", strings.ToUpper(h.Priority[:1])+h.Priority[1:], h.Kind, refOr(h), from)
		if h.Status == StatusSilent {
			title = fmt.Sprintf("Restricted %s %s matched a check by %s (the searcher was shown no hit)", h.Kind, refOr(h), from)
		}
		for _, org := range h.ownerOrgs() {
			evs = append(evs, h.event(h.CheckedAt, notify.HitRaised, org, title))
		}
	}
	return evs
}

func refOr(h HitRecord) string {
	if h.Ref != "" {
		return h.Ref
	}
	return h.RecordID
}

// GetHit returns a hit the caller may see: its owner, or the searching
// country (not for a silent hit). Anyone else gets errs.Private.
func (s *Service) GetHit(ctx context.Context, p identity.Principal, id string) (HitRecord, error) {
	const op = "screen.GetHit"
	h, err := s.store.Hit(ctx, id)
	if errs.Is(errs.NotFound, err) {
		// Audited like a refusal, so that an unknown ID and a hidden hit
		// leave the same trace.
		_ = record.Authorize(ctx, s.audit, p, record.Access{Op: op, Action: policy.ActionRead, Audit: "hit.read",
			Resource: policy.Resource{Kind: policy.KindHit, Owner: "ZZ", Restrictions: policy.Restrictions{AllowCountries: []string{"ZZ"}}}, Target: "hit:" + id})
		return HitRecord{}, errs.E(op, errs.Private, "no such hit")
	}
	if err != nil {
		return HitRecord{}, errs.E(op, err)
	}
	if err := record.Authorize(ctx, s.audit, p, record.Access{Op: op, Action: policy.ActionRead, Audit: "hit.read",
		Resource: h.resource(), Target: "hit:" + id}); err != nil {
		return HitRecord{}, err
	}
	return h, nil
}

// HitList selects the caller's hits: Side "owner" (hits on the caller's
// country's records, the default) or "searcher" (hits the caller's
// country's checks raised).
type HitList struct {
	Side   string `query:"side" enum:"owner,searcher" doc:"owner: hits on your country's records; searcher: hits your country's checks raised"`
	Status string `query:"status" enum:"pending,confirmed,rejected,silent"`
	Before string `query:"before" doc:"the last hit ID of the previous page"`
	Limit  int    `query:"limit" minimum:"0" maximum:"200"`
}

// Hits lists the hits of the caller's country, newest first, each
// filtered by the policy; the list is audited once.
func (s *Service) Hits(ctx context.Context, p identity.Principal, l HitList) ([]HitRecord, error) {
	const op = "screen.Hits"
	if p.User.Country == "" {
		return nil, errs.E(op, errs.Permission, "hits belong to member countries")
	}
	f := HitFilter{Status: l.Status, Before: l.Before, Limit: l.Limit}
	switch l.Side {
	case "", "owner":
		f.Owner = p.User.Country
	case "searcher":
		f.SearcherCountry = p.User.Country
	default:
		return nil, errs.Invalidf(op, "side", "side must be owner or searcher")
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	if err := record.Authorize(ctx, s.audit, p, record.Access{Op: op, Action: policy.ActionRead, Audit: "hit.list",
		Resource: policy.Resource{Kind: policy.KindHit}, Target: "hit:*", Detail: "side=" + l.Side + " status=" + l.Status}); err != nil {
		return nil, err
	}
	hs, err := s.store.Hits(ctx, f)
	if err != nil {
		return nil, errs.E(op, err)
	}
	out := hs[:0]
	for _, h := range hs {
		if record.Visible(p, policy.ActionRead, h.resource()) {
			out = append(out, h)
		}
	}
	return out, nil
}

// Decide confirms (confirm true) or rejects a pending hit as its owner,
// with a reason, and tells the searching organisation. Only the owning
// country decides (policy: update); a decided hit gives errs.Conflict.
func (s *Service) Decide(ctx context.Context, p identity.Principal, id string, confirm bool, reason string) (HitRecord, error) {
	const op = "screen.Decide"
	reason = strings.TrimSpace(reason)
	if len(reason) > 1000 {
		return HitRecord{}, errs.Invalidf(op, "reason", "reason must be at most 1000 characters")
	}
	if !confirm && reason == "" {
		return HitRecord{}, errs.Invalidf(op, "reason", "say why the hit is rejected")
	}
	h, err := s.store.Hit(ctx, id)
	if errs.Is(errs.NotFound, err) {
		return HitRecord{}, errs.E(op, errs.Private, "no such hit")
	}
	if err != nil {
		return HitRecord{}, errs.E(op, err)
	}
	verb, status := "reject", StatusRejected
	if confirm {
		verb, status = "confirm", StatusConfirmed
	}
	if err := record.Authorize(ctx, s.audit, p, record.Access{Op: op, Action: policy.ActionUpdate, Audit: "hit." + verb,
		Resource: h.resource(), Target: "hit:" + id, Detail: reason}); err != nil {
		return HitRecord{}, err
	}
	if h.Status != StatusPending {
		return HitRecord{}, errs.E(op, errs.Conflict, "the hit is already "+h.Status)
	}
	at := s.now()
	h.Status, h.DecidedAt, h.DecidedBy, h.Reason = status, at, p.User.ID, reason
	var evs []notify.Event
	if h.SearcherOrg != "" {
		typ := notify.HitConfirmed
		if !confirm {
			typ = notify.HitRejected
		}
		evs = append(evs, h.event(at, typ, h.SearcherOrg, fmt.Sprintf("%s confirmed the hit on %s %s", h.Owner, h.Kind, refOr(h))))
		if !confirm {
			evs[0].Title = fmt.Sprintf("%s rejected the hit on %s %s", h.Owner, h.Kind, refOr(h))
		}
	}
	if err := s.store.DecideHit(ctx, id, status, p.User.ID, reason, at, evs); err != nil {
		return HitRecord{}, errs.E(op, err)
	}
	return h, nil
}

// Escalate tells the owning country's National Central Bureau of every
// pending hit whose deadline passed (once per hit, whichever process gets
// there first). It returns how many it escalated. A page of overdue hits is
// escalated in one transaction and its audit entries appended together (one
// group commit): escalating hit by hit, each with a transaction and an
// audit commit of its own, held the database's write lock away from the
// checks' audit commits a hundred times a page. A backlog (a night's
// unanswered hits) is worked through a small page at a time, resting as
// long as each page took, so that checks keep at least half of the
// database's writing.
func (s *Service) Escalate(ctx context.Context) (int, error) {
	const op = "screen.Escalate"
	const page = 25
	now := s.now()
	n := 0
	var took time.Duration
	for first := true; ; first = false {
		if !first {
			if err := rest(ctx, took); err != nil {
				return n, err
			}
		}
		start := time.Now()
		hs, err := s.store.OverdueHits(ctx, now, page)
		if err != nil {
			return n, errs.E(op, err)
		}
		es := make([]Escalation, len(hs))
		deadlines := make(map[string]time.Time, len(hs))
		for i, h := range hs {
			h.EscalatedAt = now
			late := now.Sub(h.Deadline).Round(time.Second)
			ev := h.event(now, notify.HitEscalated, member.NCBID(h.Owner),
				fmt.Sprintf("Escalated: %s hit on %s %s not confirmed within its deadline (%s late)", h.Priority, h.Kind, refOr(h), late))
			es[i] = Escalation{Hit: h.ID, Events: []notify.Event{ev}}
			deadlines[h.ID] = h.Deadline
		}
		var done []string
		if len(es) > 0 {
			if done, err = s.store.EscalateHits(ctx, now, es); err != nil {
				return n, errs.E(op, err)
			}
		}
		n += len(done)
		if err := s.auditAll(ctx, now, done, deadlines); err != nil {
			return n, errs.E(op, err)
		}
		if len(hs) < page {
			return n, nil
		}
		took = time.Since(start)
	}
}

// rest waits d, or until ctx ends.
func rest(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// auditAll appends the hit.escalate entries of the hits ids at once, so
// that they share group commits, and returns the first failure.
func (s *Service) auditAll(ctx context.Context, at time.Time, ids []string, deadlines map[string]time.Time) error {
	errc := make(chan error, len(ids))
	for _, id := range ids {
		go func() {
			_, err := s.audit.Append(ctx, auditEntry(at, "hit.escalate", "hit:"+id, "deadline "+deadlines[id].Format(time.RFC3339)))
			errc <- err
		}()
	}
	var first error
	for range ids {
		if err := <-errc; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// auditEntry is an entry of the service's own actions (escalation).
func auditEntry(at time.Time, action, target, detail string) audit.Entry {
	return audit.Entry{Time: at, Actor: "system:clearinghouse", Action: action, Target: target, Outcome: audit.OutcomeAllow, Detail: detail}
}

// Stats returns the checks and hits per day, country and database between
// from and to: a member country's users see their own country's figures,
// the General Secretariat and the oversight body every country's.
func (s *Service) Stats(ctx context.Context, p identity.Principal, from, to time.Time) ([]StatRow, error) {
	const op = "screen.Stats"
	if to.Before(from) {
		return nil, errs.Invalidf(op, "to", "to is before from")
	}
	if to.Sub(from) > 366*24*time.Hour {
		return nil, errs.Invalidf(op, "from", "at most a year at a time")
	}
	if err := record.Authorize(ctx, s.audit, p, record.Access{Op: op, Action: policy.ActionRead, Audit: "hit.stats",
		Resource: policy.Resource{Kind: policy.KindHit}, Target: "hit:*"}); err != nil {
		return nil, err
	}
	if err := s.FlushStats(ctx); err != nil {
		return nil, err
	}
	rows, err := s.store.CheckStats(ctx, from, to, p.User.Country)
	if err != nil {
		return nil, errs.E(op, err)
	}
	return rows, nil
}

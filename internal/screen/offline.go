package screen

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/policy"
	"github.com/polex-org/polex/internal/property"
	"github.com/polex-org/polex/internal/record"
)

// OfflineHit is a hit a remote post found in its offline mirror and queued
// for upload (polex mirror upload).
type OfflineHit struct {
	ID        string          `json:"id" minLength:"8" maxLength:"64" doc:"the post's identifier of the hit; an upload is idempotent by it"`
	Kind      string          `json:"kind" enum:"document,vehicle"`
	Query     json.RawMessage `json:"query" doc:"what was checked"`
	RecordID  string          `json:"record_id" maxLength:"64"`
	Owner     string          `json:"owner,omitempty"`
	Ref       string          `json:"ref,omitempty"`
	CheckedAt time.Time       `json:"checked_at"`
	Purpose   string          `json:"purpose" maxLength:"300"`
	Post      string          `json:"post,omitempty" maxLength:"200" doc:"the post's user or name"`
}

// MaxOffline is the most hits one upload carries.
const MaxOffline = 10000

// maxOfflineAge is how old an offline hit may be.
const maxOfflineAge = 90 * 24 * time.Hour

// OfflineResult counts what an upload did.
type OfflineResult struct {
	Stored    int `json:"stored" doc:"hits stored and notified to their owners"`
	Duplicate int `json:"duplicate" doc:"hits already uploaded before"`
	Gone      int `json:"gone" doc:"hits on records deleted since the mirror was made"`
}

// RecordOffline stores the hits a post queued while offline, as checks of
// the uploading principal made at their time: each is audited as a check
// (with its purpose), stored once (by ID), and notified to the owner; a
// record the uploader may no longer see gives a silent hit. The deadline
// runs from the upload, when the owner first learns of the hit.
func (s *Service) RecordOffline(ctx context.Context, p identity.Principal, hs []OfflineHit) (OfflineResult, error) {
	const op = "screen.RecordOffline"
	var res OfflineResult
	if len(hs) == 0 || len(hs) > MaxOffline {
		return res, errs.Invalidf(op, "hits", "an upload has 1 to %d hits", MaxOffline)
	}
	now := s.now()
	for i, h := range hs {
		f := "hits[" + itoa(i) + "]."
		switch {
		case len(h.ID) < 8 || len(h.ID) > 64:
			return res, errs.Invalidf(op, f+"id", "id must be 8 to 64 characters")
		case h.Kind != KindDocument && h.Kind != KindVehicle:
			return res, errs.Invalidf(op, f+"kind", "kind must be document or vehicle")
		case h.RecordID == "":
			return res, errs.Invalidf(op, f+"record_id", "record_id is required")
		case strings.TrimSpace(h.Purpose) == "":
			return res, errs.Invalidf(op, f+"purpose", "state the purpose of the check")
		case h.CheckedAt.IsZero() || h.CheckedAt.After(now.Add(5*time.Minute)) || now.Sub(h.CheckedAt) > maxOfflineAge:
			return res, errs.Invalidf(op, f+"checked_at", "checked_at must be a time within the last 90 days")
		case len(h.Query) == 0 || !json.Valid(h.Query):
			return res, errs.Invalidf(op, f+"query", "query must be the JSON of what was checked")
		}
	}
	byKind := map[string][]string{}
	for _, h := range hs {
		byKind[h.Kind] = append(byKind[h.Kind], h.RecordID)
	}
	rows := map[string]property.Row{}
	for kind, ids := range byKind {
		rs, err := s.store.RecordsByID(ctx, kind, ids)
		if err != nil {
			return res, errs.E(op, err)
		}
		for _, r := range rs {
			rows[kind+":"+r.Meta.ID] = r
		}
	}
	var stored []HitRecord
	for _, h := range hs {
		detail, _ := json.Marshal(map[string]any{"offline": h.ID, "checked_at": h.CheckedAt, "post": h.Post, "query": h.Query})
		if err := record.Authorize(ctx, s.audit, p, record.Access{Op: op, Action: policy.ActionSearch, Audit: h.Kind + ".check",
			Resource: policy.Resource{Kind: h.Kind}, Target: h.Kind + ":*", Purpose: h.Purpose, Detail: string(detail)}); err != nil {
			return res, err
		}
		r, ok := rows[h.Kind+":"+h.RecordID]
		if !ok {
			res.Gone++
			continue
		}
		k := &check{s: s, p: p, c: Context{Purpose: h.Purpose, Priority: Routine, Location: h.Post}, id: "chk_offline_" + h.ID, kind: h.Kind, at: now}
		k.match(rowTarget(h.Kind, r), 1, h.Query, nil, Match{})
		hr := k.hits[0]
		hr.OfflineID, hr.Offline, hr.CheckedAt = h.ID, true, h.CheckedAt
		stored = append(stored, hr)
		s.count(p.User.Country, h.Kind, 1)
	}
	if len(stored) > 0 {
		n, err := s.store.InsertHits(ctx, stored, hitEvents(stored))
		if err != nil {
			return res, errs.E(op, err)
		}
		res.Stored, res.Duplicate = n, len(stored)-n
	}
	return res, nil
}

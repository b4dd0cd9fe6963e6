package notice

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/policy"
	"github.com/polex-org/polex/internal/record"
)

// listResource is the resource a list or search is authorised against as
// a whole: notices in general. Each row is then filtered with the policy.
var listResource = policy.Resource{Kind: policy.KindNotice}

// visible reports whether p may see n in a list, and whether fully.
func visible(p identity.Principal, n Notice, action policy.Action) (ok, full bool) {
	res := resource(n)
	if inReview(n) && record.Visible(p, policy.ActionReview, res) {
		return true, true
	}
	if record.Visible(p, action, res) {
		return true, isOwner(p, n) || p.User.HasRole(identity.Auditor)
	}
	return false, false
}

// normalize checks and normalises a filter.
func (f *Filter) normalize() error {
	const op = "notice.Filter"
	if f.Type != "" && !f.Type.Valid() {
		return errs.Invalidf(op, "type", "unknown notice type %q", f.Type)
	}
	if f.Status != "" && !validStatus(f.Status) {
		return errs.Invalidf(op, "status", "unknown status %q", f.Status)
	}
	f.Owner = strings.ToUpper(strings.TrimSpace(f.Owner))
	if f.Owner != "" && (len(f.Owner) != 2 || strings.IndexFunc(f.Owner, func(r rune) bool { return r < 'A' || r > 'Z' }) >= 0) {
		return errs.Invalidf(op, "owner", "owner is an ISO 3166-1 alpha-2 code")
	}
	if len(f.Name) > 300 {
		return errs.Invalidf(op, "name", "a name is at most 300 characters")
	}
	f.Name = Fold(f.Name)
	if f.Limit <= 0 || f.Limit > MaxLimit {
		f.Limit = DefaultLimit
	}
	return nil
}

func validStatus(st Status) bool {
	for _, s := range Statuses {
		if s == st {
			return true
		}
	}
	return false
}

// Search returns the notices matching f that p may see, each as p may see
// it. The search is audited once, as notice.search with its purpose
// (required); rows p may not see are left out without trace in the
// answer.
func (s *Service) Search(ctx context.Context, p identity.Principal, f Filter, purpose string) ([]Notice, error) {
	const op = "notice.Search"
	if err := f.normalize(); err != nil {
		return nil, err
	}
	if err := record.Authorize(ctx, s.audit, p, record.Access{Op: op, Action: policy.ActionSearch, Audit: "notice.search",
		Resource: listResource, Target: "notices", Purpose: purpose, Detail: describe(f)}); err != nil {
		return nil, err
	}
	return s.rows(ctx, p, f, policy.ActionRead)
}

func (s *Service) rows(ctx context.Context, p identity.Principal, f Filter, action policy.Action) ([]Notice, error) {
	ns, err := s.store.Notices(ctx, f)
	if err != nil {
		return nil, errs.E("notice.rows", err)
	}
	out := ns[:0]
	for _, n := range ns {
		if ok, full := visible(p, n, action); ok {
			out = append(out, s.shown(ctx, p, n, full))
		}
	}
	return out, nil
}

func describe(f Filter) string {
	var parts []string
	for _, kv := range [][2]string{{"type", string(f.Type)}, {"status", string(f.Status)}, {"owner", f.Owner}, {"name", f.Name}} {
		if kv[1] != "" {
			parts = append(parts, kv[0]+"="+kv[1])
		}
	}
	return strings.Join(parts, " ")
}

// Queue returns the notices, and updates of notices, that await review:
// a gs-reviewer only (the policy's ActionReview). The read is audited as
// notice.queue.
func (s *Service) Queue(ctx context.Context, p identity.Principal) ([]Notice, error) {
	const op = "notice.Queue"
	if err := record.Authorize(ctx, s.audit, p, record.Access{Op: op, Action: policy.ActionReview, Audit: "notice.queue",
		Resource: listResource, Target: "notices"}); err != nil {
		return nil, err
	}
	ns, err := s.store.Notices(ctx, Filter{Queue: true, Limit: MaxLimit})
	if err != nil {
		return nil, errs.E(op, err)
	}
	out := ns[:0]
	for _, n := range ns {
		if inReview(n) && record.Visible(p, policy.ActionReview, resource(n)) {
			out = append(out, n)
		}
	}
	return out, nil
}

// Versions returns the kept versions of notice id. The owner, reviewers
// and auditors get every version; other readers only the published ones.
func (s *Service) Versions(ctx context.Context, p identity.Principal, id string) ([]Version, error) {
	const op = "notice.Versions"
	n, err := s.load(ctx, p, op, "notice.versions", id)
	if err != nil {
		return nil, err
	}
	full, err := s.access(ctx, p, op, "notice.versions", n, policy.ActionRead, "", "")
	if err != nil {
		return nil, err
	}
	return s.versions(ctx, op, p, id, full)
}

// versions returns the versions of notice id that a reader sees: all of
// them when full, else the published ones.
func (s *Service) versions(ctx context.Context, op string, p identity.Principal, id string, full bool) ([]Version, error) {
	vs, err := s.store.NoticeVersions(ctx, id)
	if err != nil {
		return nil, errs.E(op, err)
	}
	out := vs[:0]
	for _, v := range vs {
		if !full && v.Action != "published" {
			continue
		}
		if v.Body, err = s.shownBody(ctx, p, v.Body, full); err != nil {
			return nil, errs.E(op, err)
		}
		out = append(out, v)
	}
	return out, nil
}

// Page is what a notice's page shows: the notice, its findings and its
// versions, as one reader may see them.
type Page struct {
	Notice   Notice
	Findings []Finding // nil unless the reader sees the whole notice (owner, reviewer, auditor)
	Versions []Version
}

// Page returns notice id with its findings and versions, by the rules of
// Get, Findings and Versions, under one decision audited as one read
// (notice.read). It returns the errors of Get.
func (s *Service) Page(ctx context.Context, p identity.Principal, id string) (Page, error) {
	const op = "notice.Page"
	n, err := s.load(ctx, p, op, "notice.read", id)
	if err != nil {
		return Page{}, err
	}
	full, err := s.access(ctx, p, op, "notice.read", n, policy.ActionRead, "", "")
	if err != nil {
		return Page{}, err
	}
	vs, err := s.versions(ctx, op, p, id, full)
	if err != nil {
		return Page{}, err
	}
	pg := Page{Notice: s.shown(ctx, p, n, full), Versions: vs}
	if full {
		pg.Findings = s.findings(ctx, p, n)
	}
	return pg, nil
}

// Findings returns the automated checks of notice id (and of its pending
// update) to its owner and reviewers. A duplicate finding names the other
// notice only when p may see it; otherwise the finding is left out, so
// that no one learns of notices hidden from them.
func (s *Service) Findings(ctx context.Context, p identity.Principal, id string) ([]Finding, error) {
	const op = "notice.Findings"
	n, err := s.load(ctx, p, op, "notice.findings", id)
	if err != nil {
		return nil, err
	}
	full, err := s.access(ctx, p, op, "notice.findings", n, policy.ActionRead, "", "")
	if err != nil {
		return nil, err
	}
	if !full {
		return nil, errs.E(op, errs.Permission, "only the owner and the reviewers see the checks")
	}
	return s.findings(ctx, p, n), nil
}

// findings returns the findings of n and of its pending update that p may
// see (FilterFindings).
func (s *Service) findings(ctx context.Context, p identity.Principal, n Notice) []Finding {
	fs := append([]Finding(nil), n.Findings...)
	if n.Pending != nil {
		fs = append(fs, n.Pending.Findings...)
	}
	return s.FilterFindings(ctx, p, fs)
}

// shownBody is a version's body (a notice as JSON) as shown shows a
// notice: without the review's internals unless full, and without the
// duplicate findings that name a notice p may not see.
func (s *Service) shownBody(ctx context.Context, p identity.Principal, body []byte, full bool) ([]byte, error) {
	const op = "notice.shownBody"
	if !full {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(body, &m); err != nil {
			return nil, errs.E(op, errs.Internal, err)
		}
		delete(m, "findings")
		delete(m, "refusal_reasons")
		delete(m, "pending")
		return json.Marshal(m)
	}
	var n struct {
		Findings []Finding `json:"findings"`
		Pending  *struct {
			Findings []Finding `json:"findings"`
		} `json:"pending"`
	}
	if err := json.Unmarshal(body, &n); err != nil {
		return nil, errs.E(op, errs.Internal, err)
	}
	if len(n.Findings) == 0 && (n.Pending == nil || len(n.Pending.Findings) == 0) {
		return body, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, errs.E(op, errs.Internal, err)
	}
	if len(n.Findings) > 0 {
		m["findings"], _ = json.Marshal(s.FilterFindings(ctx, p, n.Findings))
	}
	if n.Pending != nil && len(n.Pending.Findings) > 0 {
		var pm map[string]json.RawMessage
		if err := json.Unmarshal(m["pending"], &pm); err != nil {
			return nil, errs.E(op, errs.Internal, err)
		}
		pm["findings"], _ = json.Marshal(s.FilterFindings(ctx, p, n.Pending.Findings))
		m["pending"], _ = json.Marshal(pm)
	}
	return json.Marshal(m)
}

// FilterFindings drops the duplicate findings that name a notice p may not
// see.
func (s *Service) FilterFindings(ctx context.Context, p identity.Principal, fs []Finding) []Finding {
	out := fs[:0:0]
	for _, f := range fs {
		if f.Ref != "" {
			o, err := s.store.Notice(ctx, f.Ref)
			if err != nil {
				continue
			}
			// Reviewers may review every notice (policy.ActionReview), so
			// they see every duplicate; others only those they may read.
			if ok, _ := visible(p, o, policy.ActionRead); !ok && !record.Visible(p, policy.ActionReview, resource(o)) {
				continue
			}
		}
		out = append(out, f)
	}
	return out
}

// Export calls emit for each notice matching f that p may export (the
// policy's ActionExport, so handling codes apply), as p may see it. The
// export is audited once as notice.export with its purpose (required).
func (s *Service) Export(ctx context.Context, p identity.Principal, f Filter, purpose string, emit func(Notice) error) error {
	const op = "notice.Export"
	if err := f.normalize(); err != nil {
		return err
	}
	f.Limit = MaxLimit
	if err := record.Authorize(ctx, s.audit, p, record.Access{Op: op, Action: policy.ActionExport, Audit: "notice.export",
		Resource: listResource, Target: "notices", Purpose: purpose, Detail: describe(f)}); err != nil {
		return err
	}
	ns, err := s.store.Notices(ctx, f)
	if err != nil {
		return errs.E(op, err)
	}
	for _, n := range ns {
		res := resource(n)
		if !record.Visible(p, policy.ActionExport, res) {
			continue
		}
		if err := emit(s.shown(ctx, p, n, isOwner(p, n) || p.User.HasRole(identity.Auditor))); err != nil {
			return err
		}
	}
	return nil
}

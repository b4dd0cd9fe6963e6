package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/policy"
	"github.com/polex-org/polex/internal/record"
	"github.com/polex-org/polex/internal/screen"
)

// Hits shown on the inbox: every pending hit on the country's records
// (up to hitsPending), then pages of the others and of the hits its checks
// raised.
const (
	hitsPending = 200
	hitsPage    = 50
)

// hitView is a hit as the inbox and the hit's page show it.
type hitView struct {
	ID, Kind, KindL, RecordID, Ref string
	Owner, OwnerName               string
	Searcher, SearcherOrg          string
	SearcherCountry, SearcherName  string
	Purpose, Location              string
	Priority, PriorityL            string
	Status, StatusL                string
	Checked, Deadline, Escalated   string
	Decided, DecidedBy, Reason     string
	Score                          string
	Overdue                        bool
	Pending                        bool
	Offline                        bool
	CanDecide                      bool
	Link                           string
	Query, Matched                 []fact
	Explain                        []reasonView // persons: what matched and how
}

// canDecide reports whether p confirms or rejects h: an officer or NCB
// administrator of the owning country, while the hit is pending. It only
// decides which forms the pages show; the screen service decides again.
func canDecide(p identity.Principal, h screen.HitRecord) bool {
	return h.Status == screen.StatusPending && p.User.Country == h.Owner &&
		record.Visible(p, policy.ActionUpdate, policy.Resource{Kind: policy.KindHit, Owner: h.Owner, OwnerOrg: h.OwnerOrg})
}

// hitView returns how the pages show hit h to p at time now.
func (s *Server) hitView(lang string, p identity.Principal, h screen.HitRecord, now time.Time) hitView {
	v := hitView{ID: h.ID, Kind: h.Kind, KindL: s.label(lang, checkKindKeys, h.Kind), RecordID: h.RecordID, Ref: h.Ref,
		Owner: h.Owner, OwnerName: countryName(lang, h.Owner), Searcher: h.Searcher, SearcherOrg: h.SearcherOrg,
		SearcherCountry: h.SearcherCountry, Purpose: h.Purpose, Location: h.Location, Priority: h.Priority,
		PriorityL: s.label(lang, priorityKeys, h.Priority), Status: h.Status, StatusL: s.hitStatus(lang, h.Status), Checked: difTime(h.CheckedAt), Deadline: difTime(h.Deadline),
		Escalated: difTime(h.EscalatedAt), Decided: difTime(h.DecidedAt), DecidedBy: h.DecidedBy, Reason: h.Reason,
		Score: score(h.Score), Pending: h.Status == screen.StatusPending, Offline: h.Offline, CanDecide: canDecide(p, h)}
	if h.SearcherCountry != "" {
		v.SearcherName = countryName(lang, h.SearcherCountry)
	}
	v.Overdue = v.Pending && !h.Deadline.IsZero() && now.After(h.Deadline)
	if plural, ok := kindPlurals[h.Kind]; ok && h.RecordID != "" && p.User.Country == h.Owner {
		v.Link = "/property/" + plural + "/" + url.PathEscape(h.RecordID)
	}
	v.Query = s.jsonFacts(lang, h.Query)
	v.Matched = s.jsonFacts(lang, h.Matched)
	var ex struct {
		Explain []screen.Reason `json:"explain"`
	}
	if len(h.Matched) > 0 && json.Unmarshal(h.Matched, &ex) == nil {
		v.Explain = s.reasons(lang, ex.Explain)
	}
	return v
}

// jsonFacts shows the fields of a hit's query or match (flat JSON), with
// the check form's labels.
func (s *Server) jsonFacts(lang string, raw json.RawMessage) []fact {
	if len(raw) == 0 {
		return nil
	}
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []fact
	for _, k := range keys {
		var txt string
		switch x := m[k].(type) {
		case string:
			txt = x
		case float64:
			txt = strconv.FormatFloat(x, 'f', -1, 64)
		case nil:
		default:
			b, _ := json.Marshal(x)
			txt = string(b)
		}
		if txt == "" || k == "explain" {
			continue
		}
		key, ok := checkFieldKeys[k]
		if !ok {
			key = "checks.field.other"
			txt = k + ": " + txt
		}
		out = append(out, fact{Key: key, Value: txt})
	}
	return out
}

// hitsData is the content of the hits inbox.
type hitsData struct {
	Tabs     []navItem
	Owner    []hitView // hits on the country's records, pending first
	Searcher []hitView // hits the country's checks raised
	Pending  int
	Country  string
	// The next pages: the "before" cursors of each side, "" on the last.
	OwnerNext, SearcherNext string
	Before, SBefore         string // the cursors of this page
}

// hitsPage is the hits inbox: every pending hit on the user's country's
// records with its confirm and reject forms, then the decided ones, and
// the hits its checks raised with their status; each side pages with its
// own cursor (before, sbefore).
func (s *Server) hitsPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	p := *rq.p
	if !canSeeHits(p) {
		return errs.E("web.hits", errs.NotFound, "no such page")
	}
	ctx, q := r.Context(), r.URL.Query()
	d := hitsData{Tabs: checkTabs(p, "/hits"), Country: countryName(rq.lang, p.User.Country), Before: q.Get("before"), SBefore: q.Get("sbefore")}
	var pending []screen.HitRecord
	var err error
	if d.Before == "" {
		if pending, err = s.d.Screen.Hits(ctx, p, screen.HitList{Side: "owner", Status: screen.StatusPending, Limit: hitsPending}); err != nil {
			return err
		}
	}
	owner, err := s.d.Screen.Hits(ctx, p, screen.HitList{Side: "owner", Before: d.Before, Limit: hitsPage})
	if err != nil {
		return err
	}
	if len(owner) == hitsPage {
		d.OwnerNext = owner[len(owner)-1].ID
	}
	searcher, err := s.d.Screen.Hits(ctx, p, screen.HitList{Side: "searcher", Before: d.SBefore, Limit: hitsPage})
	if err != nil {
		return err
	}
	if len(searcher) == hitsPage {
		d.SearcherNext = searcher[len(searcher)-1].ID
	}
	now := s.now()
	for _, h := range pending {
		d.Owner = append(d.Owner, s.hitView(rq.lang, p, h, now))
		d.Pending++
	}
	for _, h := range owner {
		if h.Status == screen.StatusPending && d.Before == "" {
			continue // listed above
		}
		d.Owner = append(d.Owner, s.hitView(rq.lang, p, h, now))
	}
	for _, h := range searcher {
		d.Searcher = append(d.Searcher, s.hitView(rq.lang, p, h, now))
	}
	return s.render(w, http.StatusOK, "hits", s.newView(r, rq, "hits.title", d))
}

// hitData is the content of a hit's page.
type hitData struct {
	Tabs   []navItem
	Hit    hitView
	Reason string // the reason typed in a refused decision
	formError
}

// hitPage shows one hit: who searched, from where, when, why, what
// matched, its status and decision, and the forms to decide it.
func (s *Server) hitPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	return s.renderHit(w, r, rq, http.StatusOK, "", formError{})
}

// renderHit shows the hit named by the path to those who may see it,
// with the decision refused (reason, fe) when there is one.
func (s *Server) renderHit(w http.ResponseWriter, r *http.Request, rq *request, status int, reason string, fe formError) error {
	p := *rq.p
	if !canSeeHits(p) {
		return errs.E("web.hits", errs.NotFound, "no such page")
	}
	h, err := s.d.Screen.GetHit(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	d := hitData{Tabs: checkTabs(p, ""), Hit: s.hitView(rq.lang, p, h, s.now()), Reason: reason, formError: fe}
	v := s.newView(r, rq, "hit.title", d)
	v.Path = "/hits/" + url.PathEscape(h.ID)
	return s.render(w, status, "hits_view", v)
}

// hitDecide confirms (confirm true) or rejects a hit as its owner, then
// returns to the inbox; a refused decision (no reason to reject, a hit
// already decided) shows the hit's page with what is wrong.
func (s *Server) hitDecide(confirm bool) handler {
	return func(w http.ResponseWriter, r *http.Request, rq *request) error {
		if !canSeeHits(*rq.p) {
			return errs.E("web.hits", errs.NotFound, "no such page")
		}
		reason := strings.TrimSpace(r.PostForm.Get("reason"))
		_, err := s.d.Screen.Decide(r.Context(), *rq.p, r.PathValue("id"), confirm, reason)
		switch errs.KindOf(err) {
		case errs.Invalid:
			return s.renderHit(w, r, rq, http.StatusBadRequest, reason, s.checkFormError(rq.lang, err))
		case errs.Conflict:
			return s.renderHit(w, r, rq, http.StatusConflict, reason, formError{Field: "decision", Error: s.cat.T(rq.lang, "hits.err.decided")})
		}
		if err != nil {
			return err
		}
		http.Redirect(w, r, "/hits", http.StatusSeeOther)
		return nil
	}
}

// statsData is the content of the statistics page.
type statsData struct {
	Tabs     []navItem
	From, To string
	Rows     []statRow
	Totals   statRow
	formError
}

// statRow is a line of the statistics, localised.
type statRow struct {
	Day, Country, CountryName, Kind string
	Checks, Hits, HitsOn            int64
}

// checkStats shows the checks and hits per day, country and database
// between two days (the last 30 by default).
func (s *Server) checkStats(w http.ResponseWriter, r *http.Request, rq *request) error {
	p := *rq.p
	if !canSeeStats(p) {
		return errs.E("web.checks", errs.NotFound, "no such page")
	}
	const day = "2006-01-02"
	today := s.now().Truncate(24 * time.Hour)
	d := statsData{Tabs: checkTabs(p, "/checks/stats"), From: strings.TrimSpace(r.URL.Query().Get("from")), To: strings.TrimSpace(r.URL.Query().Get("to"))}
	from, to := today.AddDate(0, 0, -29), today
	var err error
	if d.From != "" {
		if from, err = time.Parse(day, d.From); err != nil {
			err = errs.Invalidf("web.checkStats", "from", "from must be a day, YYYY-MM-DD")
		}
	}
	if err == nil && d.To != "" {
		if to, err = time.Parse(day, d.To); err != nil {
			err = errs.Invalidf("web.checkStats", "to", "to must be a day, YYYY-MM-DD")
		}
	}
	if d.From == "" {
		d.From = from.Format(day)
	}
	if d.To == "" {
		d.To = to.Format(day)
	}
	var rows []screen.StatRow
	if err == nil {
		rows, err = s.d.Screen.Stats(r.Context(), p, from, to.Add(24*time.Hour-time.Nanosecond))
	}
	status := http.StatusOK
	if errs.KindOf(err) == errs.Invalid {
		d.formError, status, err = s.checkFormError(rq.lang, err), http.StatusBadRequest, nil
	}
	if err != nil {
		return err
	}
	for _, x := range rows {
		d.Rows = append(d.Rows, statRow{Day: x.Day, Country: x.Country, CountryName: countryName(rq.lang, x.Country),
			Kind: s.label(rq.lang, checkKindKeys, x.Kind), Checks: x.Checks, Hits: x.Hits, HitsOn: x.HitsOn})
		d.Totals.Checks += x.Checks
		d.Totals.Hits += x.Hits
		d.Totals.HitsOn += x.HitsOn
	}
	v := s.newView(r, rq, "checkstats.title", d)
	return s.render(w, status, "checkstats", v)
}

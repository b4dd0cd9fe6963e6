package web

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/polex-org/polex/internal/audit"
	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/policy"
)

// record appends an audit entry about the signed-in user's action.
func (s *Server) record(r *http.Request, rq *request, action, target, outcome, detail string) error {
	u := rq.p.User
	_, err := s.d.Audit.Append(r.Context(), audit.Entry{Time: s.now(), Actor: u.ID, ActorOrg: u.Org,
		Action: action, Target: target, Outcome: outcome, RequestID: rq.rid, Detail: detail})
	if err != nil {
		return errs.E("web.audit", errs.Internal, err)
	}
	return nil
}

// canReadAudit reports whether p reads the audit log: an auditor of the
// oversight body or a system administrator. It only decides what the
// navigation shows; the audit page decides, and records, on every request.
func canReadAudit(p identity.Principal) bool {
	return policy.Decide(policy.SubjectOf(p), policy.ActionAuditRead, policy.Resource{Kind: policy.KindAudit}).Allowed()
}

// auditForm is the search form of the audit page, as entered (trimmed).
type auditForm struct {
	Actor, Org, Action, Target string
	From, To                   string // datetime-local values, read as UTC
	Start                      string // the first seq shown
	Purpose                    string
	formError
}

// auditFields are the fields of the audit search form, with their labels.
var auditFields = map[string]string{
	"actor":   "field.actor",
	"org":     "field.org",
	"action":  "field.action",
	"target":  "field.target",
	"from":    "field.from",
	"to":      "field.to",
	"start":   "field.start",
	"purpose": "field.purpose",
}

// auditData is the content of the audit page.
type auditData struct {
	Form       auditForm
	Entries    []entryRow
	Searched   bool   // the filter was valid and the log was read
	First      string // URL of this search's first page, "" when on it
	Next       string // URL of the next page, "" on the last
	Checkpoint *checkpointRow
}

type entryRow struct {
	Seq                                                     int64
	Time                                                    string // UTC
	Actor, Org, Action, Target, Outcome, Purpose, RequestID string
}

type checkpointRow struct {
	Size int64
	Time string // UTC
	Root string // base64, as the API gives it
}

// timeLayout is how the page shows times, all UTC.
const timeLayout = "2006-01-02 15:04:05"

// auditLog shows the entries of the audit log that the form selects, a
// page at a time, and the latest signed checkpoint. As the API does, every
// view is decided by the policy and appended to the log (action
// audit.query, outcome allow or deny, with the purpose given) before
// anything is read; a refused reader gets the page of a path that does not
// exist. A bad filter shows the form with the field at fault (422).
// Times are read and shown in UTC.
func (s *Server) auditLog(w http.ResponseWriter, r *http.Request, rq *request) error {
	const op = "web.auditLog"
	q := r.URL.Query()
	if site := r.Header.Get("Sec-Fetch-Site"); site == "cross-site" || site == "same-site" {
		// A link from another site must not put a purpose, or a search,
		// in the log under the reader's name: its query is ignored.
		q = url.Values{}
	}
	get := func(k string) string { return strings.TrimSpace(q.Get(k)) }
	f := auditForm{Actor: get("actor"), Org: get("org"), Action: get("action"), Target: get("target"),
		From: get("from"), To: get("to"), Start: get("start"), Purpose: get("purpose")}

	switch err := s.d.Admin.AuthorizeAuditRead(r.Context(), *rq.p, "audit.query", "audit", printable(f.Purpose, audit.MaxPurpose)); {
	case errs.Is(errs.Permission, err), errs.Is(errs.Private, err):
		// Whatever the policy's reason: the page does not exist for them.
		return errs.E(op, errs.Private)
	case err != nil:
		return errs.E(op, err)
	}

	d := auditData{Form: f}
	status := http.StatusOK
	filter, pr := f.filter(s.auditPage)
	var es []audit.Entry
	if pr == nil {
		var err error
		es, err = s.d.AuditReader.Query(r.Context(), filter)
		if errs.Is(errs.Invalid, err) {
			pr = &problem{field: errs.FieldOf(err), key: "err.kind.invalid"}
		} else if err != nil {
			return errs.E(op, err)
		}
	}
	if pr != nil {
		d.Form.Field, d.Form.FieldKey, d.Form.Error = pr.field, auditFields[pr.field], s.cat.T(rq.lang, pr.key, pr.args...)
		status = http.StatusUnprocessableEntity
	} else {
		d.Searched = true
		for _, e := range es {
			d.Entries = append(d.Entries, entryRow{Seq: e.Seq, Time: e.Time.UTC().Format(timeLayout), Actor: e.Actor, Org: e.ActorOrg,
				Action: e.Action, Target: e.Target, Outcome: e.Outcome, Purpose: e.Purpose, RequestID: e.RequestID})
		}
		if len(es) == filter.Limit {
			d.Next = f.pageURL(es[len(es)-1].Seq + 1)
		}
		if filter.Start > 0 {
			d.First = f.pageURL(0)
		}
	}
	switch c, err := s.d.AuditReader.LatestCheckpoint(r.Context()); {
	case err == nil:
		d.Checkpoint = &checkpointRow{Size: c.Size, Time: c.Time.UTC().Format(timeLayout), Root: base64.StdEncoding.EncodeToString(c.Root[:])}
	case !errs.Is(errs.NotFound, err):
		return errs.E(op, err)
	}
	return s.render(w, status, "audit", s.newView(r, rq, "auditlog.title", d))
}

// problem is a refused field of a form: its name, and the catalogue key
// and arguments of what is wrong with it.
type problem struct {
	field, key string
	args       []any
}

// filter returns the filter the form asks for, with at most limit
// entries, or the first field at fault, in the order of the form.
func (f auditForm) filter(limit int) (audit.Filter, *problem) {
	for _, x := range []struct {
		name, v string
		max     int
	}{{"actor", f.Actor, audit.MaxActor}, {"org", f.Org, audit.MaxActor}, {"action", f.Action, audit.MaxAction}, {"target", f.Target, audit.MaxTarget}} {
		if len(x.v) > x.max {
			return audit.Filter{}, &problem{field: x.name, key: "err.auditlog.long", args: []any{x.max}}
		}
		if !utf8.ValidString(x.v) {
			// Only a forged URL sends this; it would never match.
			return audit.Filter{}, &problem{field: x.name, key: "err.kind.invalid"}
		}
	}
	from, pr := parseUTC("from", f.From)
	if pr != nil {
		return audit.Filter{}, pr
	}
	to, pr := parseUTC("to", f.To)
	if pr != nil {
		return audit.Filter{}, pr
	}
	if !from.IsZero() && !to.IsZero() && !to.After(from) {
		return audit.Filter{}, &problem{field: "to", key: "err.auditlog.order"}
	}
	var start int64
	if f.Start != "" {
		n, err := strconv.ParseInt(f.Start, 10, 64)
		if err != nil || n < 0 {
			return audit.Filter{}, &problem{field: "start", key: "err.auditlog.start"}
		}
		start = n
	}
	if printable(f.Purpose, audit.MaxPurpose) != f.Purpose {
		return audit.Filter{}, &problem{field: "purpose", key: "err.auditlog.purpose", args: []any{audit.MaxPurpose}}
	}
	return audit.Filter{Actor: f.Actor, ActorOrg: f.Org, Action: f.Action, Target: f.Target,
		From: from, To: to, Start: start, Limit: limit}, nil
}

// dateLayouts are the forms of a datetime-local input's value.
var dateLayouts = []string{"2006-01-02T15:04", "2006-01-02T15:04:05"}

// parseUTC reads the value of the datetime-local field named field as a
// UTC time; "" is the zero time. The year must be from 1970 to 2261, the
// times the log can hold.
func parseUTC(field, v string) (time.Time, *problem) {
	if v == "" {
		return time.Time{}, nil
	}
	for _, l := range dateLayouts {
		t, err := time.ParseInLocation(l, v, time.UTC)
		if err != nil {
			continue
		}
		if t.Year() < 1970 || t.Year() > 2261 {
			return time.Time{}, &problem{field: field, key: "err.auditlog.year"}
		}
		return t, nil
	}
	return time.Time{}, &problem{field: field, key: "err.auditlog.date"}
}

// pageURL returns the URL of the page of this search that starts at seq
// start; a valid form's fields are carried over, the purpose included, so
// that the next view is recorded with it too.
func (f auditForm) pageURL(start int64) string {
	v := url.Values{}
	for k, x := range map[string]string{"actor": f.Actor, "org": f.Org, "action": f.Action, "target": f.Target,
		"from": f.From, "to": f.To, "purpose": f.Purpose} {
		if x != "" {
			v.Set(k, x)
		}
	}
	if start > 0 {
		v.Set("start", strconv.FormatInt(start, 10))
	}
	if len(v) == 0 {
		return "/audit"
	}
	return "/audit?" + v.Encode()
}

// printable returns s as valid UTF-8 without control characters, cut to
// at most max bytes: text typed by a user, fit for the audit log.
func printable(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, "?"))
	for len(s) > max {
		_, n := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-n]
	}
	return s
}

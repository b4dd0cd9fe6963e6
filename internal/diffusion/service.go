package diffusion

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/polex-org/polex/internal/audit"
	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/member"
	"github.com/polex-org/polex/internal/notify"
	"github.com/polex-org/polex/internal/policy"
	"github.com/polex-org/polex/internal/record"
	"github.com/polex-org/polex/internal/reqid"
)

// Service sends, shows, acknowledges, reviews and withdraws diffusions.
// Every read, list, change and export is decided by the one policy and
// written to the audit log (record.Authorize).
type Service struct {
	store   Store
	members Members
	audit   record.Auditor
	now     func() time.Time
}

// New returns a Service.
func New(st Store, members Members, log record.Auditor) *Service {
	return &Service{store: st, members: members, audit: log, now: func() time.Time { return time.Now().UTC() }}
}

// Audit actions.
const (
	actSend     = "diffusion.send"
	actRead     = "diffusion.read"
	actList     = "diffusion.list"
	actAck      = "diffusion.ack"
	actReview   = "diffusion.review"
	actWithdraw = "diffusion.withdraw"
	actExport   = "diffusion.export"
)

// DefaultLimit and MaxLimit bound list sizes.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// Subject returns the inbox subject of diffusion id.
func Subject(id string) string { return "diffusion:" + id }

func target(id string) string { return "diffusion:" + id }

// resource returns the policy resource of d.
func resource(d Diffusion) policy.Resource { return d.Meta.Resource(policy.KindDiffusion) }

// national reports whether p acts for a member country.
func national(p identity.Principal) bool { return p.User.Country != "" }

// Send delivers a new diffusion from p's country to the countries and the
// member countries of the regions of d, without p's country and any
// country on d's deny lists, and announces it to each recipient's NCB. It
// returns an errs.Invalid error naming the field at fault, an errs.Conflict
// error naming "ref" when p's country already used the reference, the
// policy's error when p may not send diffusions, or the store's error.
func (s *Service) Send(ctx context.Context, p identity.Principal, d Draft) (Diffusion, error) {
	const op = "diffusion.Send"
	if err := d.Validate(); err != nil {
		return Diffusion{}, err
	}
	if !national(p) {
		// Only a member country's NCB or agency sends diffusions; the
		// policy refuses everyone else, and records it.
		err := record.Authorize(ctx, s.audit, p, record.Access{Op: op, Action: policy.ActionCreate, Audit: actSend,
			Resource: policy.Resource{Kind: policy.KindDiffusion, Owner: "ZZ"}, Target: "diffusion:new"})
		if err == nil {
			err = errs.E(op, errs.Permission, "only a member country sends diffusions")
		}
		return Diffusion{}, err
	}
	if d.Meta.Classification > p.User.Clearance {
		return Diffusion{}, errs.Invalidf(op, "classification", "the classification is above your clearance")
	}
	recipients, err := s.resolve(ctx, p.User.Country, &d)
	if err != nil {
		return Diffusion{}, err
	}
	id, err := identity.NewID("dif")
	if err != nil {
		return Diffusion{}, errs.E(op, err)
	}
	now := s.now()
	out := Diffusion{Meta: d.Meta, Kind: d.Kind, Urgency: d.Urgency, Countries: d.Countries, Regions: d.Regions,
		Content: d.Content, Status: Active, Review: Pending}
	m := &out.Meta
	m.ID, m.Owner, m.OwnerOrg, m.Version = id, p.User.Country, p.User.Org, 1
	m.Restrictions.AllowCountries = recipients
	m.CreatedAt, m.CreatedBy, m.UpdatedAt, m.UpdatedBy = now, p.User.ID, now, p.User.ID
	if err := m.Restrictions.Validate(); err != nil {
		return Diffusion{}, errs.E(op, errs.Internal, err)
	}
	for _, cc := range recipients {
		out.Copies = append(out.Copies, Copy{Country: cc, State: Delivered, DeliveredAt: now})
	}
	if err := record.Authorize(ctx, s.audit, p, record.Access{Op: op, Action: policy.ActionCreate, Audit: actSend,
		Resource: resource(out), Target: target(id), Detail: "recipients " + strings.Join(recipients, ",")}); err != nil {
		return Diffusion{}, err
	}
	data, _ := json.Marshal(map[string]string{"id": id, "sender": out.Owner, "kind": string(out.Kind), "urgency": string(out.Urgency)})
	evs := make([]notify.Event, 0, len(recipients))
	for _, cc := range recipients {
		evs = append(evs, notify.Event{Org: member.NCBID(cc), Type: notify.DiffusionReceived, Subject: Subject(id),
			Title: fmt.Sprintf("Diffusion received from %s (%s, %s)", out.Owner, out.Kind, out.Urgency), Data: data, Time: now})
	}
	if err := s.store.CreateDiffusion(ctx, out, evs); errs.Is(errs.Conflict, err) && out.Ref != "" {
		return Diffusion{}, errs.E(op, errs.Conflict, "your country already sent a diffusion with this reference", "ref", err)
	} else if err != nil {
		return Diffusion{}, errs.E(op, err)
	}
	return out, nil
}

// resolve returns the recipient countries of d sent by sender: the
// countries picked and the active members of the regions picked, without
// the sender and without any country on d's deny lists, sorted. A country
// picked by name must be an active member and not denied.
func (s *Service) resolve(ctx context.Context, sender string, d *Draft) ([]string, error) {
	const op = "diffusion.resolve"
	cs, err := s.members.Countries(ctx)
	if err != nil {
		return nil, errs.E(op, err)
	}
	byCode := make(map[string]member.Country, len(cs))
	for _, c := range cs {
		byCode[c.Alpha2] = c
	}
	deny := d.Meta.Restrictions
	denied := func(c member.Country) bool {
		return slices.Contains(deny.DenyCountries, c.Alpha2) || slices.Contains(deny.DenyRegions, c.Region)
	}
	set := map[string]bool{}
	for i, cc := range d.Countries {
		c, ok := byCode[cc]
		field := fmt.Sprintf("countries[%d]", i)
		switch {
		case !ok:
			return nil, errs.Invalidf(op, field, "%s is not a member country", cc)
		case c.Status != member.Active:
			return nil, errs.Invalidf(op, field, "%s is suspended and receives nothing", cc)
		case denied(c):
			return nil, errs.Invalidf(op, field, "%s is on this diffusion's deny list", cc)
		case cc == sender:
			continue
		}
		set[cc] = true
	}
	for _, c := range cs {
		if slices.Contains(d.Regions, c.Region) && c.Status == member.Active && c.Alpha2 != sender && !denied(c) {
			set[c.Alpha2] = true
		}
	}
	if len(set) == 0 {
		return nil, errs.Invalidf(op, "countries", "no recipient: the countries and regions picked hold only the sender or denied countries")
	}
	out := make([]string, 0, len(set))
	for cc := range set {
		out = append(out, cc)
	}
	slices.Sort(out)
	return out, nil
}

// load returns the stored diffusion id, or a Private error (recorded as a
// refused action) when there is none, so that a missing diffusion and a
// hidden one read alike.
func (s *Service) load(ctx context.Context, op string, p identity.Principal, id, action string) (Diffusion, error) {
	d, err := s.store.Diffusion(ctx, id)
	if errs.Is(errs.NotFound, err) {
		return Diffusion{}, s.refuse(ctx, op, p, action, target(id), "no such diffusion")
	}
	if err != nil {
		return Diffusion{}, errs.E(op, err)
	}
	return d, nil
}

// isReviewer reports whether p reads diffusions as a General Secretariat reviewer.
func isReviewer(p identity.Principal) bool {
	return p.User.HasRole(identity.GSReviewer) && !national(p)
}

// readAction is the policy action by which p reads a diffusion.
func readAction(p identity.Principal) policy.Action {
	if isReviewer(p) {
		return policy.ActionReview
	}
	return policy.ActionRead
}

// sender reports whether p is of the sender's country.
func sender(p identity.Principal, d Diffusion) bool { return national(p) && p.User.Country == d.Owner }

// forViewer returns d as p may see it: a recipient sees only its own copy.
func forViewer(p identity.Principal, d Diffusion) Diffusion {
	if national(p) && p.User.Country != d.Owner {
		c, ok := d.CopyFor(p.User.Country)
		d.Copies = nil
		if ok {
			d.Copies = []Copy{c}
		}
	}
	return d
}

// Get returns diffusion id to its sender's country, its recipients, the
// General Secretariat's reviewers and the oversight body, and an
// errs.Private error (shown as "not found") to everyone else. A withdrawn
// diffusion has no content left: its recipients get "not found" and read
// its withdrawal notice with Withdrawal instead.
func (s *Service) Get(ctx context.Context, p identity.Principal, id string) (Diffusion, error) {
	const op = "diffusion.Get"
	d, err := s.load(ctx, op, p, id, actRead)
	if err != nil {
		return Diffusion{}, err
	}
	acc := record.Access{Op: op, Action: readAction(p), Audit: actRead, Resource: resource(d), Target: target(id)}
	if d.Status == Withdrawn && !sender(p, d) && !p.User.HasRole(identity.Auditor) && !isReviewer(p) {
		acc.Detail = "withdrawn: content purged"
		if err := record.Authorize(ctx, s.audit, p, acc); err != nil {
			return Diffusion{}, err
		}
		return Diffusion{}, errs.E(op, errs.NotFound, "not found")
	}
	if err := record.Authorize(ctx, s.audit, p, acc); err != nil {
		return Diffusion{}, err
	}
	return forViewer(p, d), nil
}

// Withdrawal returns the withdrawal notice of diffusion id to a recipient
// (for its own copy) or the sender. It returns an errs.NotFound error when
// the diffusion is not withdrawn, and the policy's error (Private) to
// anyone who could not see the diffusion.
func (s *Service) Withdrawal(ctx context.Context, p identity.Principal, id string) (WithdrawalNotice, error) {
	const op = "diffusion.Withdrawal"
	d, err := s.load(ctx, op, p, id, actRead)
	if err != nil {
		return WithdrawalNotice{}, err
	}
	if err := record.Authorize(ctx, s.audit, p, record.Access{Op: op, Action: readAction(p), Audit: actRead,
		Resource: resource(d), Target: target(id), Detail: "withdrawal notice"}); err != nil {
		return WithdrawalNotice{}, err
	}
	if d.Status != Withdrawn {
		return WithdrawalNotice{}, errs.E(op, errs.NotFound, "this diffusion is not withdrawn")
	}
	n := WithdrawalNotice{ID: d.ID, Sender: d.Owner, WithdrawnAt: d.WithdrawnAt, Reason: d.WithdrawnWhy}
	if national(p) && p.User.Country != d.Owner {
		n.Country = p.User.Country
	}
	return n, nil
}

// list audits one listing and returns the rows of ds that p may see.
func (s *Service) list(ctx context.Context, op string, p identity.Principal, action policy.Action, what string, f Filter) ([]Diffusion, error) {
	f.Limit = clampLimit(f.Limit)
	owner := p.User.Country
	if err := record.Authorize(ctx, s.audit, p, record.Access{Op: op, Action: action, Audit: actList,
		Resource: policy.Resource{Kind: policy.KindDiffusion, Owner: owner}, Target: what}); err != nil {
		return nil, err
	}
	ds, err := s.store.Diffusions(ctx, f)
	if err != nil {
		return nil, errs.E(op, err)
	}
	out := ds[:0]
	for _, d := range ds {
		if record.Visible(p, action, resource(d)) {
			out = append(out, forViewer(p, d))
		}
	}
	return out, nil
}

func clampLimit(n int) int {
	switch {
	case n <= 0:
		return DefaultLimit
	case n > MaxLimit:
		return MaxLimit
	}
	return n
}

// Sent lists the diffusions sent by p's country, newest first, each with
// every recipient's delivery and acknowledgement. before pages on.
func (s *Service) Sent(ctx context.Context, p identity.Principal, before string, limit int) ([]Diffusion, error) {
	const op = "diffusion.Sent"
	if !national(p) {
		return nil, s.refuseList(ctx, op, p, "sent")
	}
	return s.list(ctx, op, p, policy.ActionRead, "sent", Filter{Owner: p.User.Country, Before: before, Limit: limit})
}

// Inbound is one diffusion in a recipient's list: its copy, and either its
// content (Diffusion) or, when withdrawn, its withdrawal notice.
type Inbound struct {
	Diffusion Diffusion         `json:"diffusion"`
	Copy      Copy              `json:"copy"`
	Notice    *WithdrawalNotice `json:"withdrawal,omitempty"`
}

// Received lists the diffusions received by p's country, newest first:
// withdrawn ones as withdrawal notices only.
func (s *Service) Received(ctx context.Context, p identity.Principal, before string, limit int) ([]Inbound, error) {
	const op = "diffusion.Received"
	if !national(p) {
		return nil, s.refuseList(ctx, op, p, "received")
	}
	ds, err := s.list(ctx, op, p, policy.ActionRead, "received", Filter{Recipient: p.User.Country, Before: before, Limit: limit})
	if err != nil {
		return nil, err
	}
	out := make([]Inbound, 0, len(ds))
	for _, d := range ds {
		c, _ := d.CopyFor(p.User.Country)
		in := Inbound{Diffusion: d, Copy: c}
		if d.Status == Withdrawn {
			in.Notice = &WithdrawalNotice{ID: d.ID, Sender: d.Owner, Country: c.Country, WithdrawnAt: d.WithdrawnAt, Reason: d.WithdrawnWhy}
			in.Diffusion = Diffusion{Meta: record.Meta{ID: d.ID, Owner: d.Owner}, Status: Withdrawn, Copies: []Copy{c}}
		}
		out = append(out, in)
	}
	return out, nil
}

// refuseList records a refused list by a caller of no country and returns
// a Private error.
func (s *Service) refuseList(ctx context.Context, op string, p identity.Principal, what string) error {
	return s.refuse(ctx, op, p, actList, what, "the caller has no country")
}

// refuse records a refused action that no policy decision covers (a
// diffusion that does not exist, a country's list asked by someone of no
// country) and returns a Private error, answered as "not found", or the
// audit log's error when it cannot record.
func (s *Service) refuse(ctx context.Context, op string, p identity.Principal, action, tgt, why string) error {
	e := audit.Entry{Time: s.now(), Actor: p.User.ID, ActorOrg: p.User.Org, Action: action, Target: tgt,
		Outcome: audit.OutcomeDeny, RequestID: reqid.From(ctx), Detail: why}
	if _, err := s.audit.Append(ctx, e); err != nil {
		return errs.E(op, err)
	}
	return errs.E(op, errs.Private)
}

// ReviewQueue lists the active diffusions not yet reviewed, newest first,
// for the General Secretariat's reviewers.
func (s *Service) ReviewQueue(ctx context.Context, p identity.Principal, before string, limit int) ([]Diffusion, error) {
	const op = "diffusion.ReviewQueue"
	return s.list(ctx, op, p, policy.ActionReview, "review-queue", Filter{PendingReview: true, Before: before, Limit: limit})
}

// Acknowledge marks p's country's copy of diffusion id as acknowledged and
// tells the sender's NCB. It returns the policy's error (Private) to anyone
// who may not see the diffusion, an errs.NotFound error to the sender or a
// recipient of a withdrawn diffusion, and an errs.Conflict error when the
// copy is acknowledged already.
func (s *Service) Acknowledge(ctx context.Context, p identity.Principal, id string) (Copy, error) {
	const op = "diffusion.Acknowledge"
	d, err := s.load(ctx, op, p, id, actAck)
	if err != nil {
		return Copy{}, err
	}
	if err := record.Authorize(ctx, s.audit, p, record.Access{Op: op, Action: policy.ActionRead, Audit: actAck,
		Resource: resource(d), Target: target(id)}); err != nil {
		return Copy{}, err
	}
	c, ok := d.CopyFor(p.User.Country)
	switch {
	case !national(p) || !ok:
		return Copy{}, errs.E(op, errs.Permission, "only a recipient country acknowledges a diffusion")
	case d.Status == Withdrawn || c.State == CopyWithdrawn:
		return Copy{}, errs.E(op, errs.NotFound, "not found")
	case c.State == Acknowledged:
		return Copy{}, errs.E(op, errs.Conflict, "this diffusion is acknowledged already")
	}
	now := s.now()
	data, _ := json.Marshal(map[string]string{"id": id, "country": p.User.Country})
	ev := notify.Event{Org: member.NCBID(d.Owner), Type: notify.DiffusionAcked, Subject: Subject(id),
		Title: "Diffusion acknowledged by " + p.User.Country, Data: data, Time: now}
	if err := s.store.AckDiffusion(ctx, id, p.User.Country, p.User.ID, now, []notify.Event{ev}); err != nil {
		return Copy{}, errs.E(op, err)
	}
	c.State, c.AcknowledgedAt, c.AcknowledgedBy = Acknowledged, now, p.User.ID
	return c, nil
}

// Decision is a reviewer's decision on a diffusion.
type Decision struct {
	Compliant bool
	Reasons   string // required when not compliant; shown to the sender and every recipient
}

// Review records a General Secretariat reviewer's decision. A non-compliant
// diffusion is withdrawn at once (see Withdraw). It returns an
// errs.Invalid error naming "reasons" when a non-compliant decision gives
// none, the policy's error when p may not review, and an errs.Conflict
// error when the diffusion is reviewed or withdrawn already.
func (s *Service) Review(ctx context.Context, p identity.Principal, id string, dec Decision) (Diffusion, error) {
	const op = "diffusion.Review"
	dec.Reasons = strings.TrimSpace(dec.Reasons)
	if err := checkReason(op, "reasons", dec.Reasons, !dec.Compliant); err != nil {
		return Diffusion{}, err
	}
	d, err := s.load(ctx, op, p, id, actReview)
	if err != nil {
		return Diffusion{}, err
	}
	verdict := Compliant
	if !dec.Compliant {
		verdict = NonCompliant
	}
	if err := record.Authorize(ctx, s.audit, p, record.Access{Op: op, Action: policy.ActionReview, Audit: actReview,
		Resource: resource(d), Target: target(id), Detail: string(verdict)}); err != nil {
		return Diffusion{}, err
	}
	if d.Status == Withdrawn || d.Review != Pending {
		return Diffusion{}, errs.E(op, errs.Conflict, "this diffusion is reviewed or withdrawn already")
	}
	if !dec.Compliant {
		return s.withdraw(ctx, op, p, d, dec.Reasons, NonCompliant)
	}
	now := s.now()
	if err := s.store.ReviewDiffusion(ctx, id, p.User.ID, dec.Reasons, now); err != nil {
		return Diffusion{}, errs.E(op, err)
	}
	d.Review, d.ReviewedAt, d.ReviewedBy, d.ReviewReasons = Compliant, now, p.User.ID, dec.Reasons
	return d, nil
}

func checkReason(op, field, s string, required bool) error {
	if required && s == "" {
		return errs.Invalidf(op, field, "state the reasons")
	}
	if utf8.RuneCountInString(s) > MaxReasons || !printable(s, true) {
		return errs.Invalidf(op, field, "the reasons are at most %d characters of printable text", MaxReasons)
	}
	return nil
}

// Withdraw lets the sender's country withdraw its own diffusion, with the
// same effect as a non-compliant review: every copy purged and replaced by
// a withdrawal notice with reason. It returns an errs.Invalid error naming
// "reason" when none is given, the policy's error when p is not of the
// sender's country, and an errs.Conflict error when already withdrawn.
func (s *Service) Withdraw(ctx context.Context, p identity.Principal, id, reason string) (Diffusion, error) {
	const op = "diffusion.Withdraw"
	reason = strings.TrimSpace(reason)
	if err := checkReason(op, "reason", reason, true); err != nil {
		return Diffusion{}, err
	}
	d, err := s.load(ctx, op, p, id, actWithdraw)
	if err != nil {
		return Diffusion{}, err
	}
	// Only the owner country may delete its record (policy rule 9).
	if err := record.Authorize(ctx, s.audit, p, record.Access{Op: op, Action: policy.ActionDelete, Audit: actWithdraw,
		Resource: resource(d), Target: target(id)}); err != nil {
		return Diffusion{}, err
	}
	if d.Status == Withdrawn {
		return Diffusion{}, errs.E(op, errs.Conflict, "this diffusion is withdrawn already")
	}
	return s.withdraw(ctx, op, p, d, reason, "")
}

// ScrubbedTitle is the title left on every earlier inbox event about a
// withdrawn diffusion.
const ScrubbedTitle = "Diffusion withdrawn; its content was deleted"

// withdraw purges d (already authorised and audited by the caller) and
// returns it as it is now.
func (s *Service) withdraw(ctx context.Context, op string, p identity.Principal, d Diffusion, reason string, review ReviewState) (Diffusion, error) {
	now := s.now()
	scrub, _ := json.Marshal(map[string]any{"id": d.ID, "withdrawn": true})
	data, _ := json.Marshal(map[string]string{"id": d.ID, "sender": d.Owner, "reason": reason})
	orgs := []string{member.NCBID(d.Owner)}
	for _, c := range d.Copies {
		orgs = append(orgs, member.NCBID(c.Country))
	}
	evs := make([]notify.Event, 0, len(orgs))
	for _, org := range orgs {
		evs = append(evs, notify.Event{Org: org, Type: notify.DiffusionWithdrawn, Subject: Subject(d.ID),
			Title: "Diffusion from " + d.Owner + " withdrawn", Data: data, Time: now})
	}
	w := Withdrawal{ID: d.ID, At: now, By: p.User.ID, Reason: reason, Review: review, ScrubTitle: ScrubbedTitle, ScrubData: scrub, Events: evs}
	if err := s.store.WithdrawDiffusion(ctx, w); err != nil {
		return Diffusion{}, errs.E(op, err)
	}
	if review != "" {
		// The review was recorded as diffusion.review; record the withdrawal it caused.
		e := audit.Entry{Time: now, Actor: p.User.ID, ActorOrg: p.User.Org, Action: actWithdraw, Target: target(d.ID),
			Outcome: audit.OutcomeAllow, RequestID: reqid.From(ctx), Detail: "non-compliant review"}
		if _, err := s.audit.Append(ctx, e); err != nil {
			return Diffusion{}, errs.E(op, err)
		}
	}
	d.Content = Content{}
	d.Status, d.WithdrawnAt, d.WithdrawnBy, d.WithdrawnWhy = Withdrawn, now, p.User.ID, reason
	if review != "" {
		d.Review, d.ReviewedAt, d.ReviewedBy, d.ReviewReasons = review, now, p.User.ID, reason
	}
	for i := range d.Copies {
		d.Copies[i] = Copy{Country: d.Copies[i].Country, State: CopyWithdrawn, WithdrawnAt: now, Reason: reason}
	}
	return d, nil
}

// Export returns every diffusion p may export, newest first: for a member
// country's users, those it sent and the active ones it received; for the
// oversight body, all (withdrawn ones as they are now, without content).
// purpose is required and recorded. Export decides and audits before it
// returns, so that a refusal comes back as its error before anything is
// read; the sequence then reads the store page by page and yields a
// store's error as its last element.
func (s *Service) Export(ctx context.Context, p identity.Principal, purpose string) (iter.Seq2[Diffusion, error], error) {
	const op = "diffusion.Export"
	if err := record.Authorize(ctx, s.audit, p, record.Access{Op: op, Action: policy.ActionExport, Audit: actExport,
		Resource: policy.Resource{Kind: policy.KindDiffusion, Owner: p.User.Country}, Target: "diffusions", Purpose: purpose}); err != nil {
		return nil, err
	}
	f := Filter{Limit: 500}
	if national(p) {
		f.Party = p.User.Country
	}
	return func(yield func(Diffusion, error) bool) {
		for {
			ds, err := s.store.Diffusions(ctx, f)
			if err != nil {
				yield(Diffusion{}, errs.E(op, err))
				return
			}
			for _, d := range ds {
				if !record.Visible(p, policy.ActionExport, resource(d)) || d.Status == Withdrawn && national(p) && p.User.Country != d.Owner {
					continue
				}
				if !yield(forViewer(p, d), nil) {
					return
				}
			}
			if len(ds) < f.Limit {
				return
			}
			f.Before = ds[len(ds)-1].ID
		}
	}, nil
}

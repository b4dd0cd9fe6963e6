package notice

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/member"
	"github.com/polex-org/polex/internal/notify"
	"github.com/polex-org/polex/internal/person"
	"github.com/polex-org/polex/internal/policy"
	"github.com/polex-org/polex/internal/record"
)

// Service manages notices. Every read, search, change and export is
// decided by the one policy and audited through record.Authorize.
type Service struct {
	store Store
	audit record.Auditor
	now   func() time.Time

	// Changed, when set before use, is called after a notice was saved in
	// this process (the clearinghouse's name index reads it at once). It
	// must not block.
	Changed func(kind string)
}

// New returns a Service over store, auditing to log.
func New(store Store, log record.Auditor) *Service {
	return &Service{store: store, audit: log, now: func() time.Time { return time.Now().UTC() }}
}

// SetClock replaces the service's clock (tests and demo data).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// Input is what the owner writes when it creates or updates a notice.
type Input struct {
	Ref string `json:"ref,omitempty" maxLength:"128"`
	Content
	Restrictions   policy.Restrictions     `json:"restrictions" required:"false"`
	Handling       policy.Handling         `json:"handling,omitempty" enum:"H0,H1,H2,H3"`
	Classification identity.Classification `json:"classification" required:"false" minimum:"0" maximum:"3" doc:"0 public (the default), 1 official, 2 restricted, 3 confidential"`
	Grading        record.Grading          `json:"grading" required:"false"`
	Extract        Extract                 `json:"public_extract" required:"false" doc:"the owner's agreement to a public extract"`
}

// validate normalises in and returns an errs.Invalid error naming the
// first field at fault.
func (in *Input) validate(owner string, now time.Time) error {
	const op = "notice.Input.validate"
	in.Content.Normalize()
	in.Ref = strings.TrimSpace(in.Ref)
	if err := in.Content.Validate(now); err != nil {
		return err
	}
	m := record.Meta{Ref: in.Ref, Restrictions: in.Restrictions, Handling: in.Handling, Classification: in.Classification, Grading: in.Grading}
	if err := m.Validate(); err != nil {
		return err
	}
	if owner != "" && slices.Contains(in.Restrictions.DenyCountries, owner) {
		return invalid(op, "deny_countries", ProblemOwnerDenied, "the owner country cannot be on its own deny list")
	}
	return in.Extract.validate(in.Type, in.Restrictions, in.Handling, in.Classification)
}

// resource is the policy resource of n. A notice that is not published is
// visible to its owner country only (and to reviewers through
// ActionReview): its allow list is the owner alone, its deny lists stay.
func resource(n Notice) policy.Resource {
	r := n.Meta.Resource(policy.KindNotice)
	if n.Status != Published {
		own := []string{}
		if n.Owner != "" {
			own = []string{n.Owner}
		}
		r.Restrictions = policy.Restrictions{AllowCountries: own, DenyCountries: n.Restrictions.DenyCountries, DenyRegions: n.Restrictions.DenyRegions}
		if n.Owner == "" {
			// Owned by the General Secretariat: no country may see it.
			r.Restrictions = policy.Restrictions{AllowCountries: []string{"ZZ"}}
		}
	}
	return r
}

// Resource returns the policy resource of n: that of its envelope, with the
// owner alone on the allow list while n is not published.
func (n Notice) Resource() policy.Resource { return resource(n) }

// inReview reports whether n, or an update of it, awaits review.
func inReview(n Notice) bool {
	return n.Status == Submitted || n.Pending != nil && n.Pending.Status == Submitted
}

// ownerOrg is the organisation told about the owner's notices.
func ownerOrg(n Notice) string {
	if n.Owner == "" {
		return member.SecretariatID
	}
	return member.NCBID(n.Owner)
}

func target(id string) string { return "notice:" + id }

// isOwner reports whether p belongs to the owner of n.
func isOwner(p identity.Principal, n Notice) bool {
	if n.Owner == "" {
		return p.OrgKind == string(member.Secretariat)
	}
	return p.User.Country == n.Owner
}

// view is what p may see of n: the owner, auditors and reviewers (through
// ActionReview) see everything; other readers see the published content
// without the review's internals.
func view(p identity.Principal, n Notice, full bool) Notice {
	if full {
		return n
	}
	n.Findings, n.Refusal, n.Pending, n.RemindedFor = nil, nil, nil, time.Time{}
	return n
}

// shown is view(p, n, full) without the duplicate findings that name a
// notice p may not see (FilterFindings): the owner sees the checks of its
// notice, but they must not tell it that a notice hidden from it exists.
func (s *Service) shown(ctx context.Context, p identity.Principal, n Notice, full bool) Notice {
	n = view(p, n, full)
	if len(n.Findings) > 0 {
		n.Findings = s.FilterFindings(ctx, p, n.Findings)
	}
	if n.Pending != nil && len(n.Pending.Findings) > 0 {
		pd := *n.Pending
		pd.Findings = s.FilterFindings(ctx, p, pd.Findings)
		n.Pending = &pd
	}
	return n
}

// access decides and audits action on n for p. It returns whether p sees
// the full notice (owner, reviewer, auditor).
func (s *Service) access(ctx context.Context, p identity.Principal, op, auditAction string, n Notice, action policy.Action, purpose, detail string) (bool, error) {
	res := resource(n)
	// A reviewer reads a notice (or update) that awaits review through
	// ActionReview, which shows it whole, pending update and checks included.
	if action == policy.ActionRead && inReview(n) && record.Visible(p, policy.ActionReview, res) {
		action = policy.ActionReview
	}
	if err := record.Authorize(ctx, s.audit, p, record.Access{Op: op, Action: action, Audit: auditAction, Resource: res,
		Target: target(n.ID), Purpose: purpose, Detail: detail}); err != nil {
		return false, err
	}
	full := isOwner(p, n) || p.User.HasRole(identity.Auditor) || action == policy.ActionReview
	return full, nil
}

// load returns notice id, or a not-found error that is audited like a
// refusal so that a missing notice and a hidden one leave the same trace.
func (s *Service) load(ctx context.Context, p identity.Principal, op, auditAction, id string) (Notice, error) {
	n, err := s.store.Notice(ctx, id)
	if errs.Is(errs.NotFound, err) {
		_ = record.Authorize(ctx, s.audit, p, record.Access{Op: op, Action: policy.ActionRead, Audit: auditAction,
			Resource: policy.Resource{Kind: "missing"}, Target: target(id)})
		return Notice{}, errs.E(op, errs.NotFound, "not found")
	}
	if err != nil {
		return Notice{}, errs.E(op, err)
	}
	return n, nil
}

// Create drafts a notice owned by p's country. It returns an errs.Invalid
// error naming the field at fault, or the policy's refusal.
func (s *Service) Create(ctx context.Context, p identity.Principal, in Input) (Notice, error) {
	const op = "notice.Create"
	now := s.now()
	owner := p.User.Country
	if err := in.validate(owner, now); err != nil {
		return Notice{}, err
	}
	id, err := identity.NewID("ntc")
	if err != nil {
		return Notice{}, err
	}
	n := Notice{Meta: record.Meta{ID: id, Ref: in.Ref, Owner: owner, OwnerOrg: p.User.Org, Restrictions: in.Restrictions,
		Handling: in.Handling, Classification: in.Classification, Grading: in.Grading, Version: 1,
		CreatedAt: now, CreatedBy: p.User.ID, UpdatedAt: now, UpdatedBy: p.User.ID},
		Content: in.Content, Status: Draft, Extract: in.Extract}
	res := resource(n)
	if err := record.Authorize(ctx, s.audit, p, record.Access{Op: op, Action: policy.ActionCreate, Audit: "notice.create",
		Resource: res, Target: target(id), Detail: string(n.Type)}); err != nil {
		return Notice{}, err
	}
	if err := s.save(ctx, n, 0, p, "created", "", nil); err != nil {
		return Notice{}, errs.E(op, err)
	}
	return n, nil
}

// save writes n as a change from version prev, keeping a version.
func (s *Service) save(ctx context.Context, n Notice, prev int, p identity.Principal, action, note string, evs []notify.Event) error {
	body, err := json.Marshal(n)
	if err != nil {
		return errs.E("notice.save", errs.Internal, err)
	}
	keys := Keys(n.Person)
	if n.Pending != nil {
		for _, k := range Keys(n.Pending.Person) {
			if !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
	}
	if err := s.store.SaveNotice(ctx, Write{Notice: n, Prev: prev, Keys: keys, Public: n.Public(), Events: evs,
		Version: &Version{NoticeID: n.ID, Version: n.Version, At: n.UpdatedAt, By: p.User.ID, Action: action, Note: note, Body: body}}); err != nil {
		return err
	}
	if s.Changed != nil {
		s.Changed(policy.KindNotice)
	}
	return nil
}

// touch advances n's version for a change by p.
func (s *Service) touch(n *Notice, p identity.Principal) int {
	prev := n.Version
	n.Version++
	n.UpdatedAt, n.UpdatedBy = s.now(), p.User.ID
	return prev
}

// Get returns notice id as p may see it, auditing the read.
func (s *Service) Get(ctx context.Context, p identity.Principal, id string) (Notice, error) {
	const op = "notice.Get"
	n, err := s.load(ctx, p, op, "notice.read", id)
	if err != nil {
		return Notice{}, err
	}
	full, err := s.access(ctx, p, op, "notice.read", n, policy.ActionRead, "", "")
	if err != nil {
		return Notice{}, err
	}
	return s.shown(ctx, p, n, full), nil
}

// Update changes a notice of p's country. A draft or refused notice is
// changed in place; an update of a published notice becomes a pending
// revision, checked at once and reviewed again, while the published
// version stays visible. A notice under review, cancelled or expired
// cannot change (errs.Conflict). prev, when not 0, must be the version the
// caller read (errs.Conflict otherwise).
func (s *Service) Update(ctx context.Context, p identity.Principal, id string, prev int, in Input) (Notice, error) {
	const op = "notice.Update"
	n, err := s.load(ctx, p, op, "notice.update", id)
	if err != nil {
		return Notice{}, err
	}
	if _, err := s.access(ctx, p, op, "notice.update", n, policy.ActionUpdate, "", ""); err != nil {
		return Notice{}, err
	}
	if prev != 0 && prev != n.Version {
		return Notice{}, errs.E(op, errs.Conflict, "the notice changed since you read it", "version", ProblemChanged)
	}
	return s.update(ctx, op, p, n, in)
}

// update applies in to n, which p may update (the rules of Update).
func (s *Service) update(ctx context.Context, op string, p identity.Principal, n Notice, in Input) (Notice, error) {
	if in.Type != n.Type && strings.TrimSpace(string(in.Type)) != "" {
		return Notice{}, errs.Invalidf(op, "type", "the type of a notice cannot change")
	}
	in.Type = n.Type
	if err := in.validate(n.Owner, s.now()); err != nil {
		return Notice{}, err
	}
	old := s.touch(&n, p)
	var evs []notify.Event
	action := "updated"
	switch n.Status {
	case Draft, Refused:
		n.Ref, n.Content, n.Restrictions, n.Handling, n.Classification, n.Grading, n.Extract =
			in.Ref, in.Content, in.Restrictions, in.Handling, in.Classification, in.Grading, in.Extract
	case Published:
		if n.Pending != nil && n.Pending.Status == Submitted {
			return Notice{}, errs.E(op, errs.Conflict, "an update of this notice is already under review", "status", ProblemUnderReview)
		}
		rev := &Revision{Content: in.Content, Restrictions: in.Restrictions, Handling: in.Handling, Classification: in.Classification,
			Extract: in.Extract, Status: Submitted, At: n.UpdatedAt, By: p.User.ID}
		rev.Findings = s.checks(ctx, n.ID, rev.Content)
		n.Pending = rev
		// Narrowing access applies at once; widening waits for the review
		// (and a refused update leaves the narrowed access in place).
		n.Restrictions, n.Handling, n.Classification = narrowed(n, in)
		action = "update-submitted"
		evs = append(evs, submittedEvent(n))
	default:
		return Notice{}, errs.E(op, errs.Conflict, "a "+string(n.Status)+" notice cannot be changed", "status", ProblemState)
	}
	if err := s.save(ctx, n, old, p, action, "", evs); err != nil {
		return Notice{}, errs.E(op, err)
	}
	return s.shown(ctx, p, n, true), nil
}

// SetPhoto adds a photo of the notice's person: data must be a JPEG or PNG
// image (CheckPhoto). The change follows the rules of Update.
func (s *Service) SetPhoto(ctx context.Context, p identity.Principal, id string, data []byte) (person.Photo, error) {
	const op = "notice.SetPhoto"
	n, err := s.load(ctx, p, op, "notice.update", id)
	if err != nil {
		return person.Photo{}, err
	}
	if _, err := s.access(ctx, p, op, "notice.update", n, policy.ActionUpdate, "", "photo"); err != nil {
		return person.Photo{}, err
	}
	ph, err := CheckPhoto(data)
	if err != nil {
		return person.Photo{}, err
	}
	ph.CreatedAt = s.now()
	in := Input{Ref: n.Ref, Content: n.Content, Restrictions: n.Restrictions, Handling: n.Handling, Classification: n.Classification,
		Grading: n.Grading, Extract: n.Extract}
	if n.Pending != nil {
		in.Content, in.Restrictions, in.Handling, in.Classification, in.Extract = n.Pending.Content, n.Pending.Restrictions, n.Pending.Handling, n.Pending.Classification, n.Pending.Extract
	}
	if in.Person == nil {
		return person.Photo{}, invalid(op, "photo", ProblemPhotoNoPerson, "%s notices have no person to photograph", n.Type)
	}
	pp := *in.Person
	pp.Photos = append(slices.Clone(pp.Photos), person.Photo{SHA256: ph.SHA256, ContentType: ph.ContentType, Size: ph.Size})
	if len(pp.Photos) > person.MaxList {
		return person.Photo{}, invalid(op, "photo", ProblemPhotoTooMany, "at most %d photos", person.MaxList)
	}
	in.Person = &pp
	if err := s.store.PutPhoto(ctx, ph); err != nil {
		return person.Photo{}, errs.E(op, err)
	}
	// The photo is stored first: a notice never names a photo that is
	// missing; a photo left unnamed by a refused update is harmless.
	if _, err := s.update(ctx, op, p, n, in); err != nil {
		return person.Photo{}, err
	}
	return person.Photo{SHA256: ph.SHA256, ContentType: ph.ContentType, Size: ph.Size}, nil
}

// Photo returns a photo of notice id's person to a caller who may read the
// notice, auditing the read as notice.photo.read.
func (s *Service) Photo(ctx context.Context, p identity.Principal, id, sha string) (Photo, error) {
	const op = "notice.Photo"
	n, err := s.load(ctx, p, op, "notice.photo.read", id)
	if err != nil {
		return Photo{}, err
	}
	full, err := s.access(ctx, p, op, "notice.photo.read", n, policy.ActionRead, "", sha)
	if err != nil {
		return Photo{}, err
	}
	n = view(p, n, full)
	if !hasPhoto(n.Person, sha) && !(n.Pending != nil && hasPhoto(n.Pending.Person, sha)) {
		return Photo{}, errs.E(op, errs.NotFound, "not found")
	}
	return s.store.Photo(ctx, sha)
}

func hasPhoto(p *person.Person, sha string) bool {
	return p != nil && slices.ContainsFunc(p.Photos, func(ph person.Photo) bool { return ph.SHA256 == sha })
}

// checks runs the automated checks on content c of notice id.
func (s *Service) checks(ctx context.Context, id string, c Content) []Finding {
	fs := Quality(c)
	if keys := Keys(c.Person); len(keys) > 0 {
		ids, err := s.store.NoticesWithKeys(ctx, id, keys)
		if err != nil {
			fs = append(fs, Finding{Code: FindDuplicate, Message: "the duplicate check could not run: " + errs.Message(err)})
		}
		for _, other := range ids {
			fs = append(fs, Finding{Code: FindDuplicate, Field: "person", Ref: other,
				Message: "another notice has the same identity document, or the same name and birth date"})
		}
	}
	fs = append(fs, Article3(c)...)
	return append(fs, Article2(c)...)
}

func submittedEvent(n Notice) notify.Event {
	return notify.Event{Org: member.SecretariatID, Type: notify.NoticeSubmitted, Subject: target(n.ID),
		Title: "A " + string(n.Type) + " notice awaits review", Time: n.UpdatedAt}
}

// ownerEvent is an event for the owner's NCB about its own notice.
func ownerEvent(n Notice, typ, title string, data any) notify.Event {
	e := notify.Event{Org: ownerOrg(n), Type: typ, Subject: target(n.ID), Title: title, Time: n.UpdatedAt}
	if data != nil {
		e.Data, _ = json.Marshal(data)
	}
	return e
}

// Submit sends a draft or refused notice of p's country for review: the
// automated checks run and are stored with it, and the General Secretariat
// is notified.
func (s *Service) Submit(ctx context.Context, p identity.Principal, id string) (Notice, error) {
	const op = "notice.Submit"
	n, err := s.load(ctx, p, op, "notice.submit", id)
	if err != nil {
		return Notice{}, err
	}
	if _, err := s.access(ctx, p, op, "notice.submit", n, policy.ActionUpdate, "", ""); err != nil {
		return Notice{}, err
	}
	if n.Status != Draft && n.Status != Refused {
		return Notice{}, errs.E(op, errs.Conflict, "only a draft or refused notice can be submitted", "status", ProblemState)
	}
	if err := n.Content.Validate(s.now()); err != nil {
		return Notice{}, err
	}
	old := s.touch(&n, p)
	n.Status, n.SubmittedAt, n.Refusal = Submitted, n.UpdatedAt, nil
	n.Findings = s.checks(ctx, n.ID, n.Content)
	if err := s.save(ctx, n, old, p, "submitted", "", []notify.Event{submittedEvent(n)}); err != nil {
		return Notice{}, errs.E(op, err)
	}
	return s.shown(ctx, p, n, true), nil
}

// Publish publishes a notice, or an update of one, that awaits review: a
// gs-reviewer only (policy.ActionReview). A new publication is valid for
// Validity.
func (s *Service) Publish(ctx context.Context, p identity.Principal, id string) (Notice, error) {
	const op = "notice.Publish"
	n, err := s.load(ctx, p, op, "notice.publish", id)
	if err != nil {
		return Notice{}, err
	}
	if _, err := s.access(ctx, p, op, "notice.publish", n, policy.ActionReview, "", ""); err != nil {
		return Notice{}, err
	}
	if !inReview(n) {
		return Notice{}, errs.E(op, errs.Conflict, "the notice does not await review", "status", ProblemState)
	}
	old := s.touch(&n, p)
	if n.Status == Submitted {
		n.Status, n.PublishedAt, n.ReviewAt = Published, n.UpdatedAt, n.UpdatedAt.Add(Validity)
	} else {
		r := n.Pending
		n.Content, n.Restrictions, n.Handling, n.Classification, n.Extract, n.Findings = r.Content, r.Restrictions, r.Handling, r.Classification, r.Extract, r.Findings
		n.Pending = nil
	}
	n.Refusal, n.PublishedVer = nil, n.Version
	ev := ownerEvent(n, notify.NoticePublished, "Your "+string(n.Type)+" notice "+n.ID+" was published", nil)
	if err := s.save(ctx, n, old, p, "published", "", []notify.Event{ev}); err != nil {
		return Notice{}, errs.E(op, err)
	}
	return s.shown(ctx, p, n, true), nil
}

// Refuse refuses a notice, or an update of one, that awaits review, with
// reasons the owner sees: a gs-reviewer only. At least one reason is
// required (errs.Invalid naming "reasons").
func (s *Service) Refuse(ctx context.Context, p identity.Principal, id string, reasons []string) (Notice, error) {
	const op = "notice.Refuse"
	var rs []string
	for _, r := range reasons {
		if r = strings.TrimSpace(r); r != "" {
			if len(r) > 2000 || !printable(r) {
				return Notice{}, invalid(op, "reasons", ProblemTooLong, "a reason is at most 2000 characters of text")
			}
			rs = append(rs, r)
		}
	}
	if len(rs) == 0 {
		return Notice{}, invalid(op, "reasons", ProblemRequired, "state why the notice is refused")
	}
	n, err := s.load(ctx, p, op, "notice.refuse", id)
	if err != nil {
		return Notice{}, err
	}
	if _, err := s.access(ctx, p, op, "notice.refuse", n, policy.ActionReview, "", ""); err != nil {
		return Notice{}, err
	}
	if !inReview(n) {
		return Notice{}, errs.E(op, errs.Conflict, "the notice does not await review", "status", ProblemState)
	}
	old := s.touch(&n, p)
	title := "Your " + string(n.Type) + " notice " + n.ID + " was refused"
	if n.Status == Submitted {
		n.Status, n.Refusal = Refused, rs
	} else {
		n.Pending.Status, n.Pending.Refusal = Refused, rs
		title = "The update of your " + string(n.Type) + " notice " + n.ID + " was refused; the published version stays"
	}
	ev := ownerEvent(n, notify.NoticeRefused, title, map[string]any{"reasons": rs})
	if err := s.save(ctx, n, old, p, "refused", strings.Join(rs, "; "), []notify.Event{ev}); err != nil {
		return Notice{}, errs.E(op, err)
	}
	return s.shown(ctx, p, n, true), nil
}

// Cancel cancels a notice of p's country: the person was arrested or
// located, or the request is withdrawn. A cancelled notice is no longer
// visible to other countries and loses its public extract.
func (s *Service) Cancel(ctx context.Context, p identity.Principal, id, reason, note string) (Notice, error) {
	const op = "notice.Cancel"
	switch reason {
	case ReasonArrested, ReasonLocated, ReasonWithdrawn:
	default:
		return Notice{}, errs.Invalidf(op, "reason", "the reason must be arrested, located or withdrawn")
	}
	if len(note) > 2000 || !printable(note) {
		return Notice{}, invalid(op, "note", ProblemTooLong, "the note is at most 2000 characters of text")
	}
	n, err := s.load(ctx, p, op, "notice.cancel", id)
	if err != nil {
		return Notice{}, err
	}
	if _, err := s.access(ctx, p, op, "notice.cancel", n, policy.ActionUpdate, "", reason); err != nil {
		return Notice{}, err
	}
	if n.Status == Cancelled || n.Status == Expired {
		return Notice{}, errs.E(op, errs.Conflict, "the notice is already "+string(n.Status), "status", ProblemState)
	}
	old := s.touch(&n, p)
	n.Status, n.Cancelled, n.Pending = Cancelled, reason, nil
	ev := ownerEvent(n, notify.NoticeCancelled, "Your "+string(n.Type)+" notice "+n.ID+" was cancelled ("+reason+")", nil)
	if err := s.save(ctx, n, old, p, "cancelled", strings.TrimSpace(reason+" "+note), []notify.Event{ev}); err != nil {
		return Notice{}, errs.E(op, err)
	}
	return s.shown(ctx, p, n, true), nil
}

// Renew extends a published notice of p's country for Validity from now.
func (s *Service) Renew(ctx context.Context, p identity.Principal, id string) (Notice, error) {
	const op = "notice.Renew"
	n, err := s.load(ctx, p, op, "notice.renew", id)
	if err != nil {
		return Notice{}, err
	}
	if _, err := s.access(ctx, p, op, "notice.renew", n, policy.ActionUpdate, "", ""); err != nil {
		return Notice{}, err
	}
	if n.Status != Published {
		return Notice{}, errs.E(op, errs.Conflict, "only a published notice can be renewed", "status", ProblemState)
	}
	old := s.touch(&n, p)
	n.ReviewAt = n.UpdatedAt.Add(Validity)
	if err := s.save(ctx, n, old, p, "renewed", "valid until "+n.ReviewAt.Format(time.DateOnly), nil); err != nil {
		return Notice{}, errs.E(op, err)
	}
	return s.shown(ctx, p, n, true), nil
}

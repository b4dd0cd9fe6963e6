package app

import (
	"context"

	"github.com/polex-org/polex/internal/diffusion"
	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/member"
	"github.com/polex-org/polex/internal/person"
	"github.com/polex-org/polex/internal/policy"
	"github.com/polex-org/polex/internal/record"
)

// openDiffusions builds the diffusion service.
func (a *App) openDiffusions(ctx context.Context) error {
	a.Diffusions = diffusion.New(a.DB, a.DB, a.Audit)
	return nil
}

// seedDemoDiffusions adds demo diffusions: France to Europe (a wanted
// person, Belarus denied) and to Kenya and Brazil (information), and Kenya
// to France, the Emirates and Japan (a missing girl, acknowledged by
// France). They are added once: a second run finds France's sent
// diffusions and stops.
func (a *App) seedDemoDiffusions(ctx context.Context) error {
	const op = "app.seedDemoDiffusions"
	fr, err := a.demoPrincipal(ctx, "fr.officer")
	if err != nil {
		return errs.E(op, err)
	}
	ke, err := a.demoPrincipal(ctx, "ke.officer")
	if err != nil {
		return errs.E(op, err)
	}
	sent, err := a.Diffusions.Sent(ctx, fr, "", 1)
	if err != nil {
		return errs.E(op, err)
	}
	if len(sent) > 0 {
		return nil
	}
	drafts := []struct {
		by diffusion.Draft
		p  bool // sent by France, else by Kenya
	}{
		{p: true, by: diffusion.Draft{
			Meta: record.Meta{Ref: "FR-DIF-2026-0412", Handling: policy.H1, Classification: 1,
				Restrictions: policy.Restrictions{DenyCountries: []string{"BY"}}},
			Kind: diffusion.Wanted, Urgency: diffusion.Urgent, Regions: []member.Region{member.Europe},
			Content: diffusion.Content{Subject: "Armed robbery of a jewellery shop, Lyon",
				Text:       "The person below is sought for an armed robbery committed in Lyon on 3 November 2026. Please locate, arrest and inform NCB Paris at once.",
				LegalBasis: "Arrest warrant 2026/LY/1187 of the investigating judge of Lyon",
				Person:     &person.Person{Names: []person.Name{{Full: "Marc DURAND", Given: "Marc", Family: "DURAND"}}, BirthDates: []person.Date{"1988-04-17"}, Sex: person.Male, Nationalities: []string{"FR"}}},
		}},
		{p: true, by: diffusion.Draft{
			Meta: record.Meta{Classification: 1}, Kind: diffusion.Information, Urgency: diffusion.Routine,
			Countries: []string{"KE", "BR"},
			Content: diffusion.Content{Subject: "Counterfeit medicines shipped by air freight",
				Text: "We share the modus operandi of a network shipping counterfeit medicines in machine parts. Any seizure of the same kind is of interest."},
		}},
		{by: diffusion.Draft{
			Meta: record.Meta{Ref: "KE-DCI-77/2026", Classification: 1}, Kind: diffusion.Missing, Urgency: diffusion.Urgent,
			Countries: []string{"FR", "AE", "JP"},
			Content: diffusion.Content{Subject: "Missing girl, 15, possibly travelling to Europe",
				Text:   "Missing from Nairobi since 20 November 2026; may be travelling with an adult on a forged document.",
				Person: &person.Person{Names: []person.Name{{Full: "Amani WANJIKU", Given: "Amani", Family: "WANJIKU"}}, BirthDates: []person.Date{"2011"}, Sex: person.Female, Nationalities: []string{"KE"}}},
		}},
	}
	for _, d := range drafts {
		who := ke
		if d.p {
			who = fr
		}
		out, err := a.Diffusions.Send(ctx, who, d.by)
		if err != nil {
			return errs.E(op, err)
		}
		if !d.p {
			// France acknowledges Kenya's diffusion.
			if _, err := a.Diffusions.Acknowledge(ctx, fr, out.ID); err != nil {
				return errs.E(op, err)
			}
		}
	}
	return nil
}

package app

import (
	"context"

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/notice"
	"github.com/polex-org/polex/internal/person"
	"github.com/polex-org/polex/internal/policy"
)

// openNotices builds the notice service.
func (a *App) openNotices(ctx context.Context) error {
	a.Notices = notice.New(a.DB, a.Audit)
	return nil
}

// demoNotice is one demo notice: who drafts it, what, and how far it goes.
type demoNotice struct {
	user  string
	in    notice.Input
	stage notice.Status // draft, submitted, published or refused
}

func demoNotices() []demoNotice {
	name := func(full, given, family string) []person.Name {
		return []person.Name{{Full: full, Given: given, Family: family}}
	}
	return []demoNotice{
		{"fr.officer", notice.Input{Ref: "FR-DEMO-RED-1", Content: notice.Content{Type: notice.Red,
			Facts: "Armed robbery of a jeweller's shop in Lyon on 3 January 2026; two employees injured.",
			Person: &person.Person{Names: name("Marc Lefèvre", "Marc", "Lefèvre"), BirthDates: []person.Date{"1984-07-12"}, Sex: person.Male,
				Nationalities: []string{"FR"}, Documents: []person.Document{{Type: "passport", Number: "19FR88231", IssuingCountry: "FR"}}},
			Fields: notice.Fields{Offence: "Armed robbery", LegalBasis: "Code pénal, article 311-8", WarrantRef: "MA-LYON-2026-0042",
				JudicialAuthority: "Juge d'instruction, Tribunal judiciaire de Lyon", Penalty: "Life imprisonment (maximum)"}},
			Extract: notice.Extract{Agreed: true, Fields: []string{"names", "birth_date", "sex", "nationalities", "offence"}}}, notice.Published},
		{"ke.officer", notice.Input{Ref: "KE-DEMO-YEL-1", Content: notice.Content{Type: notice.Yellow,
			Facts:  "Left her school in Mombasa and did not come home.",
			Person: &person.Person{Names: name("Amina Wanjiku", "Amina", "Wanjiku"), BirthDates: []person.Date{"2011-02-03"}, Sex: person.Female, Nationalities: []string{"KE"}},
			Fields: notice.Fields{DisappearedOn: "2026-09-14", DisappearedAt: "Mombasa, Kenya"}}}, notice.Submitted},
		{"br.officer", notice.Input{Ref: "BR-DEMO-RED-2", Content: notice.Content{Type: notice.Red,
			Facts: "Leader of a network trafficking cocaine through the port of Santos.",
			Person: &person.Person{Names: name("João Carlos Pereira", "João Carlos", "Pereira"), BirthDates: []person.Date{"1976-11-30"}, Sex: person.Male,
				Nationalities: []string{"BR", "PT"}},
			Fields: notice.Fields{Offence: "International drug trafficking", LegalBasis: "Lei 11.343/2006, art. 33", WarrantRef: "MP-SP-2025-7781",
				JudicialAuthority: "2ª Vara Federal de Santos", Penalty: "15 years (maximum)"}},
			Restrictions: policy.Restrictions{DenyCountries: []string{"JP"}}}, notice.Published},
		{"fr.officer", notice.Input{Ref: "FR-DEMO-PUR-1", Content: notice.Content{Type: notice.Purple,
			Facts: "Three seizures in Le Havre since June.", Fields: notice.Fields{ModusOperandi: "Cocaine dissolved in wine bottles shipped as samples to trade fairs."}}}, notice.Draft},
		{"ke.officer", notice.Input{Ref: "KE-DEMO-BLK-1", Content: notice.Content{Type: notice.Black,
			Person: &person.Person{Sex: person.Male, Marks: []string{"tattoo of an anchor on the left forearm"}},
			Fields: notice.Fields{DiscoveredOn: "2026-08-02", DiscoveredAt: "Lake Naivasha shore", BodyDescription: "Man aged 30 to 40, 1.80 m, short black hair."}}}, notice.Published},
		{"br.officer", notice.Input{Ref: "BR-DEMO-BLU-1", Content: notice.Content{Type: notice.Blue,
			Person: &person.Person{Names: name("Rafael Souza", "Rafael", "Souza"), Nationalities: []string{"BR"}},
			Fields: notice.Fields{InformationSought: "Current location and activities; suspected of desertion from the army."}}}, notice.Refused},
	}
}

// seedDemoNotices adds demo notices from FR, KE and BR in several states:
// a published Red Notice with a public extract, one awaiting review, one
// with a deny list (JP), a draft, a published Black Notice and a refused
// Blue Notice. Notices already there (same owner reference) are left as
// they are.
func (a *App) seedDemoNotices(ctx context.Context) error {
	const op = "app.seedDemoNotices"
	rev, err := a.demoPrincipal(ctx, "reviewer")
	if err != nil {
		return errs.E(op, err)
	}
	for _, d := range demoNotices() {
		p, err := a.demoPrincipal(ctx, d.user)
		if err != nil {
			return errs.E(op, err)
		}
		n, err := a.Notices.Create(ctx, p, d.in)
		if errs.Is(errs.Conflict, err) {
			continue // seeded before
		}
		if err != nil {
			return errs.E(op, err)
		}
		if d.stage == notice.Draft {
			continue
		}
		if _, err := a.Notices.Submit(ctx, p, n.ID); err != nil {
			return errs.E(op, err)
		}
		switch d.stage {
		case notice.Published:
			_, err = a.Notices.Publish(ctx, rev, n.ID)
		case notice.Refused:
			_, err = a.Notices.Refuse(ctx, rev, n.ID, []string{"Desertion is a military offence: Article 3 forbids a notice for it."})
		}
		if err != nil {
			return errs.E(op, err)
		}
	}
	return nil
}
